"""One function per timeline event (after Saleor's ``order/events.py``).

Each writes one immutable :class:`ReportEvent`. The reporter of an anonymous report is marked by
a role, never a user, and the event time is rounded to the day (``event_time``) so that the
timeline cannot be lined up with sign-in records, web server logs or other users' activity.
Notes arrive already encrypted: this module never sees free text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from arpkit.web.speakup.models import Report, ReportEvent

Type = ReportEvent.Type
Role = ReportEvent.ActorRole


def day_start(moment: datetime | None = None) -> datetime:
    moment = moment or timezone.now()
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def event_time(report: Report, actor_role: str) -> datetime:
    """Precise for officers and named reporters; the day only for an anonymous reporter."""
    if actor_role == Role.REPORTER and report.is_anonymous:
        return day_start()
    return timezone.now()


def _event(report: Report, type_: str, *, actor_role: str, user: Any = None,
           from_status: str = "", to_status: str = "", note_enc: bytes = b"",
           parameters: dict | None = None) -> ReportEvent:
    actor = user if (user is not None and getattr(user, "is_authenticated", False)
                     and not (actor_role == Role.REPORTER and report.is_anonymous)) else None
    return ReportEvent.objects.create(
        report=report, type=type_, at=event_time(report, actor_role), actor_role=actor_role,
        actor=actor, from_status=from_status, to_status=to_status, note_enc=note_enc,
        parameters=parameters or {})


def report_submitted_event(*, report: Report, user: Any = None) -> ReportEvent:
    return _event(report, Type.SUBMITTED, actor_role=Role.REPORTER, user=user,
                  to_status=report.status)


def report_assigned_event(*, report: Report, user: Any, officer_id: int) -> ReportEvent:
    return _event(report, Type.ASSIGNED, actor_role=Role.OFFICER, user=user,
                  parameters={"officer_id": officer_id})


def status_changed_event(*, report: Report, user: Any, from_status: str, to_status: str,
                         type_: str = Type.STATUS_CHANGED, note_enc: bytes = b"",
                         parameters: dict | None = None) -> ReportEvent:
    return _event(report, type_, actor_role=Role.OFFICER, user=user, from_status=from_status,
                  to_status=to_status, note_enc=note_enc, parameters=parameters)


def report_categorised_event(*, report: Report, user: Any, category: str,
                             labels: list[str]) -> ReportEvent:
    return _event(report, Type.CATEGORISED, actor_role=Role.OFFICER, user=user,
                  parameters={"category": category, "labels": labels})


def risk_assessed_event(*, report: Report, user: Any, risk: str,
                        note_enc: bytes = b"") -> ReportEvent:
    return _event(report, Type.RISK_ASSESSED, actor_role=Role.OFFICER, user=user,
                  parameters={"risk": risk}, note_enc=note_enc)


def reporter_message_added_event(*, report: Report, user: Any, message_id: str) -> ReportEvent:
    return _event(report, Type.REPORTER_MESSAGE, actor_role=Role.REPORTER, user=user,
                  parameters={"message_id": message_id})


def officer_message_added_event(*, report: Report, user: Any, message_id: str) -> ReportEvent:
    return _event(report, Type.OFFICER_MESSAGE, actor_role=Role.OFFICER, user=user,
                  parameters={"message_id": message_id})


def action_recorded_event(*, report: Report, user: Any, note_enc: bytes) -> ReportEvent:
    return _event(report, Type.ACTION_RECORDED, actor_role=Role.OFFICER, user=user,
                  note_enc=note_enc)


def feedback_recorded_event(*, report: Report, user: Any, actor_role: str,
                            felt_resolved: str) -> ReportEvent:
    return _event(report, Type.FEEDBACK, actor_role=actor_role, user=user,
                  parameters={"felt_resolved": felt_resolved})


def detriment_flagged_event(*, report: Report, user: Any, flagged: bool,
                            note_enc: bytes = b"") -> ReportEvent:
    return _event(report, Type.DETRIMENT, actor_role=Role.OFFICER, user=user,
                  parameters={"flagged": flagged}, note_enc=note_enc)


def attachment_added_event(*, report: Report, user: Any, actor_role: str,
                           attachment_id: str) -> ReportEvent:
    return _event(report, Type.ATTACHMENT_ADDED, actor_role=actor_role, user=user,
                  parameters={"attachment_id": attachment_id})


def report_purged_event(*, report: Report, outcome: str) -> ReportEvent:
    return _event(report, Type.PURGED, actor_role=Role.SYSTEM, parameters={"outcome": outcome})
