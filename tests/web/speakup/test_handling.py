"""Handling a report end to end: triage, two-way messaging, outcome, immutable history."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from arpkit.web.core.permissions import Role
from arpkit.web.speakup.models import Report, ReportEvent
from tests.web.support import make_user, sign_in

FORM = {"route": "experienced", "source": "manager", "service_area": "not_said",
        "what_happened": "My manager keeps giving me the cases nobody else wants",
        "support_wanted": ["staff_network"]}


def _act(client, report, action: str, **fields):
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("speakup:case", kwargs={"report_id": report.id}), data)


def test_a_named_report_is_triaged_answered_and_closed_with_the_reporter_s_view(client):
    reporter = make_user(Role.PRACTITIONER, username="rep")
    officer = make_user(Role.SPEAKUP_OFFICER, username="off")
    sign_in(client, reporter)
    confirmation = client.post(reverse("speakup:report_named"), FORM)
    assert b"Employee assistance programme" in confirmation.content  # signposting
    report = Report.objects.get()
    assert report.reporter == reporter and not report.is_anonymous

    sign_in(client, officer)
    client.post(reverse("speakup:case_take", kwargs={"report_id": report.id}))
    assert _act(client, report, "acknowledge", message="Thank you for telling us").status_code \
        == 302
    _act(client, report, "categorise", category="progression", labels="allocation, repeat")
    _act(client, report, "risk", risk="medium", note="Reporter is distressed")
    _act(client, report, "action", note="Met the service manager")
    _act(client, report, "detriment", flagged="on", note="Moved off a team after reporting")

    sign_in(client, reporter)
    mine = client.get(reverse("speakup:my_report", kwargs={"report_id": report.id}))
    assert b"Thank you for telling us" in mine.content
    assert b"Met the service manager" not in mine.content  # officers' working stays internal
    assert b"Wellbeing and occupational health" in mine.content  # signposting in replies
    client.post(reverse("speakup:my_report", kwargs={"report_id": report.id}),
                {"reply-body": "It is still happening"})

    sign_in(client, officer)
    case = client.get(reverse("speakup:case", kwargs={"report_id": report.id}))
    assert b"It is still happening" in case.content
    _act(client, report, "close", outcome="resolved", resolution="Allocation reviewed")

    sign_in(client, reporter)
    client.post(reverse("speakup:my_report", kwargs={"report_id": report.id}),
                {"feedback-felt_resolved": "partly"})
    report.refresh_from_db()
    assert (report.status, report.category, report.risk, report.outcome,
            report.felt_resolved, report.detriment) == (
        "closed", "progression", "medium", "resolved", "partly", True)
    assert sorted(report.labels.values_list("name", flat=True)) == ["allocation", "repeat"]
    transitions = [(e.from_status, e.to_status) for e in report.events.exclude(to_status="")
                   .order_by("at")]
    assert transitions == [("", "submitted"), ("submitted", "acknowledged"),
                           ("acknowledged", "in_progress"), ("in_progress", "closed")]


def test_an_anonymous_reporter_reads_the_reply_and_answers_with_the_receipt_code(client):
    confirmation = client.post(reverse("speakup:report_anonymous"), FORM)
    assert b"Employee assistance programme" in confirmation.content
    code = re.search(rb'data-testid="receipt-code">([\d ]+)<',
                     confirmation.content).group(1).decode()
    report = Report.objects.get()
    officer = make_user(Role.SPEAKUP_OFFICER, username="off2")
    officer_client = sign_in(type(client)(), officer)
    officer_client.post(reverse("speakup:case_take", kwargs={"report_id": report.id}))
    _act(officer_client, report, "acknowledge", message="Could you tell us which team?")
    page = client.post(reverse("speakup:receipt"), {"code": code})
    assert b"Could you tell us which team?" in page.content
    assert b"Staff networks" in page.content
    token = re.search(rb'name="token" value="([^"]+)"', page.content).group(1).decode()
    reply = client.post(reverse("speakup:receipt_reply"),
                        {"token": token, "reply-body": "The duty team"})
    assert b"Your message has been sent" in reply.content
    case = officer_client.get(reverse("speakup:case", kwargs={"report_id": report.id}))
    assert b"The duty team" in case.content and b"Reporter" in case.content


def test_status_history_cannot_be_changed_or_deleted():
    reporter = make_user(Role.PRACTITIONER, username="rep3")
    from tests.web.speakup import factories

    report = factories.named_report(reporter)
    event = ReportEvent.objects.get(report=report)
    event.to_status = "closed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_an_officer_must_acknowledge_before_recording_actions(client):
    from tests.web.speakup import factories

    officer = make_user(Role.SPEAKUP_OFFICER, username="off4")
    report = factories.assigned_report(officer)
    sign_in(client, officer)
    page = _act(client, report, "action", note="Too early")
    assert page.status_code == 200 and b"Acknowledge the report before" in page.content


def test_every_reporting_page_offers_exit_this_page(client):
    for name in ("speakup:start", "speakup:report_anonymous", "speakup:receipt"):
        page = client.get(reverse(name))
        assert b'data-module="govuk-exit-this-page"' in page.content, name
    sign_in(client, make_user(Role.PRACTITIONER, username="rep5"))
    for name in ("speakup:report_named", "speakup:my_reports"):
        assert b"govuk-exit-this-page" in client.get(reverse(name)).content, name


def test_a_report_with_missing_answers_shows_the_errors(client):
    page = client.post(reverse("speakup:report_anonymous"), {"route": "experienced"})
    assert b"There is a problem" in page.content
    assert not Report.objects.exists()
