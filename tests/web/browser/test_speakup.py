"""Speak up in a real browser: the anonymous and named routes and two-way messaging, with axe."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from arpkit.web.speakup import services
from arpkit.web.speakup.models import Report
from tests.web.browser.axe import assert_accessible
from tests.web.speakup.fixtures import apply_speakup_test_settings
from tests.web.support import make_user, sign_in


@pytest.fixture(autouse=True)
def _speakup(settings, tmp_path, monkeypatch):
    apply_speakup_test_settings(settings, tmp_path, monkeypatch)


def _fill_report(page, route: str, what: str) -> None:
    page.get_by_label(route, exact=True).check()
    page.get_by_label("A colleague", exact=True).check()
    page.get_by_label("I would rather not say", exact=True).check()
    page.get_by_label("What happened?", exact=True).fill(what)
    page.get_by_label("What would you like to happen? (optional)").fill("A conversation")


def test_an_anonymous_reporter_reports_keeps_the_code_and_reads_the_reply(live_server, page):
    page.goto(live_server.url + "/speak-up/")
    expect(page.get_by_role("button", name="Emergency Exit this page")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Report anonymously").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report anonymously")
    assert_accessible(page)
    _fill_report(page, "I witnessed racism", "A visitor shouted abuse at our receptionist")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    assert_accessible(page)
    code = page.get_by_test_id("receipt-code").inner_text()
    assert len(code.replace(" ", "")) == 16

    officer = make_user(Role.SPEAKUP_OFFICER, username="officer")
    report = Report.objects.get()
    services.report_assign(report=report, officer=officer, by=officer)
    services.report_acknowledge(report=report, by=officer, message="Were you hurt?")

    page.get_by_role("link", name="Read replies with your receipt code").click()
    assert_accessible(page)
    page.get_by_label("Your 16-digit receipt code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report")
    expect(page.get_by_text("Were you hurt?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Add information or reply").fill("No, but I was shaken")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Your message has been sent")).to_be_visible()
    expect(page.get_by_text("No, but I was shaken")).to_be_visible()
    assert_accessible(page)


def test_a_named_report_is_taken_and_answered_by_an_officer_and_the_reporter_replies(
        live_server, signed_in, browser):
    reporter = make_user(Role.PRACTITIONER, username="rita")
    page = signed_in(reporter)
    page.goto(live_server.url + "/speak-up/named/")
    assert_accessible(page)
    _fill_report(page, "I experienced racism", "Comments about my hair at team lunch")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    assert_accessible(page)
    reference = Report.objects.get().reference

    officer = make_user(Role.SPEAKUP_OFFICER, username="omar")
    officer_context = browser.new_context()
    cookie = sign_in(Client(), officer).cookies[django_settings.SESSION_COOKIE_NAME]
    officer_context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                                  "value": cookie.value, "url": live_server.url}])
    desk = officer_context.new_page()
    desk.goto(live_server.url + "/speak-up/cases/")
    assert_accessible(desk)
    desk.get_by_role("button", name=f"Take report {reference}").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
    expect(desk.get_by_text("Comments about my hair at team lunch")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_label("Message to the reporter (optional)").fill("Thank you, can we talk?")
    desk.get_by_role("button", name="Acknowledge report").click()
    expect(desk.get_by_text("Report acknowledged.")).to_be_visible()
    assert_accessible(desk)

    page.goto(live_server.url + "/speak-up/my-reports/")
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Thank you, can we talk?")).to_be_visible()
    page.get_by_label("Add information or reply").fill("Yes, on Friday")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Your message has been sent")).to_be_visible()
    assert_accessible(page)
    desk.reload()
    expect(desk.get_by_text("Yes, on Friday")).to_be_visible()
    officer_context.close()
