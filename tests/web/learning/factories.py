"""Records for the learning tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from arpkit.web.learning.models import Booking, Course, Session


def make_course(title: str = "Anti-racist practice", **kwargs) -> Course:
    return Course.objects.create(title=title, **kwargs)


def make_session(course: Course | None = None, *, days: int = 14, capacity: int = 20,
                 facilitators=(), hour: int = 10) -> Session:
    course = course or make_course()
    when = timezone.make_aware(dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=days), dt.time(hour, 0)))
    session = Session.objects.create(course=course, starts_at=when, capacity=capacity)
    session.facilitators.set(list(facilitators))
    return session


def attend(session: Session, user, attended: bool = True) -> Booking:
    booking, _ = Booking.objects.get_or_create(session=session, user=user)
    booking.attended = attended
    booking.save()
    return booking
