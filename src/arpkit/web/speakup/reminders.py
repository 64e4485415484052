"""Reminders to speak-up officers: overdue acknowledgements, stalled cases, waiting reports.

Run daily (``speakup_send_reminders``). Each reminder is a :class:`Reminder` row, unique per
report, kind, officer and due key (the due date, or the last-activity date for a stalled case),
so running the command twice sends nothing twice; a case that stalls again after new activity
gets a new key and a new reminder. Emails say only that a report needs attention, with a link -
never the content or the reporter (GlobaLeaks' and Report + Support's practice), and new
reports are announced in this daily batch rather than at submission, so no message's time can be
matched to the moment someone filed a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from arpkit.web.accounts.models import User
from arpkit.web.audit.services import record
from arpkit.web.core.permissions import Role
from arpkit.web.speakup.choices import Status
from arpkit.web.speakup.models import Reminder, Report
from arpkit.web.speakup.services import acknowledge_days


def stalled_days() -> int:
    return int(getattr(settings, "ARPKIT_SPEAKUP_STALLED_DAYS", 28))


def officers() -> list[User]:
    return list(User.objects.filter(is_active=True,
                                    role_assignments__role=Role.SPEAKUP_OFFICER).distinct())


@dataclass(frozen=True)
class Due:
    report: Report
    kind: str
    key: str
    officer: User


def due_reminders(on: date) -> list[Due]:
    """Every reminder owed on ``on`` (whether or not already sent)."""
    due: list[Due] = []
    ack_by = on - timedelta(days=acknowledge_days())
    open_reports = Report.objects.exclude(status=Status.CLOSED).filter(purged_on__isnull=True)
    waiting = list(open_reports.filter(assigned_to__isnull=True))
    if waiting:
        everyone = officers()
        for report in waiting:
            for officer in everyone:
                if officer.pk != report.reporter_id:
                    due.append(Due(report, Reminder.Kind.UNASSIGNED,
                                   report.received_on.isoformat(), officer))
    for report in open_reports.filter(status=Status.SUBMITTED, received_on__lte=ack_by,
                                      assigned_to__isnull=False).select_related("assigned_to"):
        target = report.received_on + timedelta(days=acknowledge_days())
        due.append(Due(report, Reminder.Kind.ACKNOWLEDGE, target.isoformat(),
                       report.assigned_to))
    stall_by = on - timedelta(days=stalled_days())
    # Every event moves last_activity_on (services._touch), so it is the case's last activity.
    stalled = (open_reports.exclude(status=Status.SUBMITTED)
               .filter(assigned_to__isnull=False, last_activity_on__lte=stall_by)
               .select_related("assigned_to"))
    for report in stalled:
        due.append(Due(report, Reminder.Kind.STALLED, report.last_activity_on.isoformat(),
                       report.assigned_to))
    return due


SUBJECTS = {
    Reminder.Kind.UNASSIGNED: "A speak-up report is waiting to be assigned",
    Reminder.Kind.ACKNOWLEDGE: "A speak-up report assigned to you is overdue for acknowledgement",
    Reminder.Kind.STALLED: "A speak-up report assigned to you has had no activity for a while",
}


def send_reminders(*, on: date, base_url: str = "") -> int:
    """Send each owed reminder once (email plus the officer's on-screen list)."""
    sent = 0
    for item in due_reminders(on):
        with transaction.atomic():
            _, created = Reminder.objects.get_or_create(
                report=item.report, kind=item.kind, key=item.key, officer=item.officer,
                defaults={"sent_at": timezone.now()})
            if not created:
                continue
            if item.kind == Reminder.Kind.UNASSIGNED:
                link = base_url + reverse("speakup:cases")
            else:
                link = base_url + reverse("speakup:case", kwargs={"report_id": item.report.id})
            if item.officer.email:
                send_mail(SUBJECTS[item.kind],
                          f"{SUBJECTS[item.kind]}.\n\nSign in to arpkit to see it: {link}\n\n"
                          "This email never contains report details.",
                          None, [item.officer.email])
            record("speakup.reminder_sent", obj=item.report,
                   extra={"kind": item.kind, "officer_id": item.officer.pk})
            sent += 1
    return sent


def _still_relevant(reminder: Reminder) -> bool:
    report = reminder.report
    if reminder.kind == Reminder.Kind.UNASSIGNED:
        return report.assigned_to_id is None
    if report.assigned_to_id != reminder.officer_id:
        return False
    if reminder.kind == Reminder.Kind.ACKNOWLEDGE:
        return report.status == Status.SUBMITTED
    return report.last_activity_on.isoformat() <= reminder.key


def reminders_for(officer: User) -> list[Reminder]:
    """The officer's on-screen reminders that still need something doing."""
    candidates = (Reminder.objects.filter(officer=officer, done=False, report__purged_on=None)
                  .exclude(report__status=Status.CLOSED).select_related("report"))
    return [r for r in candidates[:200] if _still_relevant(r)]
