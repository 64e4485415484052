"""Writes made by the dashboards: the audit entries for views, downloads and cache builds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from arpkit.web.audit.services import record
from arpkit.web.dashboards.stored import MemoryLRU

#: A viewer's look at the same page with the same filters is logged once in this many
#: seconds (per server process): who looked at which figures, not every refresh.
VIEW_AUDIT_SECONDS = 3600
_VIEW_AUDIT_LIMIT = 50_000
#: When each (viewer, page, address) was last logged in this process.
RECENT_VIEWS: MemoryLRU[tuple[Any, ...], float] = MemoryLRU(_VIEW_AUDIT_LIMIT)
_RECENT_VIEWS_LOCK = threading.Lock()  # look and note in one step


def _view_due(key: tuple[Any, ...], now: float) -> bool:
    """True (and noted) if ``key`` was not logged in the last :data:`VIEW_AUDIT_SECONDS`."""
    with _RECENT_VIEWS_LOCK:
        last = RECENT_VIEWS.get(key)
        if last is not None and now - last < VIEW_AUDIT_SECONDS:
            return False
        RECENT_VIEWS.put(key, now)
        return True


def record_view(request: HttpRequest, *, page: str,
                filters_of: Callable[[], dict[str, Any]]) -> None:
    """Log a dashboard page view (``dashboards.viewed``: the page and its validated filters,
    codes only, from ``filters_of()``).

    Why once an hour per viewer, page and address: the dashboards hold only aggregate,
    suppressed figures, and what an auditor needs is who looked at which figures when. A
    write on every page would be most of a page's cost under load (benchmarks/README.md),
    for entries that say nothing new; and ``filters_of`` (the filter form) is only built
    when an entry is written, so a page served from memory stays a look-up.
    """
    user = request.user
    key = (getattr(user, "pk", None), page, request.GET.urlencode())
    if not _view_due(key, time.monotonic()):
        return
    filters = filters_of() or {}
    record("dashboards.viewed", actor=user, request=request,
           object_type="dashboards.page", object_id=page,
           extra={"filters": {k: str(v) for k, v in filters.items() if v not in ("", None)}})


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
