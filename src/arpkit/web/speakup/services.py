"""Every change to a speak-up report: one function per action, each atomic and audited.

Views pass in a report they obtained through ``selectors.access_report_by_id``; the officer
actions still check assignment themselves (defence in depth), because a service may be called
from a command or a future API. Audit entries carry codes only (``extra``), never free text; for
anything the reporter of an anonymous report does, the entry is made with ``anonymous=True`` (no
actor, address, path or request id; the time rounded to the day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from arpkit.web.audit.services import record
from arpkit.web.core.permissions import Role, roles_of
from arpkit.web.speakup import crypto, events, receipts
from arpkit.web.speakup.choices import FeltResolved, Outcome, Status
from arpkit.web.speakup.models import (
    Label,
    Report,
    ReportAttachment,
    ReportEvent,
    ReportMessage,
)

ActorRole = ReportEvent.ActorRole

#: Attachment types accepted (PDF, images, plain text, Word); anything else is refused.
ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def today() -> date:
    return timezone.localdate()


def max_attachment_bytes() -> int:
    return int(getattr(settings, "ARPKIT_SPEAKUP_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))


def acknowledge_days() -> int:
    return int(getattr(settings, "ARPKIT_SPEAKUP_ACKNOWLEDGE_DAYS", 7))


def retention_days(outcome: str) -> int:
    """Days to keep a closed report's content after its last activity, by outcome.

    ``ARPKIT_SPEAKUP_RETENTION_DAYS`` maps outcome codes (and ``"default"``) to days. Defaults:
    six years where the case went to a formal process (the limitation period for employment
    claims), two years otherwise, one year when withdrawn.
    """
    configured = getattr(settings, "ARPKIT_SPEAKUP_RETENTION_DAYS", {})
    defaults = {Outcome.REFERRED: 6 * 365, Outcome.WITHDRAWN: 365, "default": 2 * 365}
    merged = {**defaults, **configured}
    return int(merged.get(outcome, merged["default"]))


@dataclass
class Upload:
    name: str
    content_type: str
    content: bytes


@dataclass
class Submission:
    route: str
    source: str
    service_area: str
    what_happened: str
    impact: str = ""
    desired_outcome: str = ""
    happened_on: date | None = None
    support_wanted: list[str] = field(default_factory=list)
    attachment: Upload | None = None


def data_key_of(report: Report, keyring: crypto.Keyring | None = None) -> bytes:
    return crypto.unwrap(report.wrapped_key, wrapped_by=report.key_id,
                         report_id=str(report.id), keyring=keyring)


def _seal(report: Report, key: bytes, text: str | bytes, field_name: str) -> bytes:
    return crypto.encrypt(key, text, report_id=str(report.id), field=field_name)


def check_attachment(upload: Upload) -> None:
    if upload.content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError("The file must be a PDF, PNG, JPEG, text or Word document")
    if len(upload.content) > max_attachment_bytes():
        raise ValidationError(
            f"The file must be smaller than {max_attachment_bytes() // (1024 * 1024)} MB")


def _add_attachment(report: Report, key: bytes, upload: Upload, *, actor_role: str,
                    user: Any) -> ReportAttachment:
    check_attachment(upload)
    attachment = ReportAttachment(report=report, added_on=today(),
                                  content_type=upload.content_type, size=len(upload.content))
    attachment.name_enc = crypto.encrypt(key, upload.name, report_id=str(report.id),
                                         field=f"attachment-name:{attachment.id}")
    attachment.content_enc = crypto.encrypt(key, upload.content, report_id=str(report.id),
                                            field=f"attachment:{attachment.id}")
    attachment.save()
    events.attachment_added_event(report=report, user=user, actor_role=actor_role,
                                  attachment_id=str(attachment.id))
    return attachment


def _touch(report: Report) -> None:
    """Activity moves the last-activity date, and with it any retention date."""
    report.last_activity_on = today()
    if report.status == Status.CLOSED:
        report.retain_until = report.last_activity_on + timedelta(
            days=retention_days(report.outcome))
    report.save(update_fields=["last_activity_on", "retain_until"])


@transaction.atomic
def report_submit(*, submission: Submission, reporter: Any = None,
                  anonymous: bool) -> tuple[Report, str | None]:
    """File a report; returns it and, for an anonymous report, the receipt code (shown once).

    For an anonymous report nothing about the person is kept - even when they are signed in:
    no user, no address, no time finer than the day, and the audit entry is anonymous.
    """
    if not anonymous and (reporter is None or not reporter.is_authenticated):
        raise PermissionDenied("a named report needs a signed-in reporter")
    report = Report(route=submission.route, source=submission.source,
                    service_area=submission.service_area,
                    support_wanted=list(submission.support_wanted),
                    happened_on=submission.happened_on, received_on=today(),
                    last_activity_on=today(), is_anonymous=anonymous,
                    reporter=None if anonymous else reporter)
    key = crypto.new_data_key()
    report.wrapped_key, report.key_id = crypto.wrap(key, report_id=str(report.id))
    report.what_happened_enc = _seal(report, key, submission.what_happened, "what_happened")
    report.impact_enc = _seal(report, key, submission.impact, "impact")
    report.desired_outcome_enc = _seal(report, key, submission.desired_outcome,
                                       "desired_outcome")
    code = None
    if anonymous:
        code = receipts.new_code()
        report.receipt_bucket = receipts.bucket(code)
        report.receipt_hash = receipts.hash_code(code)
    report.save(force_insert=True)
    events.report_submitted_event(report=report, user=None if anonymous else reporter)
    if submission.attachment is not None:
        _add_attachment(report, key, submission.attachment, actor_role=ActorRole.REPORTER,
                        user=None if anonymous else reporter)
    extra = {"route": report.route, "anonymous": anonymous}
    if anonymous:
        record("speakup.report_submitted", obj=report, extra=extra, anonymous=True)
    else:
        record("speakup.report_submitted", actor=reporter, obj=report, extra=extra)
    return report, code


def _record_reporter(action: str, report: Report, user: Any, request: Any,
                     extra: dict | None = None) -> None:
    if report.is_anonymous:
        record(action, obj=report, extra=extra, anonymous=True)
    else:
        record(action, actor=user, obj=report, request=request, extra=extra)


@transaction.atomic
def reporter_message_add(*, report: Report, body: str, user: Any = None, request: Any = None,
                         attachment: Upload | None = None) -> ReportMessage:
    """The reporter adds information or replies (by receipt code, or from their account)."""
    if report.is_purged:
        raise ValidationError("This report has been closed and its content deleted")
    key = data_key_of(report)
    message = ReportMessage(report=report, author_role=ActorRole.REPORTER,
                            author=None if report.is_anonymous else user,
                            sent_at=events.event_time(report, ActorRole.REPORTER))
    message.body_enc = _seal(report, key, body, f"message:{message.id}")
    message.save(force_insert=True)
    events.reporter_message_added_event(report=report, user=user, message_id=str(message.id))
    if attachment is not None:
        _add_attachment(report, key, attachment, actor_role=ActorRole.REPORTER, user=user)
    _touch(report)
    _record_reporter("speakup.reporter_message", report, user, request,
                     {"attachment": attachment is not None})
    return message


@transaction.atomic
def reporter_feedback_record(*, report: Report, felt_resolved: str, user: Any = None,
                             request: Any = None) -> None:
    """The reporter says whether they felt it was resolved (after the report is closed)."""
    if report.status != Status.CLOSED:
        raise ValidationError("You can say whether it was resolved once the report is closed")
    report.felt_resolved = FeltResolved(felt_resolved)
    report.save(update_fields=["felt_resolved"])
    events.feedback_recorded_event(report=report, user=user, actor_role=ActorRole.REPORTER,
                                   felt_resolved=report.felt_resolved)
    _touch(report)
    _record_reporter("speakup.feedback_recorded", report, user, request,
                     {"felt_resolved": report.felt_resolved, "by": "reporter"})


# --------------------------------------------------------------------------- officers


def is_officer(user: Any) -> bool:
    return Role.SPEAKUP_OFFICER in roles_of(user)


def _require_assigned(report: Report, user: Any) -> None:
    if not is_officer(user):
        raise PermissionDenied("speak-up officers only")
    if report.assigned_to_id != user.pk:
        raise PermissionDenied("only the assigned officer may act on this report")
    if report.is_purged:
        raise ValidationError("This report's content was deleted at the end of retention")


def _set_status(report: Report, user: Any, to_status: str, *,
                type_: str = ReportEvent.Type.STATUS_CHANGED, note_enc: bytes = b"",
                parameters: dict | None = None) -> None:
    from_status = report.status
    report.status = to_status
    report.save(update_fields=["status"])
    events.status_changed_event(report=report, user=user, from_status=from_status,
                                to_status=to_status, type_=type_, note_enc=note_enc,
                                parameters=parameters)


@transaction.atomic
def report_assign(*, report: Report, officer: Any, by: Any, request: Any = None) -> None:
    """Assign from the triage queue (any officer) or hand over (the assigned officer only).

    A named reporter is never assigned their own report.
    """
    if not is_officer(by):
        raise PermissionDenied("speak-up officers only")
    if report.assigned_to_id is not None and report.assigned_to_id != by.pk:
        raise PermissionDenied("only the assigned officer may hand this report over")
    if not is_officer(officer):
        raise ValidationError("Reports can only be assigned to speak-up officers")
    if report.reporter_id is not None and report.reporter_id == officer.pk:
        raise ValidationError("An officer cannot handle their own report")
    report.assigned_to = officer
    report.save(update_fields=["assigned_to"])
    events.report_assigned_event(report=report, user=by, officer_id=officer.pk)
    _touch(report)
    record("speakup.report_assigned", actor=by, obj=report, request=request,
           extra={"officer_id": officer.pk})


@transaction.atomic
def report_acknowledge(*, report: Report, by: Any, message: str = "",
                       request: Any = None) -> None:
    _require_assigned(report, by)
    if report.status != Status.SUBMITTED:
        raise ValidationError("This report has already been acknowledged")
    report.acknowledged_on = today()
    report.save(update_fields=["acknowledged_on"])
    _set_status(report, by, Status.ACKNOWLEDGED, type_=ReportEvent.Type.ACKNOWLEDGED)
    if message.strip():
        _officer_message(report, by, message)
    _touch(report)
    record("speakup.report_acknowledged", actor=by, obj=report, request=request,
           extra={"days": (report.acknowledged_on - report.received_on).days})


@transaction.atomic
def report_categorise(*, report: Report, by: Any, category: str, labels: list[str],
                      request: Any = None) -> None:
    _require_assigned(report, by)
    names = sorted({name.strip() for name in labels if name.strip()})
    report.category = category
    report.save(update_fields=["category"])
    report.labels.set([Label.objects.get_or_create(name=name)[0] for name in names])
    events.report_categorised_event(report=report, user=by, category=category, labels=names)
    _touch(report)
    record("speakup.report_categorised", actor=by, obj=report, request=request,
           extra={"category": category, "labels": len(names)})


@transaction.atomic
def report_assess_risk(*, report: Report, by: Any, risk: str, note: str = "",
                       request: Any = None) -> None:
    _require_assigned(report, by)
    report.risk = risk
    report.save(update_fields=["risk"])
    key = data_key_of(report)
    events.risk_assessed_event(report=report, user=by, risk=risk,
                               note_enc=_seal(report, key, note, "risk-note"))
    _touch(report)
    record("speakup.risk_assessed", actor=by, obj=report, request=request,
           extra={"risk": risk})


def _officer_message(report: Report, by: Any, body: str) -> ReportMessage:
    key = data_key_of(report)
    message = ReportMessage(report=report, author_role=ActorRole.OFFICER, author=by,
                            sent_at=timezone.now())
    message.body_enc = _seal(report, key, body, f"message:{message.id}")
    message.save(force_insert=True)
    events.officer_message_added_event(report=report, user=by, message_id=str(message.id))
    return message


@transaction.atomic
def officer_message_add(*, report: Report, by: Any, body: str,
                        request: Any = None) -> ReportMessage:
    _require_assigned(report, by)
    message = _officer_message(report, by, body)
    _touch(report)
    record("speakup.officer_message", actor=by, obj=report, request=request)
    return message


@transaction.atomic
def report_record_action(*, report: Report, by: Any, note: str, request: Any = None) -> None:
    """An action taken; the first one moves an acknowledged report to 'being looked into'."""
    _require_assigned(report, by)
    if report.status == Status.SUBMITTED:
        raise ValidationError("Acknowledge the report before recording actions")
    if report.status == Status.ACKNOWLEDGED:
        _set_status(report, by, Status.IN_PROGRESS)
    key = data_key_of(report)
    events.action_recorded_event(report=report, user=by,
                                 note_enc=_seal(report, key, note, "action-note"))
    _touch(report)
    record("speakup.action_recorded", actor=by, obj=report, request=request)


@transaction.atomic
def report_close(*, report: Report, by: Any, outcome: str, resolution: str,
                 request: Any = None) -> None:
    """Close with an outcome; the retention clock starts from here (and restarts on activity)."""
    _require_assigned(report, by)
    if report.status == Status.CLOSED:
        raise ValidationError("This report is already closed")
    key = data_key_of(report)
    report.outcome = Outcome(outcome)
    report.closed_on = today()
    if report.acknowledged_on is None:
        report.acknowledged_on = report.closed_on
    report.resolution_enc = _seal(report, key, resolution, "resolution")
    report.save(update_fields=["outcome", "closed_on", "acknowledged_on", "resolution_enc"])
    _set_status(report, by, Status.CLOSED, type_=ReportEvent.Type.CLOSED,
                parameters={"outcome": report.outcome})
    _touch(report)
    record("speakup.report_closed", actor=by, obj=report, request=request,
           extra={"outcome": report.outcome})


@transaction.atomic
def officer_feedback_record(*, report: Report, by: Any, felt_resolved: str,
                            request: Any = None) -> None:
    """The officer records what the reporter said about the outcome (e.g. in a conversation)."""
    _require_assigned(report, by)
    report.felt_resolved = FeltResolved(felt_resolved)
    report.save(update_fields=["felt_resolved"])
    events.feedback_recorded_event(report=report, user=by, actor_role=ActorRole.OFFICER,
                                   felt_resolved=report.felt_resolved)
    _touch(report)
    record("speakup.feedback_recorded", actor=by, obj=report, request=request,
           extra={"felt_resolved": report.felt_resolved, "by": "officer"})


@transaction.atomic
def report_flag_detriment(*, report: Report, by: Any, flagged: bool, note: str = "",
                          request: Any = None) -> None:
    """Flag (or clear) detriment suffered for speaking up (NHS Freedom to Speak Up measure)."""
    _require_assigned(report, by)
    report.detriment = flagged
    report.save(update_fields=["detriment"])
    key = data_key_of(report)
    events.detriment_flagged_event(report=report, user=by, flagged=flagged,
                                   note_enc=_seal(report, key, note, "detriment-note"))
    _touch(report)
    record("speakup.detriment_flagged", actor=by, obj=report, request=request,
           extra={"flagged": flagged})


def report_read_record(*, report: Report, user: Any, request: Any, as_reporter: bool,
                       export: bool = False) -> None:
    """Write the read (or export) of a report's content to the audit log."""
    if as_reporter:
        _record_reporter("speakup.report_read_by_reporter", report, user, request)
        return
    record("speakup.report_exported" if export else "speakup.report_read", actor=user,
           obj=report, request=request)


# --------------------------------------------------------------------------- key rotation


def rewrap_all(*, batch_size: int = 200) -> dict[str, int]:
    """Re-wrap every data key not yet under the current master key (resumable).

    Each report is re-wrapped in its own short transaction and records the new key's id, so a
    rotation interrupted half-way leaves every report readable (old and new keys are both in
    the keyring) and running it again finishes the job.
    """
    ring = crypto.load_keyring()
    done = 0
    pending = (Report.objects.exclude(key_id=ring.current_id).exclude(wrapped_key=b"")
               .order_by("pk").values_list("pk", flat=True))
    for report_id in list(pending.iterator(chunk_size=batch_size)):
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            if report.key_id == ring.current_id or not report.wrapped_key:
                continue
            key = data_key_of(report, ring)
            report.wrapped_key, report.key_id = crypto.wrap(key, report_id=str(report.id),
                                                            keyring=ring)
            report.save(update_fields=["wrapped_key", "key_id"])
            done += 1
    remaining = (Report.objects.exclude(key_id=ring.current_id)
                 .exclude(wrapped_key=b"").count())
    record("speakup.key_rotated", object_type="speakup.masterkey", object_id=ring.current_id,
           extra={"rewrapped": done, "remaining": remaining})
    return {"rewrapped": done, "remaining": remaining}


def key_ids_in_use() -> set[str]:
    return set(Report.objects.exclude(wrapped_key=b"").values_list("key_id", flat=True))
