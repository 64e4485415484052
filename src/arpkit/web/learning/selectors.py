"""Reads for the learning app, scoped by the user asking.

Object rule: a session's attendance and feedback results are for its facilitators and the
programme lead (``learning.manage``); anyone else gets Http404, so the existence of a session's
records does not leak.  Feedback is given only by someone recorded as attending.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from arpkit.web.accounts.models import User
from arpkit.web.core.permissions import has_permission
from arpkit.web.learning.models import Booking, Course, CoverageTarget, Feedback, Session


def courses(*, user: User) -> QuerySet[Course]:
    qs = Course.objects.all()
    if not has_permission(user, "learning.manage"):
        qs = qs.filter(active=True)
    return qs


def course(*, user: User, course_id: int) -> Course:
    found = courses(user=user).filter(pk=course_id).first()
    if found is None:
        raise Http404("No such course")
    return found


def _with_places(qs: QuerySet[Session]) -> QuerySet[Session]:
    booked = Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED))
    return qs.select_related("course").annotate(booked=booked,
                                                places_left=F("capacity") - booked)


def upcoming_sessions(*, user: User, course: Course | None = None) -> QuerySet[Session]:
    qs = Session.objects.filter(starts_at__gte=timezone.now(), cancelled=False,
                                course__active=True)
    if course is not None:
        qs = qs.filter(course=course)
    return _with_places(qs).prefetch_related("facilitators")


def sessions_of(*, user: User, course: Course) -> QuerySet[Session]:
    return _with_places(Session.objects.filter(course=course)).prefetch_related("facilitators")


def session(*, user: User, session_id: int) -> Session:
    found = _with_places(Session.objects.filter(pk=session_id, course__in=courses(user=user))
                         ).prefetch_related("facilitators").first()
    if found is None:
        raise Http404("No such session")
    return found


def can_facilitate(user: User, session: Session) -> bool:
    return (has_permission(user, "learning.manage")
            or session.facilitators.filter(pk=user.pk).exists())


def session_to_facilitate(*, user: User, session_id: int) -> Session:
    """The session, if the user facilitates it or leads the programme; else Http404."""
    found = session(user=user, session_id=session_id)
    if not can_facilitate(user, found):
        raise Http404("No such session")
    return found


def facilitated_sessions(*, user: User) -> QuerySet[Session]:
    return _with_places(Session.objects.filter(facilitators=user))


def booking_of(*, user: User, session: Session) -> Booking | None:
    return Booking.objects.filter(session=session, user=user).first()


def bookings_for_attendance(*, user: User, session: Session) -> QuerySet[Booking]:
    if not can_facilitate(user, session):
        raise Http404("No such session")
    return (Booking.objects.filter(session=session)
            .exclude(status=Booking.Status.CANCELLED, attended__isnull=True)
            .select_related("user").order_by("user__last_name", "user__username"))


def my_bookings(*, user: User) -> QuerySet[Booking]:
    return (Booking.objects.filter(user=user).select_related("session__course")
            .prefetch_related("feedback").order_by("-session__starts_at"))


def attended_booking_for_feedback(*, user: User, session_id: int) -> Booking:
    """The user's own attended booking of a session (feedback is for attendees only)."""
    found = (Booking.objects.filter(user=user, session_id=session_id, attended=True)
             .select_related("session__course").first())
    if found is None:
        raise Http404("No attended session to give feedback on")
    return found


def feedback_for_session(*, user: User, session: Session) -> QuerySet[Feedback]:
    if not can_facilitate(user, session):
        raise Http404("No such session")
    return Feedback.objects.filter(booking__session=session)


def feedback_for_course(*, user: User, course: Course) -> QuerySet[Feedback]:
    if not has_permission(user, "learning.manage"):
        raise Http404("No such course")
    return Feedback.objects.filter(booking__session__course=course).select_related(
        "booking__session")


def targets(*, user: User) -> QuerySet[CoverageTarget]:
    if not has_permission(user, "learning.coverage"):
        return CoverageTarget.objects.none()
    return CoverageTarget.objects.all()


def target(*, user: User, target_id: int) -> CoverageTarget:
    found = targets(user=user).filter(pk=target_id).first()
    if found is None:
        raise Http404("No such target")
    return found
