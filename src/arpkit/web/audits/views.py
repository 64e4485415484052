"""Thin views for case audit rounds, auditing, moderation and findings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arpkit.web.audit.services import record
from arpkit.web.audits import findings, selectors, services
from arpkit.web.audits.forms import (
    AssignForm,
    AuditForm,
    EscalationForm,
    ModerateForm,
    RoundForm,
)
from arpkit.web.audits.models import CaseStatus
from arpkit.web.core.access import access
from arpkit.web.core.forms import apply_service_errors
from arpkit.web.core.permissions import has_permission


def _unsuppressed(request: HttpRequest) -> bool:
    return has_permission(request.user, "dashboards.view_unsuppressed")


@access("audits.manage_rounds")
def rounds(request: HttpRequest) -> HttpResponse:
    return render(request, "audits/rounds.html", {
        "rounds": selectors.rounds_visible_to(request.user),
        "perms_configure": has_permission(request.user, "audits.configure")})


@access("audits.manage_rounds")
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.round_create(
                by=request.user, name=data["name"], questionnaire=data["questionnaire"],
                scale=data["scale"], stages=data["stages"], period=data["period"],
                allocation=data["allocation"], size=data["size"], seed=data["seed"],
                min_per_stratum=data["min_per_stratum"] or 0,
                reference_group=data["reference_group"], request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Drew {created.cases.count()} cases with seed "
                                      f"{created.seed}.")
            return redirect("audits:round", pk=created.pk)
    return render(request, "audits/round_form.html", {"form": form})


@access("audits.manage_rounds")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit_round = selectors.round_for_manager(request.user, pk)
    record("audits.round_viewed", actor=request.user, obj=audit_round, request=request)
    return render(request, "audits/round.html", {
        "round": audit_round,
        "cases": audit_round.cases.select_related("auditor", "moderator", "final_grade",
                                                  "escalation")})


@access("audits.manage_rounds")
def round_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-draw from the stored frame (and the warehouse's frame today) and compare."""
    audit_round = selectors.round_for_manager(request.user, pk)
    again = services.redraw(audit_round)
    drawn = set(audit_round.cases.values_list("child_key", flat=True))
    same_sample = set(again.sample["child_key"]) == drawn
    try:
        today = services.warehouse_fingerprint(audit_round)
        same_frame: bool | None = today == audit_round.frame_fingerprint
    except ValidationError:
        same_frame = None
    record("audits.round_verified", actor=request.user, obj=audit_round, request=request,
           extra={"same_sample": same_sample, "same_frame": same_frame})
    return render(request, "audits/verify.html", {"round": audit_round,
                                                  "same_sample": same_sample,
                                                  "same_frame": same_frame})


@access("audits.manage_rounds")
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_manager(request.user, pk)
    form = AssignForm(request.POST or None, people=selectors.auditors(),
                      initial={"auditor": case.auditor, "moderator": case.moderator})
    if request.method == "POST" and form.is_valid():
        try:
            services.case_assign(case=case, by=request.user, request=request,
                                 **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Case {case.pk} assigned.")
            return redirect("audits:round", pk=case.round_id)
    return render(request, "audits/assign.html", {"case": case, "form": form})


@access("audits.manage_rounds")
def escalation(request: HttpRequest, pk: int) -> HttpResponse:
    """An escalated case: its answers and grades, and who it went to with the action agreed
    (recorded here, which closes it)."""
    found = selectors.escalation_for_manager(request.user, pk)
    form = EscalationForm(request.POST or None) if found.is_open else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.escalation_close(escalation=found, by=request.user, request=request,
                                      **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"The action for case {pk} has been recorded.")
            return redirect("audits:round", pk=found.case.round_id)
    if request.method == "GET":
        record("audits.escalation_viewed", actor=request.user, obj=found.case, request=request)
    case = found.case
    return render(request, "audits/escalation.html", {
        "case": case, "escalation": found, "form": form,
        "sheet": selectors.answer_sheet(case),
        "history": selectors.grade_history(case)})


@access("audits.view_findings")
def round_findings(request: HttpRequest, pk: int) -> HttpResponse:
    audit_round = selectors.round_for_manager(request.user, pk)
    unsuppressed = _unsuppressed(request)
    record("audits.findings_viewed", actor=request.user, obj=audit_round, request=request,
           extra={"unsuppressed": unsuppressed})
    return render(request, "audits/findings.html", {
        "round": audit_round, "unsuppressed": unsuppressed,
        "rows": findings.for_display(findings.findings_frame(audit_round,
                                                             unsuppressed=unsuppressed)),
        "sections": findings.sections_for_display(findings.section_findings_frame(
            audit_round, unsuppressed=unsuppressed)),
        "themes": findings.themes_frame(audit_round,
                                        unsuppressed=unsuppressed).to_dict("records")})


@access("audits.view_findings")
def findings_export(request: HttpRequest, pk: int) -> HttpResponse:
    audit_round = selectors.round_for_manager(request.user, pk)
    unsuppressed = _unsuppressed(request)
    content = findings.workbook(audit_round, unsuppressed=unsuppressed)
    record("audits.findings_exported", actor=request.user, obj=audit_round, request=request,
           extra={"unsuppressed": unsuppressed, "format": "xlsx"})
    response = HttpResponse(content, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = (
        f'attachment; filename="case-audit-{audit_round.pk}-findings.xlsx"')
    return response


@access("audits.audit")
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = selectors.cases_for(request.user)
    return render(request, "audits/my_cases.html", {
        "to_audit": cases.filter(auditor=request.user),
        "to_moderate": cases.filter(moderator=request.user)})


@access("audits.audit")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for(request.user, pk)
    record("audits.case_viewed", actor=request.user, obj=case, request=request)
    user = request.user
    if case.auditor_id == user.pk and case.status == CaseStatus.ASSIGNED:
        return _audit(request, case)
    if case.moderator_id == user.pk and case.status == CaseStatus.SUBMITTED:
        return _moderate(request, case)
    return render(request, "audits/case.html", {
        "case": case, "sheet": selectors.answer_sheet(case),
        "history": selectors.grade_history(case)})


def _audit(request: HttpRequest, case) -> HttpResponse:
    form = AuditForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            services.case_save(case=case, by=request.user, answers=form.answers(),
                               difference=form.cleaned_data["difference"],
                               grade=form.cleaned_data["grade"], submit=submit,
                               sections=form.section_grades(), request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Submitted for moderation." if submit
                             else "Your answers have been saved.")
            if submit:
                return redirect("audits:my_cases")
            return redirect("audits:case", pk=case.pk)
    return render(request, "audits/audit_form.html", {"case": case, "form": form})


def _moderate(request: HttpRequest, case) -> HttpResponse:
    form = ModerateForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_moderate(case=case, by=request.user,
                                   agree=data["decision"] == "agree", grade=data["grade"],
                                   reason=data["reason"], sections=form.section_decisions(),
                                   request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "The final grade has been recorded.")
            return redirect("audits:my_cases")
    return render(request, "audits/moderate.html", {
        "case": case, "form": form, "sheet": selectors.answer_sheet(case)})
