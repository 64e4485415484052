"""Writes for the learning app: each in a transaction, each audited.

Attendance uploads are all-or-nothing: every row is checked first and every problem is reported
with its row number (as a spreadsheet shows it, the header being row 1) and column; only a file
with no problem changes anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from arpkit.web.accounts.models import User
from arpkit.web.audit.services import record
from arpkit.web.learning.models import Booking, Course, CoverageTarget, Feedback, Session


class LearningError(Exception):
    """A booking or attendance change that cannot be made; the message says why."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "the file"
        return f"{where}, column {self.field}: {self.message}" if self.field else \
            f"{where}: {self.message}"


class AttendanceFileError(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@transaction.atomic
def create_course(*, by: User, title: str, description: str = "", kind: str = Course.Kind.COURSE,
                  recurrence_weeks: int = 6, sessions_to_complete: int = 1,
                  counts_for_coverage: bool = True) -> Course:
    course = Course.objects.create(title=title, description=description, kind=kind,
                                   recurrence_weeks=recurrence_weeks,
                                   sessions_to_complete=sessions_to_complete,
                                   counts_for_coverage=counts_for_coverage)
    record("learning.course_created", actor=by, obj=course, extra={"kind": kind})
    return course


@transaction.atomic
def schedule_sessions(*, by: User, course: Course, first: dt.datetime, count: int = 1,
                      every_weeks: int | None = None, duration_minutes: int = 120,
                      location: str = "", capacity: int = 20,
                      facilitators: Iterable[User] = ()) -> list[Session]:
    """``count`` sessions from ``first``, ``every_weeks`` apart (default: the course's
    recurrence, six weeks for a learning space)."""
    gap = dt.timedelta(weeks=every_weeks or course.recurrence_weeks)
    people = list(facilitators)
    made = []
    for i in range(count):
        s = Session.objects.create(course=course, starts_at=first + i * gap,
                                   duration_minutes=duration_minutes, location=location,
                                   capacity=capacity)
        s.facilitators.set(people)
        made.append(s)
    record("learning.sessions_scheduled", actor=by, obj=course, extra={"count": count})
    return made


@transaction.atomic
def book(*, user: User, session: Session) -> Booking:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled:
        raise LearningError("This session has been cancelled")
    if session.starts_at < timezone.now():
        raise LearningError("This session has already started")
    existing = Booking.objects.filter(session=session, user=user).first()
    if existing is not None and existing.status == Booking.Status.BOOKED:
        raise LearningError("You already have a place on this session")
    taken = session.bookings.filter(status=Booking.Status.BOOKED).count()
    if taken >= session.capacity:
        raise LearningError("This session is full")
    if existing is None:
        existing = Booking.objects.create(session=session, user=user)
    else:
        existing.status = Booking.Status.BOOKED
        existing.save(update_fields=["status"])
    record("learning.booked", actor=user, obj=existing)
    return existing


@transaction.atomic
def cancel_booking(*, user: User, session: Session) -> Booking:
    booking = Booking.objects.filter(session=session, user=user,
                                     status=Booking.Status.BOOKED).first()
    if booking is None:
        raise LearningError("You do not have a place on this session")
    if booking.attended is not None:
        raise LearningError("Attendance has been recorded for this session")
    booking.status = Booking.Status.CANCELLED
    booking.save(update_fields=["status"])
    record("learning.booking_cancelled", actor=user, obj=booking)
    return booking


def _set_attendance(session: Session, attended: Mapping[User, bool], by: User) -> int:
    now = timezone.now()
    for person, present in attended.items():
        booking, _ = Booking.objects.get_or_create(session=session, user=person)
        booking.attended = present
        booking.attendance_recorded_at = now
        booking.attendance_recorded_by = by
        booking.save(update_fields=["attended", "attendance_recorded_at",
                                    "attendance_recorded_by"])
    return len(attended)


@transaction.atomic
def record_attendance(*, by: User, session: Session, attended: Mapping[int, bool]) -> int:
    """Attendance for booked people (``booking user id -> attended``)."""
    people = {u.pk: u for u in User.objects.filter(pk__in=list(attended))}
    n = _set_attendance(session, {people[k]: v for k, v in attended.items() if k in people}, by)
    record("learning.attendance_recorded", actor=by, obj=session, extra={"rows": n})
    return n


TRUE = {"yes", "y", "true", "1", "attended", "present"}
FALSE = {"no", "n", "false", "0", "absent", "did not attend"}
COLUMNS = ("username", "attended")
MAX_ROWS = 2000


def parse_attendance(data: bytes, *, file_name: str = "attendance.csv"
                     ) -> dict[str, tuple[int, bool]]:
    """Read an attendance CSV (columns ``username`` and ``attended``: yes or no) into
    ``username -> (row number, attended)``; raise :class:`AttendanceFileError` with every
    problem."""
    problems: list[RowProblem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttendanceFileError([RowProblem(0, "", f"{file_name} is not a UTF-8 CSV file; "
                                                     "save it as 'CSV UTF-8'")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise AttendanceFileError([RowProblem(1, c, "this column is missing from the header "
                                                    "row (expected: username, attended)")
                                   for c in missing])
    reader.fieldnames = header
    out: dict[str, tuple[int, bool]] = {}
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            problems.append(RowProblem(number, "", f"more than {MAX_ROWS} rows"))
            break
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        name = (row.get("username") or "").strip()
        value = (row.get("attended") or "").strip().lower()
        if not name:
            problems.append(RowProblem(number, "username", "the user name is empty"))
        elif name in seen:
            problems.append(RowProblem(number, "username",
                                       f"{name!r} is also on row {seen[name]}"))
        if value in TRUE:
            present = True
        elif value in FALSE:
            present = False
        else:
            problems.append(RowProblem(number, "attended",
                                       f"{value!r} is not yes or no" if value else
                                       "this is empty: write yes or no"))
            present = None
        if name and name not in seen:
            seen[name] = number
            if present is not None:
                out[name] = (number, present)
    if not seen and not problems:
        problems.append(RowProblem(0, "", f"{file_name} has no rows under the header"))
    if problems:
        raise AttendanceFileError(problems)
    return out


@transaction.atomic
def upload_attendance(*, by: User, session: Session, data: bytes,
                      file_name: str = "attendance.csv") -> int:
    """Record attendance from a CSV for every row, or for none (see :func:`parse_attendance`).
    People not booked (walk-ins) get a booking marked as attended."""
    wanted = parse_attendance(data, file_name=file_name)
    users = {u.username: u for u in User.objects.filter(username__in=list(wanted))}
    problems = []
    for name, (row, _) in wanted.items():
        person = users.get(name)
        if person is None:
            problems.append(RowProblem(row, "username", f"no one has the user name {name!r}"))
        elif not person.is_active:
            problems.append(RowProblem(row, "username",
                                       f"{name!r} is no longer an active account"))
    if problems:
        raise AttendanceFileError(problems)
    n = _set_attendance(session, {users[k]: v for k, (_, v) in wanted.items()}, by)
    record("learning.attendance_uploaded", actor=by, obj=session, extra={"rows": n})
    return n


@transaction.atomic
def give_feedback(*, booking: Booking, confidence_before: int, confidence_after: int,
                  change_in_practice: str = "") -> Feedback:
    if hasattr(booking, "feedback"):
        raise LearningError("You have already given feedback on this session")
    feedback = Feedback.objects.create(booking=booking, confidence_before=confidence_before,
                                       confidence_after=confidence_after,
                                       change_in_practice=change_in_practice.strip())
    record("learning.feedback_given", actor=booking.user, obj=booking.session)
    return feedback


@transaction.atomic
def create_target(*, by: User, title: str, target_share: float, start_date: dt.date,
                  target_date: dt.date, service: str = "") -> CoverageTarget:
    if target_date <= start_date:
        raise LearningError("The target date must be after the start date")
    target = CoverageTarget.objects.create(title=title, target_share=target_share,
                                           start_date=start_date, target_date=target_date,
                                           service=service)
    record("learning.target_created", actor=by, obj=target)
    return target
