"""Writes made by the dashboards: the audit entries for views, downloads and cache builds."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from arpkit.web.audit.services import record

#: A viewer's look at the same page with the same filters is logged once in this many
#: seconds (per server process): who looked at which figures, not every refresh.
VIEW_AUDIT_SECONDS = 3600
_VIEW_AUDIT_LIMIT = 50_000


class _RecentViews:
    """When each (viewer, page, query) was last logged in this process (bounded LRU)."""

    def __init__(self, limit: int = _VIEW_AUDIT_LIMIT) -> None:
        self.limit = limit
        self._seen: OrderedDict[tuple[Any, ...], float] = OrderedDict()
        self._lock = threading.Lock()

    def due(self, key: tuple[Any, ...], now: float, every: float) -> bool:
        """True (and remembered) if ``key`` was not logged within ``every`` seconds."""
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last < every:
                return False
            self._seen[key] = now
            self._seen.move_to_end(key)
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


RECENT_VIEWS = _RecentViews()


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
    if not RECENT_VIEWS.due(key, time.monotonic(), VIEW_AUDIT_SECONDS):
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
