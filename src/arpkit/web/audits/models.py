"""Thematic case audit: rounds drawn from the warehouse, questionnaires, grades and moderation.

A round records everything needed to reproduce its sample (web.md section 5): the stages and
period that define the frame, the frame itself (child keys with their stratum), the
allocation, size and seed, and the frame's SHA-256 fingerprint.  Each sampled case snapshots
the child's characteristics at draw time, so later changes to the warehouse do not change past
results.

Grades: the auditor's grade, the moderator's decision (agree, or change with a reason) and the
final grade.  Every grade given is a ``GradeChange`` row that is never updated or deleted, so
the history of each case is immutable.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from arpkit.engine.ethnicity import GROUP_LABELS, GROUPS


class GradeScale(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class GradeLevel(models.Model):
    """One grade; ``rank`` 1 is the best.  ``good_or_better`` marks the grades counted as a
    positive finding (Outstanding and Good on the Ofsted-style scale)."""

    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="levels")
    rank = models.PositiveIntegerField()
    label = models.CharField(max_length=100)
    descriptor = models.TextField(blank=True)
    good_or_better = models.BooleanField(default=False)

    class Meta:
        ordering = ["scale", "rank"]
        constraints = [models.UniqueConstraint(fields=["scale", "rank"],
                                               name="audit_one_rank_per_scale")]

    def __str__(self) -> str:
        return self.label


class Questionnaire(models.Model):
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class Section(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="sections")
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["questionnaire", "order"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    YES_NO_PARTLY = "yes_no_partly", "Yes, no or partly"
    SCALE = "scale", "Scale of 1 to 5"
    TEXT = "text", "Free text"
    EVIDENCE = "evidence", "Evidence notes"


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField()
    key = models.SlugField(max_length=80)
    text = models.TextField()
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)

    class Meta:
        ordering = ["section__order", "order"]

    def __str__(self) -> str:
        return self.key


class Theme(models.Model):
    """A theme auditors tag comments with; findings count cases per theme and group."""

    key = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Allocation(models.TextChoices):
    PROPORTIONAL = "proportional", "Proportional to each group\u2019s size"
    EQUAL = "equal", "The same number from each group"


class AuditRound(models.Model):
    name = models.CharField(max_length=200)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT,
                                      related_name="rounds")
    stages = models.JSONField()
    period = models.PositiveIntegerField()
    basis = models.CharField(max_length=20, default="in_year")
    allocation = models.CharField(max_length=20, choices=Allocation.choices)
    size = models.PositiveIntegerField()
    min_per_stratum = models.PositiveIntegerField(default=0)
    seed = models.BigIntegerField()
    reference_group = models.CharField(max_length=20, default="WHITE")
    frame = models.JSONField(help_text="[[child_key, stratum], ...] as drawn from")
    frame_fingerprint = models.CharField(max_length=64)
    strata = models.JSONField(help_text="[{stratum, frame_size, sample_size, weight}]")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class CaseStatus(models.TextChoices):
    UNASSIGNED = "unassigned", "Not assigned"
    ASSIGNED = "assigned", "Assigned"
    SUBMITTED = "submitted", "Awaiting moderation"
    AGREED = "agreed", "Final grade agreed"


GROUP_CHOICES = [(g, GROUP_LABELS[g]) for g in GROUPS]


class AuditCase(models.Model):
    round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="cases")
    child_key = models.CharField(max_length=64)
    # snapshot at draw time
    stratum = models.CharField(max_length=20, choices=GROUP_CHOICES)
    ethnicity_code = models.CharField(max_length=10, blank=True)
    stage = models.CharField(max_length=20)
    team = models.CharField(max_length=120, blank=True)
    sex = models.CharField(max_length=2, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    weight = models.FloatField()
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="audit_cases")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="moderated_cases")
    status = models.CharField(max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.UNASSIGNED)
    difference_for_child = models.TextField(
        blank=True, verbose_name="What difference did the work make for the child?")
    auditor_grade = models.ForeignKey(GradeLevel, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    final_grade = models.ForeignKey(GradeLevel, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["round", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "child_key"],
                                               name="audit_child_once_per_round")]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    @property
    def child_ref(self) -> str:
        return self.child_key[:10]


class Response(models.Model):
    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, blank=True)
    scale_value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="responses")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "question"],
                                               name="audit_one_response_per_question")]


class GradeStep(models.TextChoices):
    AUDITOR = "auditor", "Auditor\u2019s grade"
    MODERATOR_AGREED = "agreed", "Moderator agreed"
    MODERATOR_CHANGED = "changed", "Moderator changed the grade"


class GradeChange(models.Model):
    """One grade given to a case.  Append-only: never updated, never deleted."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="history")
    step = models.CharField(max_length=20, choices=GradeStep.choices)
    grade = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(GradeLevel, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("grade history is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("grade history is never deleted")
