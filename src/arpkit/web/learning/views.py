"""Training and learning spaces: browse and book, attendance, feedback, coverage."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from arpkit.web.accounts.selectors import managed_team_codes
from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.core.permissions import Role, has_permission, roles_of
from arpkit.web.learning import charts, coverage, forms, results, selectors, services


@access("signed_in")
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "learning/index.html", {
        "courses": selectors.courses(user=user),
        "upcoming": selectors.upcoming_sessions(user=user)[:20],
        "facilitating": selectors.facilitated_sessions(user=user).filter(
            starts_at__gte=timezone.now() - dt.timedelta(days=60)),
        "can_manage": has_permission(user, "learning.manage"),
    })


@access("signed_in")
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    found = selectors.course(user=request.user, course_id=course_id)
    return render(request, "learning/course.html", {
        "course": found, "sessions": selectors.sessions_of(user=request.user, course=found),
        "can_manage": has_permission(request.user, "learning.manage"),
    })


@access("signed_in")
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session(user=request.user, session_id=session_id)
    booking = selectors.booking_of(user=request.user, session=found)
    return render(request, "learning/session.html", {
        "session": found, "booking": booking,
        "places_left": max(found.capacity - found.booked, 0),
        "is_past": found.starts_at < timezone.now(),
        "can_facilitate": selectors.can_facilitate(request.user, found),
    })


@require_POST
@access("signed_in")
def book(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session(user=request.user, session_id=session_id)
    try:
        services.book(user=request.user, session=found)
        messages.success(request, f"You have a place on {found}.")
    except services.LearningError as error:
        messages.error(request, str(error))
    return redirect("learning:session", session_id=found.pk)


@require_POST
@access("signed_in")
def cancel_booking(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session(user=request.user, session_id=session_id)
    try:
        services.cancel_booking(user=request.user, session=found)
        messages.success(request, "Your booking is cancelled.")
    except services.LearningError as error:
        messages.error(request, str(error))
    return redirect("learning:session", session_id=found.pk)


@access("signed_in")
def my_learning(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.my_bookings(user=request.user))
    completed = coverage.completion_dates({request.user.pk}).get(request.user.pk)
    return render(request, "learning/my_learning.html",
                  {"bookings": bookings, "completed": completed})


@access("signed_in")
def feedback(request: HttpRequest, session_id: int) -> HttpResponse:
    booking = selectors.attended_booking_for_feedback(user=request.user, session_id=session_id)
    if hasattr(booking, "feedback"):
        messages.info(request, "You have already given feedback on this session. Thank you.")
        return redirect("learning:my_learning")
    form = forms.FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.give_feedback(booking=booking,
                               confidence_before=int(form.cleaned_data["confidence_before"]),
                               confidence_after=int(form.cleaned_data["confidence_after"]),
                               change_in_practice=form.cleaned_data["change_in_practice"])
        messages.success(request, "Thank you for your feedback.")
        return redirect("learning:my_learning")
    return render(request, "learning/feedback.html", {"form": form, "session": booking.session})


@access("learning.facilitate")
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session_to_facilitate(user=request.user, session_id=session_id)
    bookings = list(selectors.bookings_for_attendance(user=request.user, session=found))
    initial = {"attended": [str(b.user_id) for b in bookings if b.attended]}
    form = forms.AttendanceForm(request.POST or None, bookings=bookings, initial=initial)
    if request.method == "POST" and form.is_valid():
        present = set(form.cleaned_data["attended"])
        n = services.record_attendance(by=request.user, session=found, attended={
            b.user_id: str(b.user_id) in present for b in bookings})
        messages.success(request, f"Attendance recorded for {n} people.")
        return redirect("learning:attendance", session_id=found.pk)
    return render(request, "learning/attendance.html", {
        "session": found, "form": form, "bookings": bookings,
        "upload_form": forms.AttendanceUploadForm()})


@access("learning.facilitate")
def attendance_upload(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session_to_facilitate(user=request.user, session_id=session_id)
    form = forms.AttendanceUploadForm(request.POST or None, request.FILES or None)
    problems: list = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            n = services.upload_attendance(by=request.user, session=found, data=upload.read(),
                                           file_name=upload.name)
        except services.AttendanceFileError as error:
            problems = error.problems
            form.add_error("file", f"The file has {len(problems)} problem"
                                   f"{'s' if len(problems) != 1 else ''}; nothing was "
                                   "recorded. Correct the rows listed below and upload it again")
        else:
            messages.success(request, f"Attendance recorded for {n} people from the file.")
            return redirect("learning:attendance", session_id=found.pk)
    return render(request, "learning/attendance_upload.html",
                  {"session": found, "form": form, "problems": problems})


@access("learning.facilitate")
def feedback_results(request: HttpRequest, session_id: int) -> HttpResponse:
    found = selectors.session_to_facilitate(user=request.user, session_id=session_id)
    items = list(selectors.feedback_for_session(user=request.user, session=found))
    record("learning.feedback_viewed", actor=request.user, obj=found, request=request)
    return render(request, "learning/feedback_results.html", {
        "session": found, "result": results.summarise(str(found), items),
        "comments": results.comments(items), "minimum": results.MIN_RESPONSES})


@access("learning.manage")
def feedback_trends(request: HttpRequest, course_id: int) -> HttpResponse:
    found = selectors.course(user=request.user, course_id=course_id)
    items = list(selectors.feedback_for_course(user=request.user, course=found))
    months = results.by_month(items)
    shown = [m for m in months if not m.suppressed]
    chart = None
    if len(shown) >= 2:
        frame = pd.DataFrame(
            [{"month": pd.Timestamp(dt.datetime.strptime(m.label, "%B %Y")),
              "series": series, "value": value}
             for m in shown for series, value in (("Before", m.mean_before),
                                                  ("After", m.mean_after))])
        chart = charts.lines(frame, x="month", y="value", series="series", x_title="Month",
                             y_title="Mean confidence (1-5)", dashed=("Before",))
    record("learning.feedback_viewed", actor=request.user, obj=found, request=request)
    return render(request, "learning/feedback_trends.html", {
        "course": found, "months": months, "chart": chart,
        "sessions": [(s, results.summarise(str(s), [f for f in items
                                                     if f.booking.session_id == s.pk]))
                     for s in selectors.sessions_of(user=request.user, course=found)],
        "minimum": results.MIN_RESPONSES})


@access("learning.manage")
def course_create(request: HttpRequest) -> HttpResponse:
    form = forms.CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = services.create_course(by=request.user, **form.cleaned_data)
        messages.success(request, f"{made.title} has been added. Now schedule its sessions.")
        return redirect("learning:session_create", course_id=made.pk)
    return render(request, "learning/course_form.html", {"form": form})


@access("learning.manage")
def session_create(request: HttpRequest, course_id: int) -> HttpResponse:
    found = selectors.course(user=request.user, course_id=course_id)
    form = forms.ScheduleForm(request.POST or None,
                              initial={"every_weeks": found.recurrence_weeks})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first = timezone.make_aware(dt.datetime.combine(data["first_date"], data["start_time"]))
        made = services.schedule_sessions(
            by=request.user, course=found, first=first, count=data["count"],
            every_weeks=data["every_weeks"], duration_minutes=data["duration_minutes"],
            location=data["location"], capacity=data["capacity"],
            facilitators=data["facilitators"])
        messages.success(request, f"{len(made)} session{'s' if len(made) != 1 else ''} "
                                  "scheduled.")
        return redirect("learning:course", course_id=found.pk)
    return render(request, "learning/session_form.html", {"form": form, "course": found})


@access("learning.coverage")
def coverage_view(request: HttpRequest) -> HttpResponse:
    targets = list(selectors.targets(user=request.user))
    chosen = None
    wanted = request.GET.get("target")
    if wanted and wanted.isdigit():
        chosen = selectors.target(user=request.user, target_id=int(wanted))
    elif targets:
        chosen = targets[0]
    context: dict = {"targets": targets, "target": chosen,
                     "can_manage": has_permission(request.user, "learning.manage")}
    if chosen is not None:
        # The programme lead and the HR lead see every team; a team manager their own.
        whole = roles_of(request.user) & {Role.PROGRAMME_LEAD, Role.HR_LEAD}
        scope = None if whole else managed_team_codes(request.user)
        result = coverage.coverage(chosen, team_codes=scope)
        context.update(result=result, scoped=scope is not None,
                       chart=_trajectory_chart(result))
        record("learning.coverage_viewed", actor=request.user, obj=chosen, request=request)
    return render(request, "learning/coverage.html", context)


def _trajectory_chart(result: coverage.Coverage) -> str | None:
    if not result.trajectory or not result.staff:
        return None
    rows = []
    for p in result.trajectory:
        rows.append({"date": pd.Timestamp(p["date"]), "series": "Planned", "share": p["planned"]})
        if p["actual"] is not None:
            rows.append({"date": pd.Timestamp(p["date"]), "series": "Actual",
                         "share": p["actual"]})
    return charts.lines(pd.DataFrame(rows), x="date", y="share", series="series",
                        x_title="Date", y_title="Staff who have completed", percent=True,
                        dashed=("Planned",))


@access("learning.manage")
def target_create(request: HttpRequest) -> HttpResponse:
    form = forms.TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = services.create_target(by=request.user, title=data["title"],
                                      target_share=data["target_percent"] / 100,
                                      start_date=data["start_date"],
                                      target_date=data["target_date"], service=data["service"])
        messages.success(request, "The target has been set.")
        return redirect(f"{_url('learning:coverage')}?target={made.pk}")
    return render(request, "learning/target_form.html", {"form": form})


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
