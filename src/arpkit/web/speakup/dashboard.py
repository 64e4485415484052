"""The programme lead's learning dashboard: coded fields only, always with suppression.

Counts by route, source, category, service area, status, outcome, detriment, reporter
satisfaction and quarter; median days to acknowledge and to close; the resolution rate. Every
count goes through the engine's statistical disclosure control
(:mod:`arpkit.engine.suppression`, methods.md §3): counts from 1 to the threshold
(``ARPKIT_SUPPRESSION_THRESHOLD``, default 5) are shown as ``c``, and secondary suppression
hides further cells wherever a suppressed one could be worked out from a published total. Each
breakdown is one margin (its own total), stacked so the whole dashboard is protected at once.
A median or rate is shown only when every count it is built from is above the threshold, so
no statistic is about fewer reporters than a published cell could be. When the total number of
reports is itself at or below the threshold, nothing but that fact is shown.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.conf import settings

from arpkit.engine.suppression import primary_suppress, secondary_suppress, split_value_symbol
from arpkit.web.speakup.choices import (
    NOT_SAID,
    NOT_SAID_LABEL,
    RESOLVED_OUTCOMES,
    Category,
    FeltResolved,
    Outcome,
    Route,
    Source,
    Status,
)
from arpkit.web.speakup.models import Report

TABLES: dict[str, str] = {
    "route": "Route",
    "source": "Who it was about",
    "category": "Category",
    "service_area": "Service area",
    "status": "Status and outcome",
    "felt_resolved": "Closed reports: did the reporter feel it was resolved?",
    "detriment": "Detriment for speaking up",
    "quarter": "Reports received by quarter",
}

#: The published totals (margins): each table's total; the status table's open and closed
#: subtotals. The outcome breakdown lives inside the status table (closed reports by outcome),
#: and satisfaction is over closed reports, so no published figure links cells across tables
#: except through totals the margins already declare.
MARGINS = [["table"], ["table", "phase"]]


def threshold() -> int:
    return int(getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))


def quarter_of(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _quarters(first: date, last: date) -> list[str]:
    out, year, q = [], first.year, (first.month - 1) // 3 + 1
    while (year, q) <= (last.year, (last.month - 1) // 3 + 1):
        out.append(f"{year} Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _frame(reports: list[dict]) -> pd.DataFrame:
    rows: list[dict] = []

    def add(table: str, choices: list[tuple[str, str]], values: list[str],
            phase: str | None = None) -> None:
        known = dict(choices)
        for value in values:
            known.setdefault(value, value)
        for code, label in known.items():
            rows.append({"table": table, "code": code, "label": label, "phase": phase,
                         "count": sum(1 for v in values if v == code)})

    add("route", Route.choices, [r["route"] for r in reports])
    add("source", Source.choices, [r["source"] for r in reports])
    add("category", [*Category.choices, ("", "Not yet categorised")],
        [r["category"] for r in reports])
    add("service_area", [(NOT_SAID, NOT_SAID_LABEL)], [r["service_area"] for r in reports])
    open_ = [r for r in reports if r["status"] != Status.CLOSED]
    closed = [r for r in reports if r["status"] == Status.CLOSED]
    add("status", [c for c in Status.choices if c[0] != Status.CLOSED],
        [r["status"] for r in open_], phase="open")
    add("status", [(f"closed:{code}", f"Closed: {label}") for code, label in Outcome.choices],
        [f"closed:{r['outcome']}" for r in closed], phase="closed")
    add("felt_resolved", [*FeltResolved.choices, ("", "Not asked or not answered")],
        [r["felt_resolved"] for r in closed])
    add("detriment", [("yes", "Flagged"), ("no", "Not flagged")],
        ["yes" if r["detriment"] else "no" for r in reports])
    days = [r["received_on"] for r in reports]
    add("quarter", [(q, q) for q in _quarters(min(days), max(days))],
        [quarter_of(d) for d in days])
    frame = pd.DataFrame(rows)
    # Tables whose total is zero (satisfaction before anything is closed) publish nothing.
    totals = frame.groupby("table")["count"].transform("sum")
    return frame[totals > 0].reset_index(drop=True)


@dataclass
class Figure:
    label: str
    value: str  # as shown: a number, or "c" when suppressed
    note: str = ""


@dataclass
class Dashboard:
    total: int
    enough: bool  # False: fewer reports than the threshold allows to show anything
    threshold: int
    cells: pd.DataFrame  # table, code, label, count, suppressed
    figures: list[Figure]

    def table(self, name: str) -> list[dict]:
        part = self.cells[self.cells["table"] == name]
        return [{"label": row.label, "shown": "c" if row.suppressed else str(row.count),
                 "suppressed": bool(row.suppressed), "phase": row.phase}
                for row in part.itertuples()]

    def tables(self) -> list[dict]:
        names = [n for n in TABLES if (self.cells["table"] == n).any()]
        return [{"name": n, "caption": TABLES[n], "rows": self.table(n),
                 "total": int(self.cells.loc[self.cells["table"] == n, "count"].sum())}
                for n in names]

    def export_frame(self) -> pd.DataFrame:
        """Value and symbol columns side by side (methods.md §3 rule 5), no suppressed value."""
        cells = self.cells.reset_index(drop=True)
        split = split_value_symbol(cells["count"].astype(float),
                                   cells["suppressed"].astype(bool), name="count")
        out = pd.concat([cells[["table", "code", "label"]], split], axis=1)
        out["table"] = out["table"].map(TABLES)
        out["code"] = out["code"].replace("", "not_recorded")
        figures = pd.DataFrame([{"table": "Summary", "code": "", "label": f.label,
                                 "count": pd.to_numeric(f.value, errors="coerce"),
                                 "count_symbol": "c" if f.value == "c" else ""}
                                for f in self.figures])
        return pd.concat([out, figures], ignore_index=True)


def _median_days(pairs: list[tuple[date, date]], limit: int) -> str:
    if len(pairs) <= limit:
        return "c"
    return f"{statistics.median((b - a).days for a, b in pairs):g}"


def _rate(cells: pd.DataFrame, table: str, codes: set[str], limit: int) -> str:
    """Share of a table's total in ``codes``; "c" unless every cell it uses is shown.

    A rate built from a suppressed cell would give that cell back (rate x total - shown
    cells), so it is shown only when it is computable from published cells anyway and its
    numerator, denominator and remainder are each above the threshold.
    """
    part = cells[cells["table"] == table]
    if table == "status":
        part = part[part["phase"] == "closed"]
    denominator = int(part["count"].sum())
    if denominator == 0:
        return "x"
    used = part[part["code"].isin(codes)]
    numerator = int(used["count"].sum())
    if bool(used["suppressed"].any()):
        return "c"
    if any(bool(primary_suppress(c, limit))
           for c in (numerator, denominator, denominator - numerator)):
        return "c"
    return f"{100 * numerator / denominator:.0f}%"


def build(reports: list[dict] | None = None) -> Dashboard:
    """Compute the dashboard from every report's coded fields (purged ones included)."""
    limit = threshold()
    if reports is None:
        reports = list(Report.objects.values(
            "route", "source", "category", "service_area", "status", "outcome",
            "felt_resolved", "detriment", "received_on", "acknowledged_on", "closed_on"))
    total = len(reports)
    if total == 0 or bool(primary_suppress(total, limit)):
        shown = "0" if total == 0 else "c"
        return Dashboard(total, False, limit, pd.DataFrame(
            columns=["table", "code", "label", "phase", "count", "suppressed"]),
            [Figure("Reports received", shown)])
    cells = _frame(reports)
    cells["suppressed"] = secondary_suppress(cells, MARGINS, count="count",
                                             threshold=limit).to_numpy()
    acknowledged = [(r["received_on"], r["acknowledged_on"]) for r in reports
                    if r["acknowledged_on"]]
    closed = [r for r in reports if r["closed_on"]]
    figures = [
        Figure("Reports received", str(total)),
        Figure("Median days to acknowledge", _median_days(acknowledged, limit),
               f"over {len(acknowledged)} acknowledged reports"
               if len(acknowledged) > limit else ""),
        Figure("Median days to close",
               _median_days([(r["received_on"], r["closed_on"]) for r in closed], limit),
               f"over {len(closed)} closed reports" if len(closed) > limit else ""),
        Figure("Resolution rate (resolved or partly resolved, of closed)",
               _rate(cells, "status", {f"closed:{o}" for o in RESOLVED_OUTCOMES}, limit)),
        Figure("Reporters who felt it was resolved (fully or partly, of closed)",
               _rate(cells, "felt_resolved", {FeltResolved.YES, FeltResolved.PARTLY}, limit)),
    ]
    return Dashboard(total, True, limit, cells, figures)
