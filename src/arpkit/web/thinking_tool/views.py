"""Thin views: forms in, services and selectors out."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arpkit.web.accounts.selectors import managed_team_codes
from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.core.forms import apply_service_errors
from arpkit.web.core.permissions import has_permission
from arpkit.web.thinking_tool import children, measures, selectors, services
from arpkit.web.thinking_tool.defaults import GUIDANCE
from arpkit.web.thinking_tool.forms import (
    AnswersForm,
    FindChildForm,
    PeriodForm,
    PromptForm,
    ReviewForm,
    StartForm,
)
from arpkit.web.thinking_tool.models import Status


@access("thinking_tool.use")
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = selectors.my_tools(user)
    return render(request, "thinking_tool/index.html", {
        "drafts": mine.filter(status__in=[Status.DRAFT, Status.RETURNED]),
        "submitted": mine.filter(status__in=[Status.SUBMITTED, Status.SIGNED_OFF]),
        "team_tools": selectors.team_submitted_tools(user),
        "awaiting": selectors.awaiting_sign_off(user),
        "guidance": GUIDANCE,
    })


@access("thinking_tool.use")
def start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tool = services.tool_create(
                by=request.user, child_id=data["child_id"], work_kind=data["work_kind"],
                work_date=data["work_date"], team=data["team"],
                ethnicity_code=data["ethnicity_code"], request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except children.ChildLookupError as exc:
            form.add_error("child_id", str(exc))
        else:
            return redirect("thinking_tool:edit", pk=tool.pk)
    return render(request, "thinking_tool/start.html", {"form": form})


@access("thinking_tool.use")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_for_view(request.user, pk)
    record("thinking_tool.viewed", actor=request.user, obj=tool, request=request)
    return render(request, "thinking_tool/detail.html", {
        "tool": tool, "rows": selectors.answer_rows(request.user, tool),
        "events": tool.events.select_related("actor"),
        "is_author": tool.practitioner_id == request.user.pk,
        "can_sign_off": selectors.can_sign_off(request.user, tool),
    })


@access("thinking_tool.use")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_for_edit(request.user, pk)
    if not tool.editable:
        return redirect("thinking_tool:detail", pk=tool.pk)
    prompts = list(selectors.active_prompts())
    initial = {a.prompt_id: (a.voice, a.reflection) for a in tool.answers.all()}
    form = AnswersForm(request.POST or None, prompts=prompts, initial_answers=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tool_save_answers(tool=tool, by=request.user, answers=form.answers(),
                                       request=request)
            if request.POST.get("action") == "submit":
                services.tool_submit(tool=tool, by=request.user, request=request)
                messages.success(request, "Submitted to your team manager for sign-off.")
                return redirect("thinking_tool:detail", pk=tool.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Your draft has been saved.")
            return redirect("thinking_tool:edit", pk=tool.pk)
    returned = tool.events.filter(action="returned").last()
    groups = []
    for prompt in prompts:
        if not groups or groups[-1]["domain"] != prompt.domain:
            groups.append({"domain": prompt.domain, "items": []})
        groups[-1]["items"].append({
            "prompt": prompt, "version": prompt.current,
            "voice": form[f"voice_{prompt.pk}"] if prompt.asks_voice else None,
            "reflection": form[f"reflection_{prompt.pk}"]})
    return render(request, "thinking_tool/edit.html", {
        "tool": tool, "form": form, "groups": groups, "returned": returned,
        "guidance": GUIDANCE})


@access("thinking_tool.sign_off")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_for_sign_off(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "sign_off":
                services.tool_sign_off(tool=tool, by=request.user, request=request)
                messages.success(request, "The tool has been signed off.")
            else:
                services.tool_return(tool=tool, by=request.user, comment=data["comment"],
                                     request=request)
                messages.success(request, "The tool has been returned to the practitioner.")
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("thinking_tool:index")
    return render(request, "thinking_tool/review.html", {
        "tool": tool, "form": form, "rows": selectors.answer_rows(request.user, tool)})


@access("thinking_tool.use")
def find_child(request: HttpRequest) -> HttpResponse:
    form = FindChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = children.pseudonymise(form.cleaned_data["child_id"])
        except (children.ChildLookupError, ValueError) as exc:
            form.add_error("child_id", str(exc))
        else:
            return redirect("thinking_tool:timeline", child_key=key)
    return render(request, "thinking_tool/find_child.html", {"form": form})


@access("thinking_tool.use")
def timeline(request: HttpRequest, child_key: str) -> HttpResponse:
    tools = list(selectors.timeline(request.user, child_key))
    if not tools:
        raise Http404("no Thinking Tools you can see for this child")
    record("thinking_tool.timeline_viewed", actor=request.user, object_type="child",
           object_id=child_key[:16], request=request, extra={"tools": len(tools)})
    return render(request, "thinking_tool/timeline.html", {"tools": tools,
                                                           "child_ref": child_key[:10]})


@access("thinking_tool.edit_prompts")
def prompts(request: HttpRequest) -> HttpResponse:
    return render(request, "thinking_tool/prompts.html",
                  {"prompts": selectors.prompts_for_editing(request.user)})


@access("thinking_tool.edit_prompts")
def prompt_edit(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = selectors.prompt_for_editing(request.user, pk)
    current = prompt.current
    form = PromptForm(request.POST or None, initial={
        "text": current.text, "guidance": current.guidance, "source": current.source,
        "active": prompt.active})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.prompt_revise(prompt=prompt, by=request.user, request=request,
                                             **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Saved as version {version.number}." if version
                             else "Nothing changed in the wording.")
            return redirect("thinking_tool:prompts")
    return render(request, "thinking_tool/prompt_form.html", {
        "prompt": prompt, "form": form, "versions": prompt.versions.order_by("-number")})


@access("thinking_tool.view_measures")
def measures_view(request: HttpRequest) -> HttpResponse:
    periods = measures.available_periods()
    form = PeriodForm(request.GET or None, periods=periods)
    period = periods[0] if periods else None
    if request.GET and form.is_valid():
        period = form.cleaned_data["period"]
    elif period is not None:
        form = PeriodForm(initial={"period": period}, periods=periods)
    teams = managed_team_codes(request.user)
    unsuppressed = has_permission(request.user, "dashboards.view_unsuppressed")
    context = {"form": form, "period": period, "unsuppressed": unsuppressed,
               "scoped": teams is not None, "has_warehouse": children.warehouse_path()
               is not None}
    if period is not None:
        done = measures.completion(period, team_codes=teams, unsuppressed=unsuppressed)
        context["tables"] = [(name, frame.to_dict("records"))
                             for name, frame in done["tables"].items()]
        context["unmatched_text"] = done["unmatched_text"]
        context["domains"] = measures.empty_domains(
            period, team_codes=teams, unsuppressed=unsuppressed).to_dict("records")
    record("thinking_tool.measures_viewed", actor=request.user, request=request,
           extra={"period": period, "unsuppressed": unsuppressed})
    return render(request, "thinking_tool/measures.html", context)
