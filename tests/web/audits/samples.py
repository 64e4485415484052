"""URL arguments for the case audit views, as records the signed-in user is entitled to."""

from __future__ import annotations

import itertools

from arpkit.web.audits import selectors
from arpkit.web.audits.models import (
    AuditCase,
    AuditRound,
    CaseStatus,
    Escalation,
    GradeLevel,
    GradeScale,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    Theme,
)

_n = itertools.count()


def make_round(user=None) -> AuditRound:
    from tests.web.support import make_user

    creator = user or make_user(username=f"sample-creator-{next(_n)}")
    frame = [[f"{i:064x}", "WHITE" if i % 2 else "BLACK"] for i in range(10)]
    audit_round = AuditRound.objects.create(
        name="Sample round", questionnaire=selectors.published_questionnaires().first(),
        scale=selectors.published_scales().first(), stages=["cin"],
        period=2025, allocation="equal", size=4, seed=1, frame=frame, frame_fingerprint="0",
        strata=[{"stratum": "WHITE", "frame_size": 5, "sample_size": 2, "weight": 2.5},
                {"stratum": "BLACK", "frame_size": 5, "sample_size": 2, "weight": 2.5}],
        created_by=creator)
    for key, stratum in frame[:4]:
        AuditCase.objects.create(round=audit_round, child_key=key, stratum=stratum,
                                 stage="cin", weight=2.5)
    return audit_round


def _round(user) -> dict:
    return {"pk": make_round(user).pk}


def _case_to_assign(user) -> dict:
    return {"pk": make_round(user).cases.first().pk}


def _case(user) -> dict:
    case = make_round().cases.first()
    if user is not None:
        case.auditor = user
        case.status = CaseStatus.ASSIGNED
        case.save()
    return {"pk": case.pk}


def _escalated_case(user) -> dict:
    """A case of a round the user manages, graded below Good at moderation."""
    case = make_round(user).cases.first()
    below = case.round.scale.levels.filter(good_or_better=False).first()
    AuditCase.objects.filter(pk=case.pk).update(status=CaseStatus.AGREED, final_grade=below)
    Escalation.objects.create(case=case, reason=f"The case as a whole: {below.label}")
    return {"pk": case.pk}


def make_draft_questionnaire() -> Questionnaire:
    """A draft (changeable) questionnaire with one section and one question."""
    n = next(_n)
    questionnaire = Questionnaire.objects.create(key=f"sample-{n}", version=1,
                                                 name=f"Sample questionnaire {n}")
    section = Section.objects.create(questionnaire=questionnaire, order=1, title="Identity")
    Question.objects.create(section=section, order=1, key="explored",
                            kind=QuestionKind.YES_NO_PARTLY, text="Was identity explored?")
    return questionnaire


def make_draft_scale() -> GradeScale:
    n = next(_n)
    scale = GradeScale.objects.create(key=f"sample-{n}", version=1, name=f"Sample scale {n}")
    GradeLevel.objects.create(scale=scale, rank=1, label="Good", good_or_better=True)
    GradeLevel.objects.create(scale=scale, rank=2, label="Not yet good")
    return scale


def _questionnaire() -> dict:
    return {"pk": make_draft_questionnaire().pk}


def _section() -> dict:
    return {"pk": make_draft_questionnaire().sections.get().pk}


def _question() -> dict:
    return {"pk": Question.objects.get(section__questionnaire=make_draft_questionnaire()).pk}


def _scale() -> dict:
    return {"pk": make_draft_scale().pk}


def _level() -> dict:
    return {"pk": make_draft_scale().levels.first().pk}


def _theme() -> dict:
    return {"pk": Theme.objects.create(key=f"sample-{next(_n)}", label="Sample theme").pk}


SAMPLES = {
    "audits:round": _round,
    "audits:round_verify": _round,
    "audits:findings": _round,
    "audits:findings_export": _round,
    "audits:assign": _case_to_assign,
    "audits:escalation": _escalated_case,
    "audits:case": _case,
    "audits:questionnaire": _questionnaire,
    "audits:questionnaire_new_version": _questionnaire,
    "audits:questionnaire_publish": _questionnaire,
    "audits:section_create": _questionnaire,
    "audits:section_edit": _section,
    "audits:section_arrange": _section,
    "audits:question_create": _section,
    "audits:question_edit": _question,
    "audits:question_arrange": _question,
    "audits:scale": _scale,
    "audits:scale_new_version": _scale,
    "audits:scale_publish": _scale,
    "audits:level_create": _scale,
    "audits:level_edit": _level,
    "audits:level_arrange": _level,
    "audits:theme_retire": _theme,
}
