"""Speak-up reports: coded fields in clear for statistics, everything identifying encrypted.

Design (after GlobaLeaks and Whispli, see docs/speakup.md):

* Every primary key is a random UUID, so neither ids nor their order say when a report arrived
  relative to other activity.
* Free text (what happened, impact, what the reporter would like, messages, notes, outcome
  summary) and attachments are stored only as AES-256-GCM ciphertext under the report's own
  data key (``crypto``), which is wrapped by a master key kept outside the database.
* An anonymous report stores no user, address, user agent or session, and only days, never
  times, for anything the reporter did.
* Status history and the case timeline are immutable :class:`ReportEvent` rows (one function per
  event type in ``events``), after Saleor's ``OrderEvent`` and the NHS ADR-005b.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from arpkit.web.speakup.choices import (
    Category,
    FeltResolved,
    Outcome,
    Risk,
    Route,
    Source,
    Status,
)


class Label(models.Model):
    """A speak-up officer's free label for grouping reports (e.g. a recurring theme)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Coded, in clear (statistics).
    route = models.CharField(max_length=20, choices=Route.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    service_area = models.CharField(max_length=200)
    support_wanted = models.JSONField(default=list, blank=True)
    happened_on = models.DateField(null=True, blank=True)
    received_on = models.DateField()
    is_anonymous = models.BooleanField()
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="speakup_reports")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="reports")
    risk = models.CharField(max_length=10, choices=Risk.choices, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="speakup_assigned")
    acknowledged_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    felt_resolved = models.CharField(max_length=10, choices=FeltResolved.choices, blank=True)
    detriment = models.BooleanField(default=False)
    last_activity_on = models.DateField()
    retain_until = models.DateField(null=True, blank=True)
    purged_on = models.DateField(null=True, blank=True)
    # Encrypted (crypto.encrypt with this report's data key).
    what_happened_enc = models.BinaryField(default=b"")
    impact_enc = models.BinaryField(default=b"")
    desired_outcome_enc = models.BinaryField(default=b"")
    resolution_enc = models.BinaryField(default=b"")
    wrapped_key = models.BinaryField(default=b"")
    key_id = models.CharField(max_length=16, blank=True)
    # The anonymous reporter's credential: an HMAC bucket of the code's first digits and an
    # Argon2 hash of the whole code (receipts.py).
    receipt_bucket = models.CharField(max_length=64, blank=True, db_index=True)
    receipt_hash = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["received_on"]
        indexes = [models.Index(fields=["status", "received_on"], name="speakup_status")]

    def __str__(self) -> str:
        return f"Speak-up report {self.reference}"

    @property
    def reference(self) -> str:
        """A short, non-secret reference officers can say out loud (not a credential)."""
        return str(self.id).split("-")[0].upper()

    @property
    def is_purged(self) -> bool:
        return self.purged_on is not None


class ReportEvent(models.Model):
    """One immutable step in a report's timeline; status changes carry from and to."""

    class Type(models.TextChoices):
        SUBMITTED = "submitted", "Report received"
        ASSIGNED = "assigned", "Assigned to an officer"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        CATEGORISED = "categorised", "Categorised"
        RISK_ASSESSED = "risk_assessed", "Risk assessed"
        STATUS_CHANGED = "status_changed", "Status changed"
        REPORTER_MESSAGE = "reporter_message", "Message from the reporter"
        OFFICER_MESSAGE = "officer_message", "Message to the reporter"
        ACTION_RECORDED = "action_recorded", "Action taken"
        CLOSED = "closed", "Closed with an outcome"
        FEEDBACK = "feedback", "Reporter's view of the outcome recorded"
        DETRIMENT = "detriment", "Detriment for speaking up flagged"
        ATTACHMENT_ADDED = "attachment_added", "Attachment added"
        PURGED = "purged", "Content deleted at the end of retention"

    class ActorRole(models.TextChoices):
        REPORTER = "reporter", "Reporter"
        OFFICER = "officer", "Speak-up officer"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=Type.choices)
    at = models.DateTimeField()
    actor_role = models.CharField(max_length=10, choices=ActorRole.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    parameters = models.JSONField(default=dict, blank=True)  # codes only, never free text
    note_enc = models.BinaryField(default=b"")

    class Meta:
        ordering = ["at", "type"]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("report events cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("report events cannot be deleted")


class ReportMessage(models.Model):
    """A message between the reporter and the assigned officer (body encrypted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    author_role = models.CharField(max_length=10, choices=ReportEvent.ActorRole.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()
    body_enc = models.BinaryField(default=b"")

    class Meta:
        ordering = ["sent_at", "author_role"]


class ReportAttachment(models.Model):
    """A file the reporter added; name and bytes encrypted, type and size coded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    added_on = models.DateField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    name_enc = models.BinaryField(default=b"")
    content_enc = models.BinaryField(default=b"")

    class Meta:
        ordering = ["added_on"]


class Reminder(models.Model):
    """A reminder sent to an officer; unique per report, kind and due key so it fires once."""

    class Kind(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Acknowledgement overdue"
        STALLED = "stalled", "No activity for a while"
        UNASSIGNED = "unassigned", "Waiting in the triage queue"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=20)  # the due date (or last-activity date) it is about
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["report", "kind", "key", "officer"],
                                               name="speakup_reminder_once")]
