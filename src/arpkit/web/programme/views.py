"""The benefits register, governance and engagement logs, the highlight report and the
regional comparison."""

from __future__ import annotations

import pandas as pd
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.core.permissions import has_permission
from arpkit.web.learning import charts
from arpkit.web.programme import forms, highlight, regional, selectors, services, sources
from arpkit.web.programme.models import LogEntry, Measure


def _owner_initial(obj, *names: str) -> dict:
    return {n: getattr(obj, n) for n in names}


@access("programme.view")
def register(request: HttpRequest) -> HttpResponse:
    objectives = [(o, [selectors.status_of(m) for m in o.measures.all()])
                  for o in selectors.objectives(user=request.user)]
    return render(request, "programme/register.html", {
        "objectives": objectives, "can_edit": has_permission(request.user, "programme.edit"),
        "can_highlight": has_permission(request.user, "programme.highlight")})


@access("programme.view")
def objective(request: HttpRequest, objective_id: int) -> HttpResponse:
    found = selectors.objective(user=request.user, objective_id=objective_id)
    return render(request, "programme/objective.html", {
        "objective": found, "statuses": [selectors.status_of(m) for m in found.measures.all()],
        "entries": selectors.log_entries(user=request.user).filter(objective=found),
        "can_edit": has_permission(request.user, "programme.edit")})


@access("programme.edit")
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    found = selectors.objective(user=request.user, objective_id=objective_id)
    form = forms.ObjectiveForm(request.POST or None,
                               initial=_owner_initial(found, "owner", "review_date"))
    if request.method == "POST" and form.is_valid():
        services.objective_update(by=request.user, objective=found, data=form.cleaned_data)
        messages.success(request, "The objective has been updated.")
        return redirect("programme:objective", objective_id=found.pk)
    return render(request, "programme/objective_form.html", {"form": form, "objective": found})


@access("programme.edit")
def measure_create(request: HttpRequest, objective_id: int) -> HttpResponse:
    found = selectors.objective(user=request.user, objective_id=objective_id)
    form = forms.MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = services.measure_create(by=request.user, objective=found, data=form.cleaned_data)
        messages.success(request, "The measure has been added.")
        return redirect("programme:measure", measure_id=made.pk)
    return render(request, "programme/measure_form.html", {"form": form, "objective": found})


@access("programme.edit")
def measure_edit(request: HttpRequest, measure_id: int) -> HttpResponse:
    found = selectors.measure(user=request.user, measure_id=measure_id)
    names = list(forms.MeasureForm.base_fields)
    form = forms.MeasureForm(request.POST or None, initial=_owner_initial(found, *names))
    if request.method == "POST" and form.is_valid():
        services.measure_update(by=request.user, measure=found, data=form.cleaned_data)
        messages.success(request, "The measure has been updated.")
        return redirect("programme:measure", measure_id=found.pk)
    return render(request, "programme/measure_form.html",
                  {"form": form, "objective": found.objective, "measure": found})


@access("programme.view")
def measure(request: HttpRequest, measure_id: int) -> HttpResponse:
    found = selectors.measure(user=request.user, measure_id=measure_id)
    observations = list(selectors.observations(user=request.user, measure=found))
    status = selectors.status_of(found)
    return render(request, "programme/measure.html", {
        "measure": found, "status": status, "observations": observations,
        "chart": _measure_chart(found, observations),
        "source": sources.SOURCES.get(found.source_key),
        "can_edit": has_permission(request.user, "programme.edit"),
        "form": forms.ObservationForm() if found.kind == Measure.Kind.MANUAL else None})


def _measure_chart(m: Measure, observations: list) -> str | None:
    rows = [{"date": pd.Timestamp(o.date), "series": "Recorded", "value": o.value}
            for o in observations]
    if m.baseline_date and m.target_date and m.baseline_value is not None \
            and m.target_value is not None:
        rows += [{"date": pd.Timestamp(m.baseline_date), "series": "Trajectory",
                  "value": m.baseline_value},
                 {"date": pd.Timestamp(m.target_date), "series": "Trajectory",
                  "value": m.target_value}]
    if not observations:
        return None
    return charts.lines(pd.DataFrame(rows), x="date", y="value", series="series",
                        x_title="Date", y_title=m.unit or "Value", dashed=("Trajectory",))


@require_POST
@access("programme.edit")
def observation_add(request: HttpRequest, measure_id: int) -> HttpResponse:
    found = selectors.measure(user=request.user, measure_id=measure_id)
    form = forms.ObservationForm(request.POST)
    if form.is_valid():
        services.observation_add(by=request.user, measure=found, **form.cleaned_data)
        messages.success(request, "The value has been recorded.")
        return redirect("programme:measure", measure_id=found.pk)
    observations = list(selectors.observations(user=request.user, measure=found))
    return render(request, "programme/measure.html", {
        "measure": found, "status": selectors.status_of(found), "observations": observations,
        "chart": _measure_chart(found, observations), "can_edit": True, "form": form})


@require_POST
@access("programme.edit")
def measure_refresh(request: HttpRequest, measure_id: int) -> HttpResponse:
    found = selectors.measure(user=request.user, measure_id=measure_id)
    try:
        n = services.measure_refresh(by=request.user, measure=found)
        messages.success(request, f"{n} value{'s' if n != 1 else ''} computed from the data.")
    except (sources.SourceError, ValueError) as error:
        messages.error(request, f"The measure could not be computed: {error}")
    return redirect("programme:measure", measure_id=found.pk)


@access("programme.view")
def log(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or ""
    if kind not in LogEntry.Kind.values:
        kind = ""
    entries = list(selectors.log_entries(user=request.user, kind=kind or None))
    return render(request, "programme/log.html", {
        "entries": entries, "kind": kind, "kinds": LogEntry.Kind.choices,
        "overdue": {e.pk for e in selectors.overdue(entries, timezone.localdate())},
        "can_edit": has_permission(request.user, "programme.edit")})


@access("programme.edit")
def log_create(request: HttpRequest) -> HttpResponse:
    return _log_form(request, None)


@access("programme.edit")
def log_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _log_form(request, selectors.log_entry(user=request.user, entry_id=entry_id))


def _log_form(request: HttpRequest, entry: LogEntry | None) -> HttpResponse:
    names = list(forms.LogEntryForm.base_fields)
    initial = _owner_initial(entry, *names) if entry else {"kind": request.GET.get("kind")}
    form = forms.LogEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.log_entry_save(by=request.user, data=form.cleaned_data, entry=entry)
        messages.success(request, "The log has been updated.")
        return redirect("programme:log")
    return render(request, "programme/log_form.html", {"form": form, "entry": entry})


@access("programme.view")
def engagements(request: HttpRequest) -> HttpResponse:
    return render(request, "programme/engagements.html", {
        "engagements": selectors.engagements(user=request.user),
        "can_edit": has_permission(request.user, "programme.edit")})


@access("programme.edit")
def engagement_create(request: HttpRequest) -> HttpResponse:
    return _engagement_form(request, None)


@access("programme.edit")
def engagement_edit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    return _engagement_form(request, selectors.engagement(user=request.user,
                                                          engagement_id=engagement_id))


def _engagement_form(request: HttpRequest, found) -> HttpResponse:
    names = list(forms.EngagementForm.base_fields)
    form = forms.EngagementForm(request.POST or None,
                                initial=_owner_initial(found, *names) if found else None)
    if request.method == "POST" and form.is_valid():
        services.engagement_save(by=request.user, data=form.cleaned_data, engagement=found)
        messages.success(request, "The engagement log has been updated.")
        return redirect("programme:engagements")
    return render(request, "programme/engagement_form.html",
                  {"form": form, "engagement": found})


@access("programme.highlight")
def highlight_report(request: HttpRequest) -> HttpResponse:
    report = highlight.build(user=request.user)
    return render(request, "programme/highlight.html", {"report": report})


@access("programme.highlight")
def highlight_pdf(request: HttpRequest) -> HttpResponse:
    report = highlight.build(user=request.user)
    pdf = highlight.render_pdf(report)
    record("programme.highlight_exported", actor=request.user, request=request,
           object_type="programme.highlight", extra={"format": "pdf"})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="programme-highlight-{report.as_of:%Y-%m-%d}.pdf"')
    return response


@access("programme.regional")
def regional_view(request: HttpRequest) -> HttpResponse:
    context = regional.page(request)
    record("programme.regional_viewed", actor=request.user, request=request,
           object_type="programme.regional",
           extra={"dataset": context.get("dataset", ""), "period": context.get("period")})
    return render(request, "programme/regional.html", context)
