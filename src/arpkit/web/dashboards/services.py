"""Writes made by the dashboards: the audit entries for downloads and cache builds."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from arpkit.web.audit.services import record


def record_download(request: HttpRequest, *, page: str, fmt: str, filters: dict[str, Any],
                    rows: int, suppression: str) -> None:
    """Every export is audited: which page, format, filters (codes only) and suppression."""
    record("dashboards.downloaded", actor=request.user, request=request,
           object_type="dashboards.page", object_id=page,
           extra={"format": fmt, "rows": rows, "suppression": suppression,
                  "filters": {k: str(v) for k, v in filters.items() if v not in ("", None)}})


def record_cache_built(*, key: str | None, periods: list[int], actor: Any = None) -> None:
    record("dashboards.cache_built", actor=actor, object_type="dashboards.cache",
           object_id=key or "", extra={"periods": periods})
