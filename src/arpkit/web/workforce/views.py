"""The workforce race equity dashboard and the HR extract import pages."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.workforce import dashboard, forms, selectors, services


@access("workforce.view")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    from arpkit.engine.errors import ArpkitError

    try:
        table = dashboard.indicators()
    except ArpkitError as error:
        return render(request, "workforce/dashboard.html", {"problem": str(error)})
    periods = dashboard.periods(table)
    wanted = request.GET.get("period", "")
    period = int(wanted) if wanted.isdigit() and int(wanted) in periods else periods[-1]
    choices = dashboard.indicator_choices(table)
    indicator = request.GET.get("indicator") or "formal_disciplinary"
    if indicator not in dict(choices):
        indicator = choices[0][0]
    headline = dashboard.headline(table, period)
    trend = dashboard.trend(table, indicator)
    teams = dashboard.by_team(table, period, indicator)
    record("workforce.dashboard_viewed", actor=request.user, request=request,
           object_type="workforce.dashboard", extra={"period": period,
                                                     "indicator": indicator})
    return render(request, "workforce/dashboard.html", {
        "periods": periods, "period": period, "choices": choices, "indicator": indicator,
        "indicator_label": dashboard.label(indicator), "headline": headline,
        "headline_chart": dashboard.forest(headline, y_title="Indicator"),
        "groups": dashboard.by_group(table, period, indicator),
        "trend": trend, "trend_chart": dashboard.forest(trend, y_title="Year ending 31 March"),
        "teams": teams, "representation": dashboard.representation(table, period),
        "threshold": dashboard.threshold()})


@access("workforce.view")
def download(request: HttpRequest) -> HttpResponse:
    """The suppressed indicator table as a workbook (suppressed cells blank, ``c`` in
    ``symbol``), as the engine returns it."""
    from arpkit.engine.errors import ArpkitError

    try:
        table = dashboard.indicators()
    except ArpkitError as error:
        messages.error(request, str(error))
        return redirect("workforce:dashboard")
    buffer = io.BytesIO()
    out = table.copy()
    out["label"] = out["indicator"].map(dashboard.label)
    out.to_excel(buffer, index=False, sheet_name="Workforce race equity")
    record("workforce.downloaded", actor=request.user, request=request,
           object_type="workforce.dashboard", extra={"format": "xlsx"})
    response = HttpResponse(buffer.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = 'attachment; filename="workforce-race-equity.xlsx"'
    return response


@access("workforce.import")
def imports(request: HttpRequest) -> HttpResponse:
    form = forms.HRImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.hr_import_create(user=request.user,
                                        la_code=form.cleaned_data["la_code"].strip(),
                                        mapping=form.cleaned_data["mapping"],
                                        files=form.files_by_kind(), request=request)
        return redirect("workforce:import_detail", import_id=job.pk)
    return render(request, "workforce/imports.html", {
        "form": form, "imports": selectors.imports(user=request.user)[:20]})


@access("workforce.import")
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    job = selectors.hr_import(user=request.user, import_id=import_id)
    record("workforce.import_viewed", actor=request.user, obj=job, request=request)
    return render(request, "workforce/import_detail.html", {"job": job})
