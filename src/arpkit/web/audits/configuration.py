"""Writes that configure case audits: questionnaires, grading scales and comment themes.

Questionnaires and grading scales are versioned (:class:`~arpkit.web.audits.models.Versioned`).
A new version starts as a draft copied from the version it replaces; only a draft can be
changed, and publishing it freezes it.  Rounds choose a published questionnaire and a published
scale when they are drawn and keep them, so every answer and grade reads against the wording it
was given with, however the configuration moves on.  Themes are never deleted, only retired:
retired themes stay on the comments already tagged with them.

Each write runs in a transaction and is recorded in the audit log with codes for what changed
(keys, versions, field names), never the wording itself.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from arpkit.web.accounts.models import User
from arpkit.web.audit.services import record
from arpkit.web.audits.models import (
    GradeLevel,
    GradeScale,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    Theme,
    Versioned,
)

ARRANGE_ACTIONS = ("up", "down", "remove")
#: The widest scale question offered: eleven points (0 to 10) is the usual maximum.
MAX_SCALE_POINTS = 11
QUESTION_FIELDS = ("text", "kind", "scale_min", "scale_max", "scale_min_label",
                   "scale_max_label")


def _check_draft(version: Versioned) -> None:
    if version.is_published:
        raise ValidationError(
            f"Version {version.version} of {version.name} is published, so it cannot be "
            "changed: rounds may be using it. Create a new version to make changes.")


def _unique_slug(text: str, taken: set[str], fallback: str, max_length: int) -> str:
    base = slugify(text)[:max_length - 4].strip("-") or fallback
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _arrange(item: Model, siblings: QuerySet, field: str, action: str) -> None:
    """Move ``item`` up or down among its siblings, or remove it; then number them 1..n.

    Numbers are first moved out of the way so a unique (parent, number) rule never sees two
    rows with the same number in between.
    """
    if action not in ARRANGE_ACTIONS:
        raise ValidationError(f"Unknown change {action!r}")
    items = list(siblings.order_by(field, "pk"))
    i = next(n for n, other in enumerate(items) if other.pk == item.pk)
    if action == "remove":
        items.pop(i)
        item.delete()
    elif action == "up" and i > 0:
        items[i - 1], items[i] = items[i], items[i - 1]
    elif action == "down" and i < len(items) - 1:
        items[i], items[i + 1] = items[i + 1], items[i]
    siblings.update(**{field: F(field) + 10_000})
    for number, other in enumerate(items, start=1):
        type(other).objects.filter(pk=other.pk).update(**{field: number})


def _next_number(siblings: QuerySet, field: str) -> int:
    return (siblings.aggregate(top=Max(field))["top"] or 0) + 1


def _new_version(model: type[Versioned], source: Versioned, by: User) -> tuple[Versioned, bool]:
    # Locking every version of the key stops two people starting two drafts at once.
    versions = list(model.objects.select_for_update().filter(key=source.key))
    draft = next((v for v in versions if not v.is_published), None)
    if draft is not None:
        return draft, False
    number = max(v.version for v in versions) + 1
    return model.objects.create(key=source.key, version=number, name=source.name,
                                created_by=by), True


def _publish(version: Versioned, by: User) -> None:
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["published_at", "published_by"])


# Questionnaires ------------------------------------------------------------------------------

@transaction.atomic
def questionnaire_start(*, by: User, name: str, request: HttpRequest | None = None
                        ) -> Questionnaire:
    """A new questionnaire, as an empty draft version 1."""
    if not name.strip():
        raise ValidationError({"name": "Enter the name of the questionnaire"})
    key = _unique_slug(name, set(Questionnaire.objects.values_list("key", flat=True)),
                       "questionnaire", 60)
    questionnaire = Questionnaire.objects.create(key=key, version=1, name=name.strip(),
                                                 created_by=by)
    record("audits.questionnaire_started", actor=by, obj=questionnaire, request=request,
           extra={"key": key})
    return questionnaire


@transaction.atomic
def questionnaire_new_version(*, source: Questionnaire, by: User,
                              request: HttpRequest | None = None
                              ) -> tuple[Questionnaire, bool]:
    """A draft copy of ``source`` to change, numbered after the newest version; or the draft
    already being edited (``created`` False), since a questionnaire has one draft at a time."""
    draft, created = _new_version(Questionnaire, source, by)
    if not created:
        return draft, False
    for section in source.sections.prefetch_related("questions"):
        copy = Section.objects.create(questionnaire=draft, order=section.order,
                                      title=section.title)
        Question.objects.bulk_create(
            Question(section=copy, order=q.order, key=q.key,
                     **{f: getattr(q, f) for f in QUESTION_FIELDS})
            for q in section.questions.all())
    record("audits.questionnaire_version_created", actor=by, obj=draft, request=request,
           extra={"key": draft.key, "version": draft.version, "from_version": source.version})
    return draft, True


@transaction.atomic
def questionnaire_publish(*, questionnaire: Questionnaire, by: User,
                          request: HttpRequest | None = None) -> Questionnaire:
    """Freeze the draft so rounds can use it.  Every section needs at least one question."""
    _check_draft(questionnaire)
    sections = list(questionnaire.sections.annotate(n=Count("questions")))
    if not sections:
        raise ValidationError("Add at least one section with a question before publishing")
    empty = [s.title for s in sections if s.n == 0]
    if empty:
        raise ValidationError(f"The section \u201c{empty[0]}\u201d has no questions: add a "
                              "question to it or remove it")
    _publish(questionnaire, by)
    record("audits.questionnaire_published", actor=by, obj=questionnaire, request=request,
           extra={"key": questionnaire.key, "version": questionnaire.version,
                  "sections": len(sections), "questions": sum(s.n for s in sections)})
    return questionnaire


def _changed(questionnaire: Questionnaire, by: User, request: HttpRequest | None,
             **extra: Any) -> None:
    record("audits.questionnaire_changed", actor=by, obj=questionnaire, request=request,
           extra={"version": questionnaire.version, **extra})


@transaction.atomic
def section_add(*, questionnaire: Questionnaire, title: str, by: User,
                request: HttpRequest | None = None) -> Section:
    _check_draft(questionnaire)
    if not title.strip():
        raise ValidationError({"title": "Enter the section\u2019s title"})
    section = Section.objects.create(
        questionnaire=questionnaire, title=title.strip(),
        order=_next_number(questionnaire.sections.all(), "order"))
    _changed(questionnaire, by, request, change="section_added", section=section.pk)
    return section


@transaction.atomic
def section_update(*, section: Section, title: str, by: User,
                   request: HttpRequest | None = None) -> Section:
    _check_draft(section.questionnaire)
    if not title.strip():
        raise ValidationError({"title": "Enter the section\u2019s title"})
    section.title = title.strip()
    section.save(update_fields=["title"])
    _changed(section.questionnaire, by, request, change="section_edited", section=section.pk)
    return section


@transaction.atomic
def section_arrange(*, section: Section, action: str, by: User,
                    request: HttpRequest | None = None) -> None:
    """Move a section up or down, or remove it with its questions (drafts have no answers)."""
    questionnaire = section.questionnaire
    _check_draft(questionnaire)
    pk = section.pk
    _arrange(section, questionnaire.sections.all(), "order", action)
    _changed(questionnaire, by, request, change=f"section_{action}", section=pk)


def _clean_question(data: dict[str, Any]) -> dict[str, Any]:
    """Check a question's fields; scale settings are kept only for scale questions."""
    fields = {f: data.get(f) for f in QUESTION_FIELDS}
    errors = {}
    fields["text"] = (fields["text"] or "").strip()
    if not fields["text"]:
        errors["text"] = "Enter the question"
    if fields["kind"] not in QuestionKind.values:
        errors["kind"] = "Choose the type of answer"
    if fields["kind"] == QuestionKind.SCALE:
        low, high = fields["scale_min"], fields["scale_max"]
        if low is None:
            errors["scale_min"] = "Enter the lowest number on the scale"
        if high is None:
            errors["scale_max"] = "Enter the highest number on the scale"
        if low is not None and high is not None:
            if low < 0:
                errors["scale_min"] = "The lowest number must be 0 or more"
            elif high <= low:
                errors["scale_max"] = "The highest number must be more than the lowest"
            elif high - low + 1 > MAX_SCALE_POINTS:
                errors["scale_max"] = (f"A scale can have at most {MAX_SCALE_POINTS} points")
        for end in ("scale_min_label", "scale_max_label"):
            fields[end] = (fields[end] or "").strip()
    else:
        fields.update(scale_min=1, scale_max=5, scale_min_label="", scale_max_label="")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def question_add(*, section: Section, by: User, request: HttpRequest | None = None,
                 **data: Any) -> Question:
    """Add a question at the end of the section; its key comes from its wording and is unique
    in the questionnaire (keys let a question be followed across versions)."""
    questionnaire = section.questionnaire
    _check_draft(questionnaire)
    fields = _clean_question(data)
    taken = set(Question.objects.filter(section__questionnaire=questionnaire)
                .values_list("key", flat=True))
    question = Question.objects.create(
        section=section, key=_unique_slug(fields["text"], taken, "question", 80),
        order=_next_number(section.questions.all(), "order"), **fields)
    _changed(questionnaire, by, request, change="question_added", question=question.key)
    return question


@transaction.atomic
def question_update(*, question: Question, by: User, request: HttpRequest | None = None,
                    **data: Any) -> Question:
    questionnaire = question.section.questionnaire
    _check_draft(questionnaire)
    fields = _clean_question(data)
    changed = [f for f, value in fields.items() if getattr(question, f) != value]
    for f, value in fields.items():
        setattr(question, f, value)
    question.save(update_fields=list(fields))
    _changed(questionnaire, by, request, change="question_edited", question=question.key,
             fields=changed)
    return question


@transaction.atomic
def question_arrange(*, question: Question, action: str, by: User,
                     request: HttpRequest | None = None) -> None:
    """Move a question up or down within its section, or remove it."""
    section = question.section
    _check_draft(section.questionnaire)
    key = question.key
    _arrange(question, section.questions.all(), "order", action)
    _changed(section.questionnaire, by, request, change=f"question_{action}", question=key)


# Grading scales ------------------------------------------------------------------------------

@transaction.atomic
def scale_start(*, by: User, name: str, request: HttpRequest | None = None) -> GradeScale:
    """A new grading scale, as an empty draft version 1."""
    if not name.strip():
        raise ValidationError({"name": "Enter the name of the grading scale"})
    key = _unique_slug(name, set(GradeScale.objects.values_list("key", flat=True)),
                       "scale", 60)
    scale = GradeScale.objects.create(key=key, version=1, name=name.strip(), created_by=by)
    record("audits.scale_started", actor=by, obj=scale, request=request, extra={"key": key})
    return scale


@transaction.atomic
def scale_new_version(*, source: GradeScale, by: User, request: HttpRequest | None = None
                      ) -> tuple[GradeScale, bool]:
    """A draft copy of ``source`` and its grades, or the draft already being edited."""
    draft, created = _new_version(GradeScale, source, by)
    if not created:
        return draft, False
    GradeLevel.objects.bulk_create(
        GradeLevel(scale=draft, rank=level.rank, label=level.label,
                   descriptor=level.descriptor, good_or_better=level.good_or_better)
        for level in source.levels.all())
    record("audits.scale_version_created", actor=by, obj=draft, request=request,
           extra={"key": draft.key, "version": draft.version, "from_version": source.version})
    return draft, True


@transaction.atomic
def scale_publish(*, scale: GradeScale, by: User, request: HttpRequest | None = None
                  ) -> GradeScale:
    """Freeze the draft.  Findings report the share of cases graded "Good or better", so a
    scale needs at least one grade on each side of that line."""
    _check_draft(scale)
    levels = list(scale.levels.all())
    if len(levels) < 2:
        raise ValidationError("A grading scale needs at least two grades")
    if not any(level.good_or_better for level in levels):
        raise ValidationError("Mark at least one grade as counting as good or better")
    if all(level.good_or_better for level in levels):
        raise ValidationError("At least one grade must not count as good or better")
    _publish(scale, by)
    record("audits.scale_published", actor=by, obj=scale, request=request,
           extra={"key": scale.key, "version": scale.version, "grades": len(levels)})
    return scale


def _clean_level(scale: GradeScale, label: str, exclude: int | None = None) -> str:
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Enter the grade"})
    if scale.levels.exclude(pk=exclude).filter(label__iexact=label).exists():
        raise ValidationError({"label": "This scale already has a grade with that name"})
    return label


@transaction.atomic
def level_add(*, scale: GradeScale, label: str, descriptor: str = "",
              good_or_better: bool = False, by: User, request: HttpRequest | None = None
              ) -> GradeLevel:
    """Add a grade below the others (rank 1 is the best)."""
    _check_draft(scale)
    level = GradeLevel.objects.create(
        scale=scale, label=_clean_level(scale, label), descriptor=descriptor.strip(),
        good_or_better=good_or_better, rank=_next_number(scale.levels.all(), "rank"))
    record("audits.scale_changed", actor=by, obj=scale, request=request,
           extra={"version": scale.version, "change": "grade_added", "grade": level.pk})
    return level


@transaction.atomic
def level_update(*, level: GradeLevel, label: str, descriptor: str = "",
                 good_or_better: bool = False, by: User, request: HttpRequest | None = None
                 ) -> GradeLevel:
    scale = level.scale
    _check_draft(scale)
    fields = {"label": _clean_level(scale, label, exclude=level.pk),
              "descriptor": descriptor.strip(), "good_or_better": good_or_better}
    changed = [f for f, value in fields.items() if getattr(level, f) != value]
    for f, value in fields.items():
        setattr(level, f, value)
    level.save(update_fields=list(fields))
    record("audits.scale_changed", actor=by, obj=scale, request=request,
           extra={"version": scale.version, "change": "grade_edited", "grade": level.pk,
                  "fields": changed})
    return level


@transaction.atomic
def level_arrange(*, level: GradeLevel, action: str, by: User,
                  request: HttpRequest | None = None) -> None:
    """Move a grade up (better) or down (worse), or remove it."""
    scale = level.scale
    _check_draft(scale)
    pk = level.pk
    _arrange(level, scale.levels.all(), "rank", action)
    record("audits.scale_changed", actor=by, obj=scale, request=request,
           extra={"version": scale.version, "change": f"grade_{action}", "grade": pk})


# Themes --------------------------------------------------------------------------------------

@transaction.atomic
def theme_add(*, label: str, by: User, request: HttpRequest | None = None) -> Theme:
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Enter the theme"})
    existing = Theme.objects.filter(label__iexact=label).first()
    if existing is not None:
        raise ValidationError({"label": "There is already a theme with that name" + (
            ": reinstate it instead" if existing.retired_at else "")})
    theme = Theme.objects.create(
        label=label, key=_unique_slug(label, set(Theme.objects.values_list("key", flat=True)),
                                      "theme", 60))
    record("audits.theme_added", actor=by, obj=theme, request=request,
           extra={"key": theme.key})
    return theme


@transaction.atomic
def theme_retire(*, theme: Theme, retire: bool, by: User, request: HttpRequest | None = None
                 ) -> Theme:
    """Stop offering a theme for new comments (``retire``), or offer it again.  Comments
    already tagged keep the theme either way."""
    if retire == (theme.retired_at is not None):
        return theme
    theme.retired_at = timezone.now() if retire else None
    theme.save(update_fields=["retired_at"])
    record("audits.theme_retired" if retire else "audits.theme_reinstated", actor=by,
           obj=theme, request=request, extra={"key": theme.key})
    return theme
