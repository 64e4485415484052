"""Signing in, two-factor and signing out in a real browser, with accessibility checks."""

from __future__ import annotations

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from tests.web.browser.axe import assert_accessible
from tests.web.support import make_user


def test_a_practitioner_signs_in_with_a_password_and_reaches_the_home_page(live_server, page):
    make_user(Role.PRACTITIONER, username="pat")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    assert_accessible(page)
    page.get_by_label("User name").fill("pat")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anti-racist practice")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_a_wrong_password_shows_an_error_summary_that_links_to_the_problem(live_server, page):
    make_user(Role.PRACTITIONER, username="pat")
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("User name").fill("pat")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)


def test_an_analyst_sets_up_two_factor_with_an_authenticator_then_signs_in(live_server, page):
    make_user(Role.ANALYST, username="ana")
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("User name").fill("ana")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor authentication")
    assert_accessible(page)
    device = TOTPDevice.objects.get(user__username="ana")

    def current_code() -> int:
        return totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)

    wrong = f"{(current_code() + 1) % 10**6:06d}"
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.wait_for_timeout(1100)  # django-otp throttles: one second after a wrong code
    code = f"{current_code():06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anti-racist practice")
    device.refresh_from_db()
    assert device.confirmed
