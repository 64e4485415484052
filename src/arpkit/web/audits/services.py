"""Writes for case audits: each in a transaction, each recorded in the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from arpkit.engine.sampling import Draw, SamplingError, draw_sample, frame_fingerprint
from arpkit.web.accounts.models import User
from arpkit.web.audit.services import record
from arpkit.web.audits.models import (
    AuditCase,
    AuditRound,
    CaseStatus,
    Escalation,
    GradeChange,
    GradeLevel,
    GradeScale,
    GradeStep,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Section,
    SectionGrade,
    Theme,
)
from arpkit.web.core.permissions import Role


def warehouse_frame(*, period: int, stages: Sequence[str], basis: str = "in_year"):
    """The sampling frame from the warehouse (opened read-only, closed at once)."""
    from pathlib import Path

    from arpkit.engine.sampling import sampling_frame
    from arpkit.engine.warehouse import connect

    path = getattr(settings, "WAREHOUSE_PATH", None)
    if not path or not Path(path).exists():
        raise ValidationError("No warehouse has been imported yet, so there is nothing to "
                              "sample from")
    con = connect(path)
    try:
        return sampling_frame(con, period=period, stages=stages, basis=basis)
    except SamplingError as exc:
        raise ValidationError(str(exc)) from exc
    finally:
        con.disconnect()


def redraw(audit_round: AuditRound) -> Draw:
    """Draw the round's sample again from its stored frame, allocation, size and seed."""
    import pandas as pd

    frame = pd.DataFrame(audit_round.frame, columns=["child_key", "stratum"])
    return draw_sample(frame, size=audit_round.size, seed=audit_round.seed,
                       method=audit_round.allocation,
                       min_per_stratum=audit_round.min_per_stratum)


def warehouse_fingerprint(audit_round: AuditRound) -> str:
    """The fingerprint of the frame the warehouse gives today for the round's stages/period."""
    return frame_fingerprint(warehouse_frame(period=audit_round.period,
                                             stages=audit_round.stages,
                                             basis=audit_round.basis))


@transaction.atomic
def round_create(*, by: User, name: str, questionnaire: Questionnaire, scale: GradeScale,
                 stages: Sequence[str], period: int, allocation: str, size: int, seed: int,
                 min_per_stratum: int = 0, reference_group: str = "WHITE",
                 request: HttpRequest | None = None) -> AuditRound:
    """Draw a stratified sample from the warehouse and record it so it can be reproduced.

    The round keeps the questionnaire and grading-scale versions it is created with; both must
    be published, so they can never change under it.
    """
    errors = {}
    if not questionnaire.is_published:
        errors["questionnaire"] = "Choose a published version of the questionnaire"
    if not scale.is_published:
        errors["scale"] = "Choose a published version of the grading scale"
    if errors:
        raise ValidationError(errors)
    frame = warehouse_frame(period=period, stages=stages)
    if frame.empty:
        raise ValidationError("No children were counted at those stages in that year")
    try:
        draw = draw_sample(frame, size=size, seed=seed, method=allocation,
                           min_per_stratum=min_per_stratum)
    except SamplingError as exc:
        raise ValidationError(str(exc)) from exc
    audit_round = AuditRound.objects.create(
        name=name, questionnaire=questionnaire, scale=scale, stages=list(stages),
        period=period,
        allocation=allocation, size=size, min_per_stratum=min_per_stratum, seed=seed,
        reference_group=reference_group,
        frame=frame[["child_key", "stratum"]].values.tolist(),
        frame_fingerprint=draw.fingerprint,
        strata=draw.allocation.to_dict("records"), created_by=by)
    AuditCase.objects.bulk_create(
        AuditCase(round=audit_round, child_key=r.child_key, stratum=r.stratum,
                  ethnicity_code=r.ethnicity_code or "", stage=r.stage, team=r.team or "",
                  sex=r.sex or "", age_band=r.age_band or "", weight=r.weight)
        for r in draw.sample.itertuples())
    record("audits.round_created", actor=by, obj=audit_round, request=request,
           extra={"period": period, "stages": list(stages), "allocation": allocation,
                  "size": size, "seed": seed, "cases": len(draw.sample),
                  "questionnaire": [questionnaire.key, questionnaire.version],
                  "scale": [scale.key, scale.version]})
    return audit_round


@transaction.atomic
def case_assign(*, case: AuditCase, auditor: User, moderator: User, by: User,
                request: HttpRequest | None = None) -> AuditCase:
    for person, field in ((auditor, "auditor"), (moderator, "moderator")):
        if Role.AUDITOR.value not in person.role_names():
            raise ValidationError({field: "Choose someone with the auditor role"})
    if auditor.pk == moderator.pk:
        raise ValidationError({"moderator": "The moderator must be a different auditor"})
    if case.status in (CaseStatus.SUBMITTED, CaseStatus.AGREED) and case.auditor_id != auditor.pk:
        raise ValidationError({"auditor": "This case has been graded; its auditor is fixed"})
    case.auditor, case.moderator = auditor, moderator
    if case.status == CaseStatus.UNASSIGNED:
        case.status = CaseStatus.ASSIGNED
    case.save(update_fields=["auditor", "moderator", "status"])
    record("audits.case_assigned", actor=by, obj=case, request=request)
    return case


#: ``{section id: {"grade": GradeLevel | None, "analysis": str}}`` from the auditor, and
#: ``{section id: {"grade": GradeLevel | None, "reason": str}}`` from the moderator.
SectionInput = dict[int, dict]


@transaction.atomic
def case_save(*, case: AuditCase, by: User, answers: dict[int, dict], difference: str,
              grade: GradeLevel | None, submit: bool, sections: SectionInput | None = None,
              request: HttpRequest | None = None) -> AuditCase:
    """Save the auditor's answers and section grades; with ``submit``, record the grades.

    ``answers`` maps question id to ``{"choice", "scale_value", "text", "themes"}``.  Each
    section of the questionnaire ends with a grade and the auditor's analysis of why
    (web.md section 5); both are needed for every section before the case can be submitted.
    """
    if case.auditor_id != by.pk or case.status != CaseStatus.ASSIGNED:
        raise ValidationError("only the assigned auditor can change this audit")
    questions = {q.pk: q for q in Question.objects.filter(
        section__questionnaire=case.round.questionnaire)}
    for qid, data in answers.items():
        question = questions[qid]
        response, _ = Response.objects.get_or_create(case=case, question=question)
        response.choice = data.get("choice") or ""
        response.scale_value = data.get("scale_value")
        response.text = (data.get("text") or "").strip()
        response.save()
        response.themes.set(Theme.objects.filter(pk__in=data.get("themes") or []))
    section_grades = _save_section_grades(case, sections or {})
    case.difference_for_child = difference.strip()
    fields = ["difference_for_child"]
    if submit:
        errors = {}
        for sg in section_grades:
            if sg.auditor_grade is None:
                errors.setdefault(f"s{sg.section_id}_grade",
                                  f"Choose the grade for \u2018{sg.section.title}\u2019")
            if not sg.analysis:
                errors.setdefault(f"s{sg.section_id}_analysis",
                                  f"Say why you gave \u2018{sg.section.title}\u2019 this grade")
        if grade is None:
            errors["grade"] = "Choose the grade for this case"
        if not case.difference_for_child:
            errors["difference"] = "Say what difference the work made for the child"
        missing = [q for q in questions.values() if q.kind == QuestionKind.YES_NO_PARTLY
                   and not (answers.get(q.pk) or {}).get("choice")]
        if missing:
            errors[f"q{missing[0].pk}_choice"] = "Answer yes, no or partly"
        if errors:
            raise ValidationError(errors)
        case.auditor_grade = grade
        case.status = CaseStatus.SUBMITTED
        fields += ["auditor_grade", "status"]
        GradeChange.objects.bulk_create(
            GradeChange(case=case, section=sg.section, step=GradeStep.AUDITOR,
                        grade=sg.auditor_grade, actor=by) for sg in section_grades)
        GradeChange.objects.create(case=case, step=GradeStep.AUDITOR, grade=grade, actor=by)
    case.save(update_fields=fields)
    record("audits.case_submitted" if submit else "audits.case_saved", actor=by, obj=case,
           request=request)
    return case


def _save_section_grades(case: AuditCase, sections: SectionInput) -> list[SectionGrade]:
    """Store the auditor's grade and analysis for every section of the case's questionnaire
    (a section left out keeps what was saved before); returns them in section order."""
    saved = {sg.section_id: sg for sg in case.section_grades.all()}
    out = []
    for section in Section.objects.filter(questionnaire=case.round.questionnaire):
        sg = saved.get(section.pk) or SectionGrade(case=case, section=section)
        if section.pk in sections:
            data = sections[section.pk]
            grade = data.get("grade")
            if grade is not None and grade.scale_id != case.round.scale_id:
                raise ValidationError({f"s{section.pk}_grade":
                                       "Choose a grade from this round\u2019s scale"})
            sg.auditor_grade = grade
            sg.analysis = (data.get("analysis") or "").strip()
            sg.save()
        sg.section = section
        out.append(sg)
    return out


@transaction.atomic
def case_moderate(*, case: AuditCase, by: User, agree: bool, grade: GradeLevel | None = None,
                  reason: str = "", sections: SectionInput | None = None,
                  request: HttpRequest | None = None) -> AuditCase:
    """The moderator agrees the auditor's grade or changes it with a reason; that is final.

    The same for each section the auditor graded: a section whose grade is not changed (left
    out of ``sections``, or given the auditor's grade) is agreed; a changed one needs a reason.
    """
    if case.moderator_id != by.pk or case.status != CaseStatus.SUBMITTED:
        raise ValidationError("only the assigned moderator can moderate a submitted audit")
    errors = {}
    if not agree:
        if grade is None or grade == case.auditor_grade:
            errors["grade"] = "Choose a different grade, or agree the auditor\u2019s grade"
        if not reason.strip():
            errors["reason"] = "Give the reason for changing the grade"
    decisions = []
    graded = case.section_grades.filter(auditor_grade__isnull=False).select_related(
        "section", "auditor_grade")
    for sg in graded:
        data = (sections or {}).get(sg.section_id) or {}
        final = data.get("grade") or sg.auditor_grade
        why = (data.get("reason") or "").strip()
        if final.scale_id != case.round.scale_id:
            errors[f"s{sg.section_id}_grade"] = "Choose a grade from this round\u2019s scale"
        elif final != sg.auditor_grade and not why:
            errors[f"s{sg.section_id}_reason"] = (
                f"Give the reason for changing the grade for \u2018{sg.section.title}\u2019")
        decisions.append((sg, final, why))
    if errors:
        raise ValidationError(errors)
    for sg, final, why in decisions:
        changed = final != sg.auditor_grade
        GradeChange.objects.create(
            case=case, section=sg.section,
            step=GradeStep.MODERATOR_CHANGED if changed else GradeStep.MODERATOR_AGREED,
            grade=final, previous=sg.auditor_grade, reason=why if changed else "", actor=by)
        sg.final_grade = final
        sg.save(update_fields=["final_grade"])
    if agree:
        final = case.auditor_grade
        GradeChange.objects.create(case=case, step=GradeStep.MODERATOR_AGREED, grade=final,
                                   previous=case.auditor_grade, actor=by)
    else:
        final = grade
        GradeChange.objects.create(case=case, step=GradeStep.MODERATOR_CHANGED, grade=grade,
                                   previous=case.auditor_grade, reason=reason.strip(),
                                   actor=by)
    case.final_grade = final
    case.status = CaseStatus.AGREED
    case.save(update_fields=["final_grade", "status"])
    record("audits.case_moderated", actor=by, obj=case, request=request,
           extra={"agreed": agree,
                  "sections_changed": sum(f != sg.auditor_grade for sg, f, _ in decisions)})
    below = [("The case as a whole", final)] if not final.good_or_better else []
    below += [(f"\u2018{sg.section.title}\u2019", f) for sg, f, _ in decisions
              if not f.good_or_better]
    if below:
        escalation = Escalation.objects.create(
            case=case, reason="; ".join(f"{what}: {grade.label}" for what, grade in below))
        record("audits.case_escalated", actor=by, obj=case, request=request,
               extra={"escalation": escalation.pk, "grades_below_good": len(below)})
    return case


@transaction.atomic
def escalation_close(*, escalation: Escalation, by: User, escalated_to: str, action: str,
                     request: HttpRequest | None = None) -> Escalation:
    """Record who an escalated case went to and the action agreed; that closes it."""
    if not escalation.is_open:
        raise ValidationError("This escalation has already been closed")
    errors = {}
    if not escalated_to.strip():
        errors["escalated_to"] = "Say who the case was escalated to"
    if not action.strip():
        errors["action"] = "Say what action was agreed"
    if errors:
        raise ValidationError(errors)
    escalation.escalated_to = escalated_to.strip()
    escalation.action = action.strip()
    escalation.closed_by = by
    escalation.closed_at = timezone.now()
    escalation.save(update_fields=["escalated_to", "action", "closed_by", "closed_at"])
    record("audits.escalation_closed", actor=by, obj=escalation.case, request=request,
           extra={"escalation": escalation.pk})
    return escalation
