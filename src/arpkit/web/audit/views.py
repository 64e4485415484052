"""The audit log for administrators: filter, page through, export as CSV."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from arpkit.web.audit.forms import AuditFilterForm
from arpkit.web.audit.selectors import AuditFilter, audit_events_visible_to
from arpkit.web.audit.services import record
from arpkit.web.core.access import access

EXPORT_COLUMNS = ["at", "actor_label", "action", "object_type", "object_id", "request_id",
                  "method", "path", "ip_address"]


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, AuditFilter(**form.cleaned_data)
    return form, AuditFilter()


@access("audit_log.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    events = audit_events_visible_to(request.user, filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    record("audit_log.viewed", actor=request.user, request=request,
           extra={"filters": {k: str(v) for k, v in filters.__dict__.items() if v}})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page,
                                              "query": query.urlencode()})


class _Echo:
    def write(self, value: str) -> str:
        return value


@access("audit_log.view")
def audit_log_export(request: HttpRequest) -> StreamingHttpResponse:
    _, filters = _filters(request)
    events = audit_events_visible_to(request.user, filters)
    record("audit_log.exported", actor=request.user, request=request,
           extra={"rows": events.count()})
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS)
        for event in events.iterator():
            yield writer.writerow([getattr(event, c) if c != "at" else event.at.isoformat()
                                   for c in EXPORT_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="arpkit-audit-log.csv"'
    return response
