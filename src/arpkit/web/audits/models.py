"""Thematic case audit: rounds drawn from the warehouse, questionnaires, grades and moderation.

A round records everything needed to reproduce its sample (web.md section 5): the stages and
period that define the frame, the frame itself (child keys with their stratum), the
allocation, size and seed, and the frame's SHA-256 fingerprint.  Each sampled case snapshots
the child's characteristics at draw time, so later changes to the warehouse do not change past
results.

Questionnaires and grading scales are versioned (``Versioned``): a draft version can be
changed, a published one never is, and each round keeps the questionnaire and scale versions it
was drawn with, so old answers and grades always read against their own wording.  Themes are
retired, never deleted, so they stay on the comments that carry them.

Grades: the auditor's grade, the moderator's decision (agree, or change with a reason) and the
final grade, for the case as a whole and for each section of the questionnaire (web.md section
5: each section ends with a grade and the auditor's analysis of why).  Every grade given is a
``GradeChange`` row that is never updated or deleted, so the history of each case is immutable.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from arpkit.engine.ethnicity import GROUP_LABELS, GROUPS


class Versioned(models.Model):
    """A version of a configurable record (a questionnaire or a grading scale).

    Versions of the same record share a ``key`` and are numbered from 1.  A version is a draft
    until it is published; a published version is never changed again (the services refuse),
    so audit rounds that use it, and the answers and grades given in them, always read against
    the wording they were given with.  Changes go into a new draft version copied from it.
    """

    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"],
                                               name="%(app_label)s_%(class)s_one_version")]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __str__(self) -> str:
        return f"{self.name} (version {self.version}{'' if self.is_published else ', draft'})"


class GradeScale(Versioned):
    """A version of a grading scale; its levels are the grades."""

    class Meta(Versioned.Meta):
        pass

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


class Questionnaire(Versioned):
    """A version of a questionnaire: its sections and their questions.  The grading scale is
    chosen separately for each round."""

    class Meta(Versioned.Meta):
        pass

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
    SCALE = "scale", "Scale (a range of numbers)"
    TEXT = "text", "Free text"
    EVIDENCE = "evidence", "Evidence notes"


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField()
    key = models.SlugField(max_length=80)
    text = models.TextField()
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    # Scale questions only: the range offered and the words for its two ends.
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=5)
    scale_min_label = models.CharField(max_length=60, blank=True)
    scale_max_label = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["section__order", "order"]

    def __str__(self) -> str:
        return self.key

    def _end(self, value: int, label: str) -> str:
        return f"{value} ({label})" if label else str(value)

    def scale_choices(self) -> list[tuple[int, str]]:
        """The radio options for a scale question, the two ends carrying their labels."""
        ends = {self.scale_min: self.scale_min_label, self.scale_max: self.scale_max_label}
        return [(i, self._end(i, ends.get(i, ""))) for i in range(self.scale_min,
                                                                 self.scale_max + 1)]

    @property
    def scale_description(self) -> str:
        """"1 (Poor) to 5 (Excellent)": how the range reads in summaries."""
        return (f"{self._end(self.scale_min, self.scale_min_label)} to "
                f"{self._end(self.scale_max, self.scale_max_label)}")


class Theme(models.Model):
    """A theme auditors tag comments with; findings count cases per theme and group.

    A retired theme is no longer offered for new tags but stays on the comments that carry it
    (and in their findings), so it is never deleted.
    """

    key = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    retired_at = models.DateTimeField(null=True, blank=True)

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
    scale = models.ForeignKey(GradeScale, on_delete=models.PROTECT, related_name="rounds")
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


class SectionGrade(models.Model):
    """A case's grades for one section of its questionnaire: the auditor's, with their
    analysis of why, and the final grade after moderation.  The current state only; every
    grade given is also a ``GradeChange`` row naming the section."""

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="section_grades")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    auditor_grade = models.ForeignKey(GradeLevel, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    analysis = models.TextField(blank=True, verbose_name="Why this grade?")
    final_grade = models.ForeignKey(GradeLevel, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "section__order"]
        constraints = [models.UniqueConstraint(fields=["case", "section"],
                                               name="audit_one_grade_per_section")]

    def __str__(self) -> str:
        return f"Case {self.case_id}: {self.section}"


class Escalation(models.Model):
    """A case with a final grade below Good, for the case or for one of its sections, raised
    for action (web.md section 5: a grade of Requires improvement or Inadequate triggers
    escalation, as in Durham's process).  Opened by the moderation that gave the grade; the
    programme lead or an analyst records who it went to and the action agreed, which closes
    it.  "Below Good" is the grading scale's own: a grade not marked good or better."""

    case = models.OneToOneField(AuditCase, on_delete=models.PROTECT, related_name="escalation")
    reason = models.TextField(help_text="The grades below Good, as given at moderation")
    opened_at = models.DateTimeField(auto_now_add=True)
    escalated_to = models.CharField(max_length=200, blank=True,
                                    verbose_name="Who the case was escalated to")
    action = models.TextField(blank=True, verbose_name="The action agreed")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return f"Escalation of case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class GradeStep(models.TextChoices):
    AUDITOR = "auditor", "Auditor\u2019s grade"
    MODERATOR_AGREED = "agreed", "Moderator agreed"
    MODERATOR_CHANGED = "changed", "Moderator changed the grade"


class GradeChange(models.Model):
    """One grade given to a case or to one of its sections.  Append-only: never updated,
    never deleted."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="history")
    #: The section graded; empty for the grade of the case as a whole.
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
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
