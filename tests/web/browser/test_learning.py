"""Booking, attendance upload and feedback in a real browser, with accessibility checks."""

from __future__ import annotations

from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from arpkit.web.learning.models import Booking, Feedback
from tests.web.browser.axe import assert_accessible
from tests.web.learning.factories import attend, make_course, make_session
from tests.web.support import make_user


def test_a_practitioner_finds_a_session_and_books_a_place(live_server, signed_in):
    session = make_session(make_course("Anti-racist practice: foundations"), capacity=8)
    page = signed_in(make_user(Role.PRACTITIONER, username="pat"))
    page.goto(live_server.url + "/learning/")
    assert_accessible(page)
    page.get_by_role("link", name="Anti-racist practice: foundations,").first.click()
    expect(page.get_by_text("8 of 8")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_text("You have a place on this session.")).to_be_visible()
    assert Booking.objects.get(session=session).user.username == "pat"
    page.goto(live_server.url + "/learning/mine/")
    expect(page.get_by_role("cell", name="Booked")).to_be_visible()
    assert_accessible(page)


def test_a_facilitator_uploads_attendance_and_fixes_a_bad_row(live_server, signed_in):
    fay = make_user(Role.PRACTITIONER, username="fay")
    make_user(Role.PRACTITIONER, username="ann")
    make_user(Role.PRACTITIONER, username="bob")
    session = make_session(days=-1, facilitators=[fay])
    page = signed_in(fay)
    page.goto(f"{live_server.url}/learning/sessions/{session.pk}/attendance/upload/")
    assert_accessible(page)
    upload = page.get_by_label("Attendance CSV file")
    upload.set_input_files(files=[{"name": "register.csv", "mimeType": "text/csv",
                                   "buffer": b"username,attended\nann,yes\nbob,perhaps\n"}])
    page.get_by_role("button", name="Upload attendance").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("cell", name="'perhaps' is not yes or no")).to_be_visible()
    assert_accessible(page)
    assert not Booking.objects.filter(session=session).exists()
    page.get_by_label("Attendance CSV file").set_input_files(files=[{
        "name": "register.csv", "mimeType": "text/csv",
        "buffer": b"username,attended\nann,yes\nbob,no\n"}])
    page.get_by_role("button", name="Upload attendance").click()
    expect(page.get_by_text("Attendance recorded for 2 people from the file.")).to_be_visible()
    assert_accessible(page)
    assert dict(Booking.objects.values_list("user__username", "attended")) == {
        "ann": True, "bob": False}


def test_an_attendee_gives_feedback_on_a_session(live_server, signed_in):
    pat = make_user(Role.PRACTITIONER, username="pat")
    session = make_session(make_course("Learning space"), days=-1)
    attend(session, pat)
    page = signed_in(pat)
    page.goto(f"{live_server.url}/learning/sessions/{session.pk}/feedback/")
    assert_accessible(page)
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Before the session").get_by_label("2", exact=True).check()
    page.get_by_role("group", name="How confident are you now?").get_by_label(
        "4", exact=True).check()
    page.get_by_label("What will you change in your practice?").fill(
        "Ask families about faith at the first visit")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you for your feedback.")).to_be_visible()
    assert_accessible(page)
    fb = Feedback.objects.get()
    assert (fb.confidence_before, fb.confidence_after) == (2, 4)


def test_a_team_manager_reads_coverage_against_the_trajectory(live_server, signed_in):
    import datetime as dt

    from django.utils import timezone

    from arpkit.web.accounts.models import Team
    from arpkit.web.learning.models import CoverageTarget

    team = Team.objects.create(code="north", name="North", service="Children and families")
    staff = [make_user(Role.PRACTITIONER, username=f"s{i}", teams=[team]) for i in range(3)]
    attend(make_session(days=-20), staff[0])
    CoverageTarget.objects.create(title="All C&F staff trained", target_share=1,
                                  start_date=timezone.localdate() - dt.timedelta(days=90),
                                  target_date=timezone.localdate() + dt.timedelta(days=90))
    page = signed_in(make_user(Role.TEAM_MANAGER, username="mgr", teams=[team], manager=True))
    page.goto(live_server.url + "/learning/coverage/")
    expect(page.get_by_text("1 of 4 staff")).to_be_visible()  # the manager is in the team too
    expect(page.get_by_role("img", name="Line chart of the share of staff")).to_be_visible()
    assert_accessible(page)
