"""Training and learning spaces: booking, attendance (on screen and CSV), feedback, coverage."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from arpkit.web.accounts.models import Team
from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.learning import coverage, results, services
from arpkit.web.learning.models import Booking, CoverageTarget, Feedback, Session
from tests.web.app_access import mismatches
from tests.web.learning.factories import attend, make_course, make_session
from tests.web.support import make_user, sign_in


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_exactly_the_learning_views_its_permissions_allow(role):
    assert not mismatches("learning", role)


# --------------------------------------------------------------------------- booking


def test_a_practitioner_books_a_place_and_can_cancel_it(client):
    pat = make_user(Role.PRACTITIONER, username="pat")
    session = make_session()
    sign_in(client, pat)
    response = client.post(reverse("learning:book", args=[session.pk]), follow=True)
    assert "You have a place" in response.content.decode()
    assert Booking.objects.get(session=session, user=pat).status == Booking.Status.BOOKED
    client.post(reverse("learning:cancel_booking", args=[session.pk]))
    assert Booking.objects.get(session=session, user=pat).status == Booking.Status.CANCELLED
    assert AuditEvent.objects.filter(action="learning.booked").count() == 1
    assert AuditEvent.objects.filter(action="learning.booking_cancelled").count() == 1


def test_a_full_session_refuses_another_booking():
    session = make_session(capacity=1)
    services.book(user=make_user(Role.PRACTITIONER, username="a"), session=session)
    with pytest.raises(services.LearningError, match="full"):
        services.book(user=make_user(Role.PRACTITIONER, username="b"), session=session)


def test_a_past_session_cannot_be_booked():
    with pytest.raises(services.LearningError, match="already started"):
        services.book(user=make_user(Role.PRACTITIONER), session=make_session(days=-1))


def test_a_learning_space_series_is_scheduled_every_six_weeks_by_default():
    lead = make_user(Role.PROGRAMME_LEAD)
    space = services.create_course(by=lead, title="Learning space", kind="learning_space")
    first = timezone.make_aware(dt.datetime(2026, 1, 5, 14, 0))
    made = services.schedule_sessions(by=lead, course=space, first=first, count=3)
    gaps = {(b.starts_at - a.starts_at).days for a, b in itertools.pairwise(made)}
    assert gaps == {42}


def test_the_programme_lead_schedules_sessions_with_named_facilitators(client):
    lead = make_user(Role.PROGRAMME_LEAD)
    fay = make_user(Role.PRACTITIONER, username="fay")
    course = make_course()
    sign_in(client, lead)
    response = client.post(reverse("learning:session_create", args=[course.pk]), {
        "first_date": "02/03/2027", "start_time": "09:30", "count": "2", "every_weeks": "",
        "duration_minutes": "120", "location": "Room 4", "capacity": "12",
        "facilitators": "fay"})
    assert response.status_code == 302
    sessions = list(Session.objects.filter(course=course))
    assert len(sessions) == 2 and all(list(s.facilitators.all()) == [fay] for s in sessions)


def test_an_unknown_facilitator_user_name_is_an_error_naming_it(client):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    response = client.post(reverse("learning:session_create", args=[make_course().pk]), {
        "first_date": "02/03/2027", "start_time": "09:30", "count": "1",
        "duration_minutes": "120", "capacity": "12", "facilitators": "nobody-here"})
    assert response.status_code == 200
    assert "nobody-here" in response.content.decode()
    assert not Session.objects.exists()


# --------------------------------------------------------------------------- attendance


def test_a_facilitator_records_attendance_on_screen(client):
    fay = make_user(Role.PRACTITIONER, username="fay")
    session = make_session(facilitators=[fay])
    a, b = (make_user(Role.PRACTITIONER, username=n) for n in ("ann", "bob"))
    for person in (a, b):
        services.book(user=person, session=session)
    sign_in(client, fay)
    client.post(reverse("learning:attendance", args=[session.pk]), {"attended": [str(a.pk)]})
    got = dict(Booking.objects.filter(session=session).values_list("user__username",
                                                                   "attended"))
    assert got == {"ann": True, "bob": False}


def test_someone_who_does_not_facilitate_the_session_cannot_see_its_attendance(client):
    session = make_session(facilitators=[make_user(Role.PRACTITIONER, username="fay")])
    sign_in(client, make_user(Role.PRACTITIONER, username="other"))
    assert client.get(reverse("learning:attendance", args=[session.pk])).status_code == 404
    assert client.get(reverse("learning:feedback_results",
                              args=[session.pk])).status_code == 404


def _upload(client, session, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("learning:attendance_upload", args=[session.pk]),
                       {"file": SimpleUploadedFile("register.csv", text.encode(),
                                                   content_type="text/csv")})


def test_an_attendance_csv_records_every_row_including_people_who_did_not_book(client):
    fay = make_user(Role.PRACTITIONER, username="fay")
    session = make_session(facilitators=[fay])
    ann, bob = (make_user(Role.PRACTITIONER, username=n) for n in ("ann", "bob"))
    services.book(user=ann, session=session)
    sign_in(client, fay)
    response = _upload(client, session, "username,attended\nann,yes\nbob,Yes\n")
    assert response.status_code == 302
    assert set(Booking.objects.filter(session=session, attended=True)
               .values_list("user__username", flat=True)) == {"ann", "bob"}
    assert bob.learning_bookings.get().session == session


def test_a_bad_attendance_csv_names_each_row_and_column_and_records_nothing(client):
    fay = make_user(Role.PRACTITIONER, username="fay")
    session = make_session(facilitators=[fay])
    make_user(Role.PRACTITIONER, username="ann")
    sign_in(client, fay)
    response = _upload(client, session, "username,attended\nann,yes\nann,no\n,yes\n"
                                        "cat,maybe\n")
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("&#x27;ann&#x27; is also on row 2", "the user name is empty",
                 "&#x27;maybe&#x27; is not yes or no"):
        assert text in page
    assert not Booking.objects.filter(session=session).exists()


def test_an_attendance_csv_with_an_unknown_person_records_nothing():
    make_user(Role.PRACTITIONER, username="ann")
    session = make_session()
    with pytest.raises(services.AttendanceFileError) as error:
        services.upload_attendance(by=make_user(Role.PROGRAMME_LEAD), session=session,
                                   data=b"username,attended\nann,yes\nzed,yes\n")
    assert [(p.row, p.field) for p in error.value.problems] == [(3, "username")]
    assert not Booking.objects.exists()


def test_an_attendance_csv_without_the_attended_column_is_refused_by_the_header():
    with pytest.raises(services.AttendanceFileError) as error:
        services.parse_attendance(b"user,present\nann,yes\n")
    assert {(p.row, p.field) for p in error.value.problems} == {(1, "username"),
                                                                 (1, "attended")}


# --------------------------------------------------------------------------- feedback


def _feedback(session, pairs, text="Ask about identity early"):
    for i, (before, after) in enumerate(pairs):
        person = make_user(Role.PRACTITIONER, username=f"p{session.pk}-{i}")
        services.give_feedback(booking=attend(session, person), confidence_before=before,
                               confidence_after=after, change_in_practice=f"{text} {i}")


def test_only_someone_who_attended_can_give_feedback(client):
    session = make_session(days=-2)
    pat = make_user(Role.PRACTITIONER, username="pat")
    sign_in(client, pat)
    assert client.get(reverse("learning:feedback", args=[session.pk])).status_code == 404
    attend(session, pat)
    response = client.post(reverse("learning:feedback", args=[session.pk]), {
        "confidence_before": "2", "confidence_after": "4", "change_in_practice": "Ask"})
    assert response.status_code == 302
    assert Feedback.objects.get().confidence_after == 4


def test_feedback_results_are_withheld_under_five_responses(client):
    fay = make_user(Role.PRACTITIONER, username="fay")
    session = make_session(days=-2, facilitators=[fay])
    _feedback(session, [(2, 4)] * 4, text="secret words")
    sign_in(client, fay)
    page = client.get(reverse("learning:feedback_results", args=[session.pk])).content.decode()
    assert "Fewer than 5 responses" in page
    assert "secret words" not in page


def test_feedback_results_show_means_and_comments_from_five_responses(client):
    fay = make_user(Role.PRACTITIONER, username="fay")
    session = make_session(days=-2, facilitators=[fay])
    _feedback(session, [(1, 3), (2, 4), (3, 3), (2, 5), (2, 5)])
    sign_in(client, fay)
    page = client.get(reverse("learning:feedback_results", args=[session.pk])).content.decode()
    # before 10/5 = 2.0, after 20/5 = 4.0, change 2.0, 4 of 5 more confident
    for value in (">2.0<", ">4.0<", ">4<"):
        assert value in page
    assert "Ask about identity early 3" in page


def test_feedback_over_time_groups_sessions_by_month():
    course = make_course()
    s1 = make_session(course, days=-70)
    s2 = make_session(course, days=-5)
    _feedback(s1, [(1, 2)] * 5)
    _feedback(s2, [(3, 5)] * 6)
    months = results.by_month(Feedback.objects.select_related("booking__session"))
    assert [(m.responses, m.mean_change) for m in months] == [(5, 1.0), (6, 2.0)]


# --------------------------------------------------------------------------- coverage


@pytest.fixture
def teams_with_staff():
    """Two teams in Children and families and one elsewhere; six people."""
    north = Team.objects.create(code="north", name="North", service="Children and families")
    south = Team.objects.create(code="south", name="South", service="Children and families")
    other = Team.objects.create(code="adult", name="Adults", service="Adult care")
    people = {}
    for name, team in (("n1", north), ("n2", north), ("n3", north), ("s1", south),
                       ("s2", south), ("a1", other)):
        people[name] = make_user(Role.PRACTITIONER, username=name, teams=[team])
    return {"north": north, "south": south, "people": people}


def test_coverage_counts_people_who_attended_the_sessions_needed_to_complete(teams_with_staff):
    people = teams_with_staff["people"]
    course = make_course(sessions_to_complete=2)
    first, second = make_session(course, days=-40), make_session(course, days=-10)
    for name in ("n1", "n2", "s1", "a1"):
        attend(first, people[name])
    attend(second, people["n1"])
    attend(second, people["s1"])
    target = CoverageTarget.objects.create(
        title="All C&F staff", service="Children and families", target_share=1,
        start_date=timezone.localdate() - dt.timedelta(days=60),
        target_date=timezone.localdate() + dt.timedelta(days=60))
    result = coverage.coverage(target)
    assert (result.staff, result.completed) == (5, 2)  # a1 is in Adult care
    assert [(r.label, r.staff, r.completed) for r in result.by_team] == [
        ("North", 3, 1), ("South", 2, 1)]
    # halfway through the plan: 0 at the start (nobody had completed) -> 100% at the end
    assert result.planned_share == pytest.approx(0.5, abs=0.01)
    assert result.on_track is False


def test_a_team_manager_sees_coverage_for_their_own_teams_only(client, teams_with_staff):
    CoverageTarget.objects.create(title="Everyone", target_share=1,
                                  start_date=dt.date(2026, 1, 1), target_date=dt.date(2027, 1, 1))
    manager = make_user(Role.TEAM_MANAGER, username="mgr", teams=[teams_with_staff["north"]],
                        manager=True)
    sign_in(client, manager)
    page = client.get(reverse("learning:coverage")).content.decode()
    assert "North" in page and "South" not in page


def test_the_coverage_page_shows_a_trajectory_chart_with_a_table_beside_it(
        client, teams_with_staff):
    CoverageTarget.objects.create(title="Everyone", target_share=1,
                                  start_date=timezone.localdate() - dt.timedelta(days=90),
                                  target_date=timezone.localdate() + dt.timedelta(days=90))
    attend(make_session(days=-30), teams_with_staff["people"]["n1"])
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    page = client.get(reverse("learning:coverage")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert "Trajectory" in page and "By role" in page


def test_the_programme_lead_sets_a_coverage_target(client):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    response = client.post(reverse("learning:target_create"), {
        "title": "All staff", "service": "", "target_percent": "90",
        "start_date": "01/04/2026", "target_date": "31/03/2027"})
    assert response.status_code == 302
    target = CoverageTarget.objects.get()
    assert float(target.target_share) == 0.9 and target.target_date == dt.date(2027, 3, 31)
