"""Retention: identifying content leaves the database file; coded fields and a stub remain."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.speakup import services
from arpkit.web.speakup.models import Report, ReportAttachment, ReportEvent, ReportMessage
from tests.web.speakup import factories
from tests.web.support import make_user


def _closed_report(officer, *, outcome="resolved"):
    report = factories.assigned_report(officer, what_happened="Retention canary text " * 3)
    services.reporter_message_add(
        report=report, body="Retention canary message", user=report.reporter,
        attachment=services.Upload("proof.txt", "text/plain", b"Retention canary file " * 4))
    services.report_acknowledge(report=report, by=officer, message="Thank you")
    services.report_record_action(report=report, by=officer, note="Spoke to the team")
    services.report_close(report=report, by=officer, outcome=outcome,
                          resolution="Apology given")
    return Report.objects.get(pk=report.pk)


def _secrets_of(report: Report) -> list[bytes]:
    """16-byte windows of every ciphertext the report has (short blobs sit in one page)."""
    blobs = [bytes(report.what_happened_enc), bytes(report.resolution_enc),
             bytes(report.wrapped_key)]
    blobs += [bytes(m.body_enc) for m in report.messages.all()]
    blobs += [bytes(a.content_enc) for a in report.attachments.all()]
    blobs += [bytes(e.note_enc) for e in report.events.exclude(note_enc=b"")]
    return [b[12:28] for b in blobs if b]


def _database_file(tmp_path) -> bytes:
    """The bytes of the database as stored: an exact page image written to a file."""
    path = tmp_path / "image.sqlite3"
    path.write_bytes(connection.connection.serialize())
    return path.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_retention_overwrites_and_vacuums_the_tables():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has the page-image test below)")
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-pg")
    report = _closed_report(officer)
    Report.objects.filter(pk=report.pk).update(retain_until=timezone.localdate())
    out = io.StringIO()
    call_command("speakup_apply_retention", stdout=out)
    assert "Purged 1 report(s)" in out.getvalue() and "compacted: yes" in out.getvalue()
    assert bytes(Report.objects.get(pk=report.pk).what_happened_enc) == b""


@pytest.mark.django_db(transaction=True)
def test_purged_content_is_gone_from_the_sqlite_database_file(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite page image")
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-r")
    report = _closed_report(officer)
    windows = _secrets_of(report)
    assert len(windows) >= 6
    image = _database_file(tmp_path)
    assert all(w in image for w in windows), "control: ciphertext should be in the file"
    assert b"Retention canary" not in image  # never stored in clear
    Report.objects.filter(pk=report.pk).update(retain_until=timezone.localdate())
    call_command("speakup_apply_retention", stdout=io.StringIO())
    image = _database_file(tmp_path)
    left = [w for w in windows if w in image]
    assert not left, f"{len(left)} ciphertext fragments still in the database file"


def test_retention_keeps_coded_fields_and_an_audit_stub():
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-s")
    report = _closed_report(officer, outcome="referred")
    Report.objects.filter(pk=report.pk).update(retain_until=timezone.localdate())
    call_command("speakup_apply_retention", stdout=io.StringIO())
    kept = Report.objects.get(pk=report.pk)
    assert (kept.route, kept.source, kept.outcome, kept.status) == (
        "experienced", "colleague", "referred", "closed")
    assert kept.purged_on == timezone.localdate()
    assert bytes(kept.what_happened_enc) == b"" and bytes(kept.wrapped_key) == b""
    assert not ReportMessage.objects.filter(report=kept).exists()
    assert not ReportAttachment.objects.filter(report=kept).exists()
    assert not ReportEvent.objects.filter(report=kept).exclude(note_enc=b"").exists()
    assert ReportEvent.objects.filter(report=kept, type="purged").exists()
    assert AuditEvent.objects.filter(action="speakup.report_purged",
                                     object_id=str(kept.pk)).exists()


def test_reports_are_kept_until_their_outcome_s_retention_ends(settings):
    settings.ARPKIT_SPEAKUP_RETENTION_DAYS = {"resolved": 30, "default": 365}
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-t")
    resolved = _closed_report(officer)
    withdrawn = _closed_report(officer, outcome="withdrawn")
    today = timezone.localdate()
    assert resolved.retain_until == today + timedelta(days=30)
    assert withdrawn.retain_until == today + timedelta(days=365)
    call_command("speakup_apply_retention", date=str(today + timedelta(days=29)),
                 stdout=io.StringIO())
    assert not Report.objects.filter(purged_on__isnull=False).exists()
    call_command("speakup_apply_retention", date=str(today + timedelta(days=30)),
                 stdout=io.StringIO())
    assert set(Report.objects.filter(purged_on__isnull=False)) == {resolved}


def test_late_activity_moves_the_retention_date(settings):
    settings.ARPKIT_SPEAKUP_RETENTION_DAYS = {"default": 10}
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-u")
    report = _closed_report(officer)
    Report.objects.filter(pk=report.pk).update(
        last_activity_on=timezone.localdate() - timedelta(days=5))
    services.reporter_message_add(report=Report.objects.get(pk=report.pk), body="One more",
                                  user=report.reporter)
    assert Report.objects.get(pk=report.pk).retain_until == (
        timezone.localdate() + timedelta(days=10))
