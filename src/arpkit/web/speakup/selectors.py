"""Reading speak-up reports: one access gate, then decryption that is always audited.

:func:`access_report_by_id` (after Zulip's ``access_stream_by_id``) is the only way any view
reaches a report. Each rule is one line, so branch coverage proves each is tested:

* a reporter (``as_reporter=True``) reaches only their own *named* report - anything else,
  including a missing report, is "not found", so existence never leaks to staff at large;
* a holder of a receipt grant (a verified receipt code) reaches exactly that report;
* a non-officer asking as a handler gets 403 (administrators and managers included);
* an officer reaches a report only while assigned to it; an existing report assigned to
  someone else, or still in the triage queue, is 403 (officers know the queue exists; its
  content needs assignment); a missing one is 404.

Decrypting content (:func:`report_content`) writes the read to the audit log, so no read can
skip it; :func:`report_readers` lists those entries so officers see who else has read it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from arpkit.web.audit.models import AuditEvent
from arpkit.web.audit.selectors import events_for_object
from arpkit.web.core.permissions import has_permission
from arpkit.web.speakup import crypto, services
from arpkit.web.speakup.choices import Status
from arpkit.web.speakup.models import Report, ReportAttachment, ReportEvent

HANDLE = "speakup.handle"
OBJECT_TYPE = Report._meta.label_lower


@dataclass(frozen=True)
class ReceiptGrant:
    """Proof that the bearer presented a valid receipt code (or a token issued for one)."""

    report_id: uuid.UUID


def _parse(report_id: Any) -> uuid.UUID:
    try:
        return report_id if isinstance(report_id, uuid.UUID) else uuid.UUID(str(report_id))
    except ValueError as exc:
        raise Http404("no such report") from exc


def access_report_by_id(*, user: Any, report_id: Any, as_reporter: bool = False,
                        grant: ReceiptGrant | None = None) -> Report:
    """The report, if this user (or receipt holder) may read it; else Http404/PermissionDenied."""
    rid = _parse(report_id)
    report = Report.objects.filter(pk=rid).select_related("assigned_to").first()
    if report is None:
        raise Http404("no such report")
    if grant is not None:
        if grant.report_id == report.pk and report.is_anonymous:
            return report
        raise Http404("no such report")
    if as_reporter:
        if (user.is_authenticated and not report.is_anonymous
                and report.reporter_id == user.pk):
            return report
        raise Http404("no such report")
    if not has_permission(user, HANDLE):
        raise PermissionDenied("speak-up officers only")
    if report.assigned_to_id != user.pk:
        raise PermissionDenied("only the assigned officer may read this report")
    return report


# --------------------------------------------------------------------------- content


@dataclass
class Entry:
    """One line of a timeline as shown (officers see notes; reporters see messages only)."""

    at: Any
    kind: str
    label: str
    actor: str
    text: str = ""
    from_status: str = ""
    to_status: str = ""
    parameters: dict = field(default_factory=dict)


@dataclass
class Content:
    report: Report
    what_happened: str
    impact: str
    desired_outcome: str
    resolution: str
    messages: list[Entry]
    timeline: list[Entry]
    attachments: list[tuple[ReportAttachment, str]]


def _text(key: bytes, sealed: bytes, report: Report, name: str) -> str:
    return crypto.decrypt(key, sealed, report_id=str(report.id), field=name).decode("utf-8")


def _actor(role: str, user: Any, report: Report) -> str:
    if role == ReportEvent.ActorRole.REPORTER:
        return "Reporter"
    if role == ReportEvent.ActorRole.SYSTEM:
        return "arpkit"
    return user.display_name if user is not None else "Speak-up officer"


def report_content(*, report: Report, viewer: Any, request: Any, as_reporter: bool,
                   export: bool = False) -> Content:
    """Decrypt a report (already passed through the gate) and audit the read or export."""
    services.report_read_record(report=report, user=viewer, request=request,
                                as_reporter=as_reporter, export=export)
    if report.is_purged:
        return Content(report, "", "", "", "", [], _timeline(report, None, as_reporter), [])
    key = services.data_key_of(report)
    messages = [
        Entry(m.sent_at, m.author_role, "Message", _actor(m.author_role, m.author, report),
              _text(key, m.body_enc, report, f"message:{m.id}"))
        for m in report.messages.select_related("author").order_by("sent_at", "author_role")
    ]
    attachments = [
        (a, _text(key, a.name_enc, report, f"attachment-name:{a.id}"))
        for a in report.attachments.all()
    ]
    return Content(
        report=report,
        what_happened=_text(key, report.what_happened_enc, report, "what_happened"),
        impact=_text(key, report.impact_enc, report, "impact"),
        desired_outcome=_text(key, report.desired_outcome_enc, report, "desired_outcome"),
        resolution=_text(key, report.resolution_enc, report, "resolution"),
        messages=messages, timeline=_timeline(report, key, as_reporter),
        attachments=attachments)


_NOTE_FIELDS = {
    ReportEvent.Type.ACTION_RECORDED: "action-note",
    ReportEvent.Type.RISK_ASSESSED: "risk-note",
    ReportEvent.Type.DETRIMENT: "detriment-note",
}

#: What a reporter sees of the timeline: progress, never the officer's working.
REPORTER_EVENTS = {ReportEvent.Type.SUBMITTED, ReportEvent.Type.ACKNOWLEDGED,
                   ReportEvent.Type.STATUS_CHANGED, ReportEvent.Type.CLOSED}


def _timeline(report: Report, key: bytes | None, as_reporter: bool) -> list[Entry]:
    out = []
    for event in report.events.select_related("actor").order_by("at", "type"):
        if as_reporter and event.type not in REPORTER_EVENTS:
            continue
        note_field = _NOTE_FIELDS.get(event.type)
        text = (_text(key, event.note_enc, report, note_field)
                if key is not None and note_field and not as_reporter else "")
        out.append(Entry(event.at, event.type, event.get_type_display(),
                         "" if as_reporter else _actor(event.actor_role, event.actor, report),
                         text, event.from_status, event.to_status, event.parameters))
    return out


def attachment_bytes(*, report: Report, attachment_id: Any, viewer: Any,
                     request: Any) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of one attachment of a report the viewer may read."""
    attachment = report.attachments.filter(pk=_parse(attachment_id)).first()
    if attachment is None or report.is_purged:
        raise Http404("no such attachment")
    services.report_read_record(report=report, user=viewer, request=request,
                                as_reporter=False, export=True)
    key = services.data_key_of(report)
    name = _text(key, attachment.name_enc, report, f"attachment-name:{attachment.id}")
    data = crypto.decrypt(key, attachment.content_enc, report_id=str(report.id),
                          field=f"attachment:{attachment.id}")
    return name, attachment.content_type, data


def report_readers(report: Report) -> QuerySet[AuditEvent]:
    """Audit entries for reads and exports of this report (who else has read it)."""
    return events_for_object(OBJECT_TYPE, str(report.pk)).filter(
        action__in=["speakup.report_read", "speakup.report_exported",
                    "speakup.report_read_by_reporter"])


# --------------------------------------------------------------------------- lists


def triage_queue(*, user: Any) -> QuerySet[Report]:
    """Unassigned open reports (coded fields only): officers pick from here."""
    if not has_permission(user, HANDLE):
        return Report.objects.none()
    return (Report.objects.filter(assigned_to__isnull=True, purged_on__isnull=True)
            .exclude(status=Status.CLOSED).exclude(reporter=user).order_by("received_on"))


def assigned_reports(*, user: Any) -> QuerySet[Report]:
    if not has_permission(user, HANDLE):
        return Report.objects.none()
    return Report.objects.filter(assigned_to=user).order_by("status", "received_on")


def reports_of_reporter(*, user: Any) -> QuerySet[Report]:
    """A signed-in reporter's own named reports (anonymous ones are linked to nobody)."""
    if not user.is_authenticated:
        return Report.objects.none()
    return Report.objects.filter(reporter=user, is_anonymous=False).order_by("-received_on")


def report_for_receipt(code: str) -> Report | None:
    """The anonymous report this receipt code opens, or None (Argon2-verifies candidates)."""
    from arpkit.web.speakup import receipts

    candidates = list(Report.objects.filter(receipt_bucket=receipts.bucket(code),
                                            is_anonymous=True).exclude(receipt_hash=""))
    if not candidates:
        receipts.burn_time(code)
        return None
    for report in candidates:
        if receipts.verify(code, report.receipt_hash):
            return report
    return None


def ack_due_on(report: Report) -> date:
    from datetime import timedelta

    return report.received_on + timedelta(days=services.acknowledge_days())


def officers_for_assignment(*, exclude_reporter_of: Report) -> list[Any]:
    from arpkit.web.speakup.reminders import officers

    return [o for o in officers() if o.pk != exclude_reporter_of.reporter_id]


def report_for_assignment(*, user: Any, report_id: Any) -> Report:
    """A report the officer may take from the queue (coded fields only; no content read)."""
    report = Report.objects.filter(pk=_parse(report_id)).first()
    if report is None:
        raise Http404("no such report")
    if not has_permission(user, HANDLE):
        raise PermissionDenied("speak-up officers only")
    if report.assigned_to_id not in (None, user.pk):
        raise PermissionDenied("this report is assigned to another officer")
    if report.reporter_id == user.pk:
        raise PermissionDenied("an officer cannot handle their own report")
    return report
