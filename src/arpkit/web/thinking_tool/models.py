"""The Race, Ethnicity, Culture and Religion Thinking Tool: prompts, tools, answers, timeline.

Prompts are configurable records grouped into domains.  A ``Prompt`` is the stable identity
(its ``key`` never changes); its wording lives in ``PromptVersion`` rows, and an edit adds the
next version instead of changing one, so an answer always points at the exact wording it
answered (web.md §4: published prompt sets are immutable).

A ``Tool`` is one completion of the tool for one child and one piece of work (assessment, plan
or review).  The child is held only by the warehouse pseudonym (``child_key``, HMAC of the
authority's child id, docs/warehouse.md); the raw id is never stored.  The child's ethnic
group is snapshotted when the tool is opened: from the warehouse ``children`` table when the
child is there, otherwise as recorded by the practitioner from the case record
(``ethnicity_source`` says which), so later edits to either do not change past measures.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from arpkit.engine.ethnicity import DFE_CODES, GROUP_LABELS, GROUPS


class Domain(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.label


class Prompt(models.Model):
    """A question's stable identity; the wording is in its versions."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="prompts")
    key = models.SlugField(max_length=80, unique=True)
    order = models.PositiveIntegerField(default=0)
    #: Whether the prompt asks for the child's and family's voice as well as the
    #: practitioner's reflection (the practitioner's own position asks for reflection only).
    asks_voice = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["domain__order", "order", "key"]

    def __str__(self) -> str:
        return self.key

    @property
    def current(self) -> PromptVersion:
        return self.versions.order_by("-number").first()


class PromptVersion(models.Model):
    """One wording of a prompt.  Never edited: a change is a new row with the next number."""

    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    guidance = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["prompt", "number"]
        constraints = [models.UniqueConstraint(fields=["prompt", "number"],
                                               name="tt_one_number_per_prompt")]

    def __str__(self) -> str:
        return f"{self.prompt.key} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("a prompt version is never changed; add a new version")
        super().save(*args, **kwargs)


class WorkKind(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    PLAN = "plan", "Plan"
    REVIEW = "review", "Review"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for sign-off"
    RETURNED = "returned", "Returned with comments"
    SIGNED_OFF = "signed_off", "Signed off"


class EthnicitySource(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse (statutory returns)"
    CASE_RECORD = "case_record", "Recorded from the case record"


GROUP_CHOICES = [(g, GROUP_LABELS[g]) for g in GROUPS]
CODE_CHOICES = [(c.code, f"{c.label} ({c.code})") for c in DFE_CODES.values()]


class Tool(models.Model):
    child_key = models.CharField(max_length=64, db_index=True)
    work_kind = models.CharField(max_length=20, choices=WorkKind.choices)
    work_date = models.DateField(help_text="Start date of the assessment, plan or review")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="thinking_tools")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    ethnicity_code = models.CharField(max_length=4, blank=True, choices=CODE_CHOICES)
    ethnicity_group = models.CharField(max_length=20, choices=GROUP_CHOICES)
    ethnicity_source = models.CharField(max_length=20, choices=EthnicitySource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"Thinking Tool {self.pk}"

    @property
    def editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)

    @property
    def child_ref(self) -> str:
        """A short form of the pseudonym for display (never the authority's id)."""
        return self.child_key[:10]


class Answer(models.Model):
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="answers")
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="+")
    prompt_version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT,
                                       related_name="answers")
    voice = models.TextField(blank=True)
    reflection = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tool", "prompt"],
                                               name="tt_one_answer_per_prompt")]

    @property
    def is_empty(self) -> bool:
        return not (self.voice.strip() or self.reflection.strip())


class ToolEvent(models.Model):
    """One step in a tool's life (created, saved, submitted, returned, signed off): the timeline.

    Append-only, like the audit log; ``comment`` is the manager's note when returning a tool.
    """

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("timeline entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("timeline entries are never deleted")
