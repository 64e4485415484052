"""Reminders fire for overdue acknowledgements, stalled cases and waiting reports - once."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from arpkit.web.accounts.services import create_user
from arpkit.web.core.permissions import Role
from arpkit.web.speakup import services
from arpkit.web.speakup.models import Reminder, Report
from arpkit.web.speakup.reminders import send_reminders
from tests.web.speakup import factories
from tests.web.support import sign_in


def _officer(name: str):
    return create_user(username=name, password="x" * 20, roles=[Role.SPEAKUP_OFFICER],
                       email=f"{name}@example.org")


def _age(report, days: int, **fields) -> None:
    earlier = timezone.localdate() - timedelta(days=days)
    Report.objects.filter(pk=report.pk).update(received_on=earlier, last_activity_on=earlier,
                                               **fields)


def test_an_overdue_acknowledgement_reminds_the_assigned_officer_once(client):
    officer = _officer("ack-officer")
    report = factories.assigned_report(officer)
    _age(report, 8)
    call_command("speakup_send_reminders", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["ack-officer@example.org"]]
    assert "overdue for acknowledgement" in mail.outbox[0].subject
    assert factories.WHAT_HAPPENED not in mail.outbox[0].body
    call_command("speakup_send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    sign_in(client, officer)
    assert b"Acknowledgement overdue" in client.get(reverse("speakup:cases")).content


def test_no_reminder_before_the_acknowledgement_target(settings):
    settings.ARPKIT_SPEAKUP_ACKNOWLEDGE_DAYS = 7
    report = factories.assigned_report(_officer("calm-officer"))
    _age(report, 6)
    assert send_reminders(on=timezone.localdate()) == 0
    assert mail.outbox == []


def test_a_stalled_case_reminds_again_only_after_new_activity_stalls_again(settings):
    settings.ARPKIT_SPEAKUP_STALLED_DAYS = 28
    officer = _officer("stall-officer")
    report = factories.assigned_report(officer)
    services.report_acknowledge(report=report, by=officer)
    _age(report, 40)
    today = timezone.localdate()
    assert send_reminders(on=today) == 1
    assert send_reminders(on=today) == 0
    services.officer_message_add(report=Report.objects.get(pk=report.pk), by=officer,
                                 body="Checking in")
    assert send_reminders(on=today) == 0
    assert send_reminders(on=today + timedelta(days=29)) == 1
    assert Reminder.objects.filter(kind="stalled").count() == 2


def test_a_waiting_report_is_announced_to_every_officer_without_its_content():
    _officer("one")
    _officer("two")
    factories.anonymous_report()
    assert send_reminders(on=timezone.localdate()) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "two@example.org"]
    assert all(factories.WHAT_HAPPENED not in m.body for m in mail.outbox)
    assert send_reminders(on=timezone.localdate()) == 0
