"""Dashboard pages and their downloads (thin: the work is in pages.py and selectors.py)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from arpkit.reports import labels as lab
from arpkit.web.core.access import access
from arpkit.web.core.permissions import has_permission
from arpkit.web.dashboards import downloads, prepared, responses, services
from arpkit.web.dashboards.forms import PAGE_FIELDS, FilterForm
from arpkit.web.dashboards.pages import PAGES
from arpkit.web.dashboards.selectors import dashboard_data_for

TITLES = {
    "disproportionality": "Disproportionality",
    "pathway": "The pathway from first contact",
    "quality": "Ethnicity recording quality",
    "trends": "Trends",
    "teams": "Team funnel plots",
}
SUMMARIES = {
    "disproportionality": "Rates per 10,000 children, the disproportionality index and "
                          "disparity ratios for children in need, on a plan and looked after.",
    "pathway": "What happened after children's first contact, and the relative rate index at "
               "each decision point.",
    "quality": "How complete and consistent ethnicity recording is.",
    "trends": "How each measure changed from year to year.",
    "teams": "Each team's decisions against the authority, with funnel limits.",
}


def _no_data(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "dashboards/no_data.html", {
        "title": title, "can_import": has_permission(request.user, "imports.manage")})


@access("dashboards.view")
def index(request: HttpRequest) -> HttpResponse:
    data = dashboard_data_for(request.user)
    if data is None:
        return _no_data(request, "Dashboards")
    key = responses.viewer_key(request, data)
    hit = responses.cached(request, key)
    if hit is not None:
        return hit
    pages = [{"url": reverse(f"dashboards:{slug}"), "title": TITLES[slug],
              "summary": SUMMARIES[slug]} for slug in PAGES]
    return responses.remember(request, key, render(request, "dashboards/index.html", {
        "pages": pages, "data": data, "periods": [lab.period_label(p) for p in data.periods],
        "can_download": has_permission(request.user, "dashboards.download")}))


def _form(request: HttpRequest, slug: str, data=None):
    data = data or dashboard_data_for(request.user)
    if data is None:
        return None, None, None
    form = FilterForm(request.GET, page=slug, periods=data.periods,
                      teams=data.team_choices() if "team" in PAGE_FIELDS[slug] else [])
    return data, form, form.filters()


def _filtered(request: HttpRequest, slug: str):
    """The page computed from the cached tables, with its rows (for the downloads)."""
    data, form, filters = _form(request, slug)
    if data is None:
        return None, None, None, None
    return data, form, filters, PAGES[slug](data, filters)


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    """A dashboard page. Its body comes ready-drawn from :mod:`prepared` (at cache build, or
    on first request and then kept), and the whole page is kept per viewer by
    :mod:`responses`, so a repeated page costs a dictionary look-up."""
    data = dashboard_data_for(request.user)
    if data is None:
        return _no_data(request, TITLES[slug])
    services.record_view(request, page=slug, filters_of=lambda: _form(request, slug, data)[2])
    key = responses.viewer_key(request, data)
    hit = responses.cached(request, key)
    if hit is not None:
        return hit
    data, form, filters = _form(request, slug, data)
    query = request.GET.urlencode()
    return responses.remember(request, key, render(request, "dashboards/page.html", {
        "slug": slug, "title": TITLES[slug], "summary": SUMMARIES[slug], "form": form,
        "filter_fields": prepared.filter_fields(form, slug),
        "body": prepared.body_for(data, slug, filters), "data": data, "query": query,
        "can_download": has_permission(request.user, "dashboards.download"),
        "period_label": lab.period_label(filters["period"]) if filters.get("period") else "",
    }))


@access("dashboards.view")
def disproportionality(request: HttpRequest) -> HttpResponse:
    return _page(request, "disproportionality")


@access("dashboards.view")
def pathway(request: HttpRequest) -> HttpResponse:
    return _page(request, "pathway")


@access("dashboards.view")
def quality(request: HttpRequest) -> HttpResponse:
    return _page(request, "quality")


@access("dashboards.view")
def trends(request: HttpRequest) -> HttpResponse:
    return _page(request, "trends")


@access("dashboards.view")
def teams(request: HttpRequest) -> HttpResponse:
    return _page(request, "teams")


@access("dashboards.download")
def download(request: HttpRequest, page: str, fmt: str) -> HttpResponse:
    """The rows behind a page, filtered as on screen, as CSV or Excel (audited)."""
    if page not in PAGES or fmt not in ("csv", "xlsx"):
        raise Http404("no such download")
    data, _form, filters, result = _filtered(request, page)
    if data is None:
        raise Http404("nothing has been imported yet")
    rows = result.rows
    services.record_download(request, page=page, fmt=fmt, filters=filters, rows=len(rows),
                             suppression=data.suppression)
    stem = f"arpkit-{page}" + ("-unsuppressed" if not data.suppressed else "")
    if fmt == "csv":
        response = HttpResponse(downloads.to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        about = [("Page", TITLES[page]),
                 *((name, str(value)) for name, value in filters.items() if value not in ("",)),
                 ("Suppression", "DfE disclosure control (counts of 1 to 5 and any count that "
                                 "would reveal one are blank, with suppressed = TRUE)"
                  if data.suppressed else "None: unsuppressed, must not leave the authority"),
                 ("Built from", f"warehouse state {data.manifest.key}, cached "
                                f"{data.manifest.built_at}"),
                 ("Columns", "as docs/metrics.md 'The output contract' (pathway, quality and "
                             "team funnel rows as docs/pathway.md and docs/quality.md)")]
        response = HttpResponse(downloads.to_xlsx(rows, about),
                                content_type=downloads.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@access("dashboards.download")
def report_pack(request: HttpRequest) -> HttpResponse:
    """The report pack (HTML) for the latest year, suppressed as the viewer's figures are."""
    from arpkit.web.dashboards import cache

    data = dashboard_data_for(request.user)
    if data is None:
        raise Http404("nothing has been imported yet")
    path = cache.report_pack_path(data.manifest, data.suppression, data.root)
    if path is None:
        raise Http404("the report pack has not been built for this data")
    services.record_download(request, page="report_pack", fmt="html", filters={},
                             rows=0, suppression=data.suppression)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                        content_type="text/html; charset=utf-8")
