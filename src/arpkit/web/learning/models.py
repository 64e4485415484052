"""Courses, learning spaces, their sessions, bookings, attendance, feedback and coverage targets.

Shaped after the Cabinet Office's One Big Thing learning records (``Course`` -> ``Learning``,
pre/post surveys on the same question keys; see shared docs/web.md §6): a course or a recurring
learning space has dated sessions with facilitators and a capacity; a person books a place; the
facilitator records who attended (on screen or from a CSV); people who attended give short
feedback (confidence before and after on a 1-5 scale, and what will change in their practice).
A person has *completed* a course when they have attended ``sessions_to_complete`` of its
sessions; training coverage is the share of staff in scope who have completed by a date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Course(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Training course"
        LEARNING_SPACE = "learning_space", "Learning space"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COURSE)
    #: Learning spaces recur: the default gap between sessions when a series is scheduled.
    recurrence_weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(52)])
    sessions_to_complete = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)])
    #: Whether completing this course counts towards the training-coverage target.
    counts_for_coverage = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=120)
    location = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(default=20, validators=[MinValueValidator(1)])
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="facilitated_sessions")
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.course.title}, {self.starts_at:%d %B %Y}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="learning_bookings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    #: None until the facilitator records attendance.
    attended = models.BooleanField(null=True, blank=True)
    booked_at = models.DateTimeField(auto_now_add=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+")

    class Meta:
        ordering = ["session__starts_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "user"],
                                               name="learning_one_booking_per_session")]


class Feedback(models.Model):
    """One attendee's feedback on one session.  Linked to the booking only to stop a second
    response; results are shown as counts and means, never by person."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    confidence_before = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    confidence_after = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    change_in_practice = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)


class CoverageTarget(models.Model):
    """"All C&F staff trained by a date": a share of staff in scope, by a date.

    Scope is every active person with a team membership, limited to teams of ``service``
    (the directorate) when it is given.
    """

    title = models.CharField(max_length=200)
    service = models.CharField(max_length=200, blank=True,
                               help_text="Leave blank for every team")
    target_share = models.DecimalField(max_digits=4, decimal_places=3, default=1,
                                       validators=[MinValueValidator(0), MaxValueValidator(1)])
    start_date = models.DateField()
    target_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_date", "pk"]

    def __str__(self) -> str:
        return self.title
