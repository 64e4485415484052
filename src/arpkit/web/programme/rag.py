"""The RAG status of a measure, computed from its data (never typed in).

The rule (documented in docs/programme.md):

* the *trajectory* is the straight line from the baseline (value, date) to the target (value,
  date); before the baseline date it is the baseline, after the target date the target;
* the measure is judged on its latest observation (value ``v`` on date ``t``) against the
  trajectory's value ``e(t)`` on that date, in the measure's direction of good;
* **green** when ``v`` is on or better than ``e(t)``;
* **amber** when it is worse by no more than ``tolerance x |target - baseline|`` (default 10% of
  the whole planned change);
* **red** when it is worse by more than that;
* **no data** when there is no observation yet, and **not set** when the baseline or target is
  missing (a RAG without a plan to measure against would be made up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_DATA = "no_data"
    NOT_SET = "not_set"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "no_data": "No data",
                "not_set": "No baseline or target"}[self.value]

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour modifier."""
        return {"green": "green", "amber": "yellow", "red": "red", "no_data": "grey",
                "not_set": "grey"}[self.value]


@dataclass(frozen=True)
class Assessment:
    rag: Rag
    expected: float | None = None
    latest_value: float | None = None
    latest_date: dt.date | None = None


def expected_value(baseline: float, baseline_date: dt.date, target: float,
                   target_date: dt.date, on: dt.date) -> float:
    """The straight-line trajectory's value on a date."""
    if target_date <= baseline_date or on >= target_date:
        return target if on >= baseline_date else baseline
    if on <= baseline_date:
        return baseline
    frac = (on - baseline_date).days / (target_date - baseline_date).days
    return baseline + (target - baseline) * frac


def assess(*, baseline: float | None, baseline_date: dt.date | None, target: float | None,
           target_date: dt.date | None, higher_is_better: bool, tolerance: float,
           latest: tuple[dt.date, float] | None) -> Assessment:
    if None in (baseline, baseline_date, target, target_date):
        return Assessment(Rag.NOT_SET, latest_value=latest[1] if latest else None,
                          latest_date=latest[0] if latest else None)
    if latest is None:
        return Assessment(Rag.NO_DATA)
    on, value = latest
    expected = expected_value(baseline, baseline_date, target, target_date, on)  # type: ignore[arg-type]
    shortfall = (expected - value) if higher_is_better else (value - expected)
    band = tolerance * abs(target - baseline)  # type: ignore[operator]
    if shortfall <= 1e-12:
        rag = Rag.GREEN
    elif shortfall <= band + 1e-12:
        rag = Rag.AMBER
    else:
        rag = Rag.RED
    return Assessment(rag, expected, value, on)
