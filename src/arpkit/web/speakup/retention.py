"""Retention: at expiry, destroy a report's identifying content and keep its coded fields.

After Whispli and GlobaLeaks (docs/speakup.md): a closed report is kept for a number of days
after its last activity that depends on its outcome (``services.retention_days``). At expiry:

1. the free text, messages, event notes, attachments and the wrapped data key are overwritten
   with empty values by ``UPDATE`` (``PRAGMA secure_delete`` on SQLite, so freed pages are
   zeroed), then message and attachment rows are deleted;
2. the storage is compacted outside any transaction - ``VACUUM`` on SQLite rebuilds the file,
   ``VACUUM FULL`` of the speak-up tables on PostgreSQL rewrites them without the dead tuples
   (a plain ``VACUUM`` would only mark the space reusable) - so the old bytes are no longer in
   the database files;
3. copies the database cannot reach (WAL archives, backups) stay unreadable because the
   report's data key is gone (crypto-shredding);
4. route, source, category, service area, day-precision dates, status, outcome and flags stay
   for statistics, with a PURGED timeline event and an audit entry as the stub.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import connection, transaction

from arpkit.web.audit.services import record
from arpkit.web.speakup import events
from arpkit.web.speakup.choices import Status
from arpkit.web.speakup.models import Report, ReportAttachment, ReportEvent, ReportMessage

logger = logging.getLogger(__name__)

SPEAKUP_TABLES = [Report._meta.db_table, ReportEvent._meta.db_table,
                  ReportMessage._meta.db_table, ReportAttachment._meta.db_table]


def reports_due(on: date) -> list[Report]:
    return list(Report.objects.filter(status=Status.CLOSED, purged_on__isnull=True,
                                      retain_until__lte=on).order_by("retain_until", "pk"))


@transaction.atomic
def purge_report(report: Report, *, on: date) -> None:
    """Overwrite and delete one report's identifying content, keeping an audit stub."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
    ReportMessage.objects.filter(report=report).update(body_enc=b"")
    ReportAttachment.objects.filter(report=report).update(name_enc=b"", content_enc=b"", size=0)
    # Event rows are immutable through the ORM's save(); retention is the one path that may
    # blank their encrypted notes, keeping type, time, actor and codes.
    ReportEvent.objects.filter(report=report).update(note_enc=b"")
    Report.objects.filter(pk=report.pk).update(
        what_happened_enc=b"", impact_enc=b"", desired_outcome_enc=b"", resolution_enc=b"",
        wrapped_key=b"", receipt_hash="", receipt_bucket="", purged_on=on)
    report.labels.clear()
    ReportMessage.objects.filter(report=report).delete()
    ReportAttachment.objects.filter(report=report).delete()
    report.refresh_from_db()
    events.report_purged_event(report=report, outcome=report.outcome)
    record("speakup.report_purged", obj=report,
           extra={"outcome": report.outcome, "retain_until": str(report.retain_until)})


def compact_storage() -> bool:
    """Reclaim the overwritten space so old bytes leave the database file.

    Needs to run outside a transaction (VACUUM cannot run inside one); returns False, doing
    nothing, when called inside one (e.g. a test wrapped in a transaction).
    """
    if connection.in_atomic_block:
        logger.warning("speak-up retention: inside a transaction, storage not compacted")
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
        elif connection.vendor == "postgresql":
            for table in SPEAKUP_TABLES:
                cursor.execute(f'VACUUM FULL "{table}"')
        else:  # pragma: no cover - arpkit supports SQLite and PostgreSQL only
            return False
    return True


def apply_retention(*, on: date) -> dict[str, int | bool]:
    """Purge every report whose retention has ended on or before ``on``, then compact."""
    purged = 0
    for report in reports_due(on):
        purge_report(report, on=on)
        purged += 1
    compacted = compact_storage() if purged else False
    return {"purged": purged, "compacted": compacted}
