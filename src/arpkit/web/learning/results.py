"""Feedback results: by session and over time, with small numbers withheld.

Confidence is asked before and after on a 1-5 scale (the same question, as in One Big Thing's
pre/post surveys).  A result row shows the number of responses, the mean confidence before and
after and the mean change; with fewer than ``MIN_RESPONSES`` responses nothing but "fewer than
5" is shown, so no one's answers can be picked out of a small session.  Free text ("what will
change in your practice") is shown only to the session's facilitators and the programme lead,
and only under the same rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from arpkit.web.learning.models import Feedback

MIN_RESPONSES = 5


@dataclass(frozen=True)
class Result:
    label: str
    responses: int
    mean_before: float | None
    mean_after: float | None
    improved: int | None

    @property
    def suppressed(self) -> bool:
        return self.responses < MIN_RESPONSES

    @property
    def mean_change(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


def summarise(label: str, feedback: Iterable[Feedback]) -> Result:
    items = list(feedback)
    n = len(items)
    if n < MIN_RESPONSES:
        return Result(label, n, None, None, None)
    return Result(label, n, sum(f.confidence_before for f in items) / n,
                  sum(f.confidence_after for f in items) / n,
                  sum(1 for f in items if f.confidence_after > f.confidence_before))


def comments(feedback: Iterable[Feedback]) -> list[str] | None:
    """The free-text answers in a random-free but unlinkable order (sorted), or None when too
    few responses to show them."""
    items = list(feedback)
    if len(items) < MIN_RESPONSES:
        return None
    return sorted(f.change_in_practice for f in items if f.change_in_practice)


def by_month(feedback: Iterable[Feedback]) -> list[Result]:
    """One result per calendar month of the sessions (the trend over time)."""
    months: dict[dt.date, list[Feedback]] = defaultdict(list)
    for f in feedback:
        day = timezone.localdate(f.booking.session.starts_at)
        months[day.replace(day=1)].append(f)
    return [summarise(month.strftime("%B %Y"), items)
            for month, items in sorted(months.items())]
