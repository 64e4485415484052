"""The programme benefits register: objectives, measures and observations; the action, decision,
risk and policy-milestone log; and the stakeholder engagement log.

Shaped after the benefits-management pattern in shared docs/web.md §6 (``Benefit`` ->
``Measure`` -> ``Observation``): a measure has a baseline (value and date), a target (value and
date), a direction of good and an owner; observations are either entered by hand with evidence
or computed from a registered source (:mod:`arpkit.web.programme.sources`).  The RAG status is
computed from them (:mod:`arpkit.web.programme.rag`), never typed in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Objective(models.Model):
    """One of the programme's strategic outcomes (six are seeded by a data migration)."""

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", "Entered by hand, with evidence"
        LINKED = "linked", "Computed from arpkit's data"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    source_key = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=60, blank=True, help_text="For example: ratio, %, days")
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_date = models.DateField(null=True, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    #: Amber band: how far behind the trajectory still counts as amber, as a share of the
    #: whole planned change from baseline to target.
    tolerance = models.FloatField(default=0.1, validators=[MinValueValidator(0)])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    review_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["objective__order", "pk"]

    def __str__(self) -> str:
        return self.title


class Observation(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        COMPUTED = "computed", "Computed"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="observations")
    date = models.DateField()
    value = models.FloatField()
    evidence = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]


class LogEntry(models.Model):
    """An action, decision, risk or policy milestone (e.g. the anti-racism policy's drafting,
    consultation and approval)."""

    class Kind(models.TextChoices):
        ACTION = "action", "Action"
        DECISION = "decision", "Decision"
        RISK = "risk", "Risk"
        MILESTONE = "milestone", "Policy milestone"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CLOSED = "closed", "Closed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="log_entries")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    #: Risks only: likelihood and impact on 1-5 scales (score = product).
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]

    @property
    def risk_score(self) -> int | None:
        if self.likelihood and self.impact:
            return self.likelihood * self.impact
        return None

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)


class Engagement(models.Model):
    """A meeting with partners: what was shared or agreed, and what follows."""

    class Forum(models.TextChoices):
        MULTI_AGENCY_PANEL = "multi_agency_panel", "Multi-agency panel"
        SAFEGUARDING_FORUM = "safeguarding_forum", "Safeguarding partnership forum"
        REGIONAL_NETWORK = "regional_network", "Regional leadership network"
        COMMUNITY = "community", "Community or faith group"
        OTHER = "other", "Other"

    date = models.DateField()
    forum = models.CharField(max_length=30, choices=Forum.choices)
    partners = models.CharField(max_length=300)
    summary = models.TextField(help_text="What was shared or agreed")
    follow_up = models.TextField(blank=True)
    follow_up_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    follow_up_due = models.DateField(null=True, blank=True)
    follow_up_done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
