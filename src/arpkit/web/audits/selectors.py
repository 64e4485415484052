"""Who sees which audit rounds and cases, and the configuration records.

Analysts and the programme lead see every round and its findings, and configure the
questionnaires, grading scales and themes.  An auditor sees only the cases assigned to them, as
auditor or as moderator; anything else is the same 404 as a missing case.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from arpkit.web.accounts.models import User
from arpkit.web.audits.models import (
    AuditCase,
    AuditRound,
    CaseStatus,
    Escalation,
    GradeChange,
    GradeLevel,
    GradeScale,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    Theme,
)
from arpkit.web.core.permissions import Role, has_permission


def rounds_visible_to(user: User) -> QuerySet[AuditRound]:
    if not has_permission(user, "audits.manage_rounds"):
        return AuditRound.objects.none()
    return AuditRound.objects.select_related("questionnaire", "scale", "created_by")


def round_for_manager(user: User, pk: int) -> AuditRound:
    found = rounds_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such audit round")
    return found


def case_for_manager(user: User, pk: int) -> AuditCase:
    found = (AuditCase.objects.filter(pk=pk, round__in=rounds_visible_to(user))
             .select_related("round").first())
    if found is None:
        raise Http404("no such audit case")
    return found


def escalation_for_manager(user: User, pk: int) -> Escalation:
    """The escalation of case ``pk`` in a round the user manages (404 if there is none)."""
    found = (Escalation.objects.filter(case__pk=pk, case__round__in=rounds_visible_to(user))
             .select_related("case__round", "closed_by").first())
    if found is None:
        raise Http404("no escalation for this audit case")
    return found


def auditors() -> QuerySet[User]:
    return User.objects.filter(role_assignments__role=Role.AUDITOR.value, is_active=True)


def cases_for(user: User) -> QuerySet[AuditCase]:
    if not has_permission(user, "audits.audit"):
        return AuditCase.objects.none()
    return (AuditCase.objects.filter(Q(auditor=user) | Q(moderator=user))
            .exclude(status=CaseStatus.UNASSIGNED)
            .select_related("round", "auditor", "moderator", "auditor_grade", "final_grade"))


def case_for(user: User, pk: int) -> AuditCase:
    found = cases_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such audit case")
    return found


def answer_sheet(case: AuditCase) -> list[dict]:
    """The case's answers laid out on the questionnaire version its round was created with:
    ``[{"section", "items": [{"question", "answer", "themes"}], "grade"}]`` (``grade`` the
    section's :class:`SectionGrade` or None), unanswered questions included.  Later versions
    of the questionnaire never change how old answers read."""
    responses = {r.question_id: r for r in case.responses.prefetch_related("themes")}
    grades = {sg.section_id: sg for sg in case.section_grades.select_related(
        "auditor_grade", "final_grade")}
    sheet = []
    for section in case.round.questionnaire.sections.prefetch_related("questions"):
        items = []
        for question in section.questions.all():
            response = responses.get(question.pk)
            items.append({"question": question, "answer": _answer_text(question, response),
                          "themes": list(response.themes.all()) if response else []})
        sheet.append({"section": section, "items": items, "grade": grades.get(section.pk)})
    return sheet


def grade_history(case: AuditCase) -> QuerySet[GradeChange]:
    """Every grade given to the case and its sections, oldest first, ready to list."""
    return case.history.select_related("section", "grade", "previous", "actor")


def _answer_text(question: Question, response) -> str:
    if response is None:
        return ""
    parts = []
    if question.kind == QuestionKind.YES_NO_PARTLY and response.choice:
        parts.append(response.choice.capitalize() + ".")
    if question.kind == QuestionKind.SCALE and response.scale_value is not None:
        parts.append(f"{response.scale_value} on a scale of {question.scale_description}.")
    if response.text:
        parts.append(response.text)
    return " ".join(parts)


# Configuration: questionnaires, grading scales and themes (programme lead and analysts).

def _configurer(user: User) -> bool:
    return has_permission(user, "audits.configure")


def questionnaires_for_configuration(user: User) -> QuerySet[Questionnaire]:
    """Every version, grouped by key with the newest first, counting the rounds using each."""
    if not _configurer(user):
        return Questionnaire.objects.none()
    return Questionnaire.objects.annotate(round_count=Count("rounds")).order_by("key",
                                                                              "-version")


def scales_for_configuration(user: User) -> QuerySet[GradeScale]:
    if not _configurer(user):
        return GradeScale.objects.none()
    return GradeScale.objects.annotate(round_count=Count("rounds")).order_by("key", "-version")


def _one(queryset: QuerySet, pk: int, what: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"no such {what}")
    return found


def questionnaire_for_configuration(user: User, pk: int) -> Questionnaire:
    return _one(questionnaires_for_configuration(user), pk, "questionnaire")


def scale_for_configuration(user: User, pk: int) -> GradeScale:
    return _one(scales_for_configuration(user), pk, "grading scale")


def section_for_configuration(user: User, pk: int) -> Section:
    queryset = Section.objects.select_related("questionnaire")
    return _one(queryset if _configurer(user) else queryset.none(), pk, "section")


def question_for_configuration(user: User, pk: int) -> Question:
    queryset = Question.objects.select_related("section__questionnaire")
    return _one(queryset if _configurer(user) else queryset.none(), pk, "question")


def level_for_configuration(user: User, pk: int) -> GradeLevel:
    queryset = GradeLevel.objects.select_related("scale")
    return _one(queryset if _configurer(user) else queryset.none(), pk, "grade")


def themes_for_configuration(user: User) -> QuerySet[Theme]:
    if not _configurer(user):
        return Theme.objects.none()
    return Theme.objects.annotate(comment_count=Count("responses")).order_by(
        "retired_at", "label")


def theme_for_configuration(user: User, pk: int) -> Theme:
    return _one(themes_for_configuration(user), pk, "theme")


def draft_of(record: Questionnaire | GradeScale) -> Questionnaire | GradeScale | None:
    """The draft version of the same questionnaire or scale, if one is being edited."""
    return type(record).objects.filter(key=record.key, published_at__isnull=True).first()


def published_questionnaires() -> QuerySet[Questionnaire]:
    """Versions a round can use, the most recently published first (the default)."""
    return Questionnaire.objects.filter(published_at__isnull=False).order_by("-published_at",
                                                                             "-pk")


def published_scales() -> QuerySet[GradeScale]:
    return GradeScale.objects.filter(published_at__isnull=False).order_by("-published_at",
                                                                          "-pk")
