"""The workforce race equity dashboard's figures, from the engine's
:func:`arpkit.engine.workforce.workforce` (WRES-style relative likelihoods, Katz intervals, the
0.80-1.25 band; docs/workforce.md and methods.md §2).

Only the engine's *suppressed* table (``suppression="dfe"``) ever reaches this module, whoever
is looking: a count from 1 to the threshold, and anything that would reveal it (the non-event
count, the other groups' counts that sum to it, the team's counts that sum to the authority),
is shown as ``c``.  So no member of staff can be identified from the dashboard, not even in a
small team.

The table is computed once per warehouse version (its file's size and modification time) and
threshold, and kept in this process, because the indicators take seconds to count.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import altair as alt
import pandas as pd
from django.conf import settings

from arpkit.web.core.warehouse import warehouse_path
from arpkit.web.learning.charts import data_uri

BAND = (0.8, 1.25)
COMPARED = ("MINORITY", "MIXED", "ASIAN", "BLACK", "OTHER")
GROUP_LABELS = {"MINORITY": "All ethnic-minority staff", "MIXED": "Mixed or multiple",
                "ASIAN": "Asian or Asian British", "BLACK": "Black, Black British, Caribbean "
                "or African", "OTHER": "Other ethnic group", "WHITE": "White",
                "REFUSED": "Prefer not to say", "NOT_OBTAINED": "Not recorded"}
OUTCOME_LABELS = {"no_case_to_answer": "no case to answer",
                  "management_advice": "management advice",
                  "written_warning": "written warning",
                  "final_written_warning": "final written warning",
                  "dismissal": "dismissal", "resigned": "resigned during the process"}
INDICATOR_LABELS = {
    "appointment_from_shortlisting": "Appointed from shortlisting",
    "formal_disciplinary": "Entering a formal disciplinary process",
    "non_mandatory_training": "Accessing non-mandatory training",
    "leaving": "Leaving",
    "grievance_upheld": "Grievance upheld",
}
HEADLINE_EXCLUDED = ("representation", "grade_or_above")

_CACHE: dict[tuple, pd.DataFrame] = {}
_LOCK = threading.Lock()


def label(indicator: str) -> str:
    if indicator.startswith("disciplinary_outcome:"):
        outcome = indicator.split(":", 1)[1]
        return f"Disciplinary outcome: {OUTCOME_LABELS.get(outcome, outcome)}"
    return INDICATOR_LABELS.get(indicator, indicator.replace("_", " ").capitalize())




def threshold() -> int:
    return int(getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))


def forget_cached() -> None:
    with _LOCK:
        _CACHE.clear()


def indicators() -> pd.DataFrame:
    """The engine's suppressed workforce table for every year (raises the engine's
    ConfigError when there is no warehouse or no HR data)."""
    from arpkit.engine.errors import ConfigError
    from arpkit.engine.warehouse import connect
    from arpkit.engine.workforce import workforce

    path = warehouse_path()
    if not path.exists():
        raise ConfigError("there is no warehouse yet")
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, threshold())
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    con = connect(path)
    try:
        table = workforce(con, suppression="dfe", threshold=threshold())
    finally:
        con.disconnect()
    with _LOCK:
        _CACHE.clear()
        _CACHE[key] = table
    return table


# --------------------------------------------------------------------------- display rows


def _num(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _fmt(x: object, digits: int = 2) -> str:
    v = _num(x)
    return "" if v is None else f"{v:.{digits}f}"


def _pct(x: object) -> str:
    v = _num(x)
    return "" if v is None else f"{100 * v:.1f}%"


def _count(x: object) -> str:
    v = _num(x)
    return "" if v is None else f"{int(v):,}"


BAND_TEXT = {"below": "Below 0.80", "within": "Within 0.80 to 1.25",
             "above": "Above 1.25 (adverse)"}


@dataclass(frozen=True)
class Row:
    label: str
    group: str
    suppressed: bool
    events: str
    base: str
    rate: str
    comparator_events: str
    comparator_base: str
    comparator_rate: str
    value: str
    ci: str
    band: str
    significant: str
    raw_value: float | None
    raw_lower: float | None
    raw_upper: float | None


def to_row(r, row_label: str) -> Row:
    hidden = bool(r.suppressed)
    sig = r.significant
    sig_text = "" if hidden or sig is None or sig is pd.NA or (
        isinstance(sig, float) and math.isnan(sig)) else ("Yes" if bool(sig) else "No")
    lo, hi = _num(r.ci_lower), _num(r.ci_upper)
    return Row(
        label=row_label, group=GROUP_LABELS.get(r.group, r.group), suppressed=hidden,
        events="c" if hidden else _count(r.events), base="c" if hidden else _count(r.base),
        rate="c" if hidden else _pct(r.rate),
        comparator_events="c" if hidden else _count(r.comparator_events),
        comparator_base="c" if hidden else _count(r.comparator_base),
        comparator_rate="c" if hidden else _pct(r.comparator_rate),
        value="c" if hidden else (_fmt(r.value) or "No ratio"),
        ci="" if hidden or lo is None else f"{lo:.2f} to {hi:.2f}",
        band="" if hidden else BAND_TEXT.get(r.band if isinstance(r.band, str) else "", ""),
        significant=sig_text, raw_value=None if hidden else _num(r.value),
        raw_lower=None if hidden else lo, raw_upper=None if hidden else hi)


def headline(table: pd.DataFrame, period: int) -> list[Row]:
    rows = table[(table["period"] == period) & (table["breakdown"] == "all")
                 & (table["group"] == "MINORITY")
                 & ~table["indicator"].isin(HEADLINE_EXCLUDED)]
    return [to_row(r, label(r.indicator)) for r in rows.itertuples()]


def by_group(table: pd.DataFrame, period: int, indicator: str) -> list[Row]:
    rows = table[(table["period"] == period) & (table["breakdown"] == "all")
                 & (table["indicator"] == indicator)]
    return [to_row(r, GROUP_LABELS.get(r.group, r.group)) for r in rows.itertuples()]


def trend(table: pd.DataFrame, indicator: str) -> list[Row]:
    rows = table[(table["breakdown"] == "all") & (table["indicator"] == indicator)
                 & (table["group"] == "MINORITY")].sort_values("period")
    return [to_row(r, str(r.period)) for r in rows.itertuples()]


def by_team(table: pd.DataFrame, period: int, indicator: str) -> list[Row]:
    rows = table[(table["period"] == period) & (table["breakdown"] == "team")
                 & (table["indicator"] == indicator) & (table["group"] == "MINORITY")]
    return [to_row(r, str(r.level)) for r in rows.itertuples()]


def representation(table: pd.DataFrame, period: int) -> list[dict]:
    """Shares of each grade (and of the workforce against the population) by group."""
    rows = table[(table["period"] == period) & (table["indicator"] == "representation")
                 & table["group"].isin(["WHITE", "MINORITY"])]
    out = []
    for r in rows.itertuples():
        hidden = bool(r.suppressed)
        where = "Whole workforce" if r.comparator == "population" else str(r.level)
        against = "Population" if r.comparator == "population" else "Whole workforce"
        out.append({"level": where, "group": GROUP_LABELS.get(r.group, r.group),
                    "count": "c" if hidden else _count(r.events),
                    "share": "c" if hidden else _pct(r.rate),
                    "against": against,
                    "comparator_share": "c" if hidden else _pct(r.comparator_rate),
                    "ratio": "c" if hidden else _fmt(r.value),
                    "ci": "" if hidden or _num(r.ci_lower) is None else
                    f"{_num(r.ci_lower):.2f} to {_num(r.ci_upper):.2f}"})
    return out


def periods(table: pd.DataFrame) -> list[int]:
    return sorted(int(p) for p in table["period"].unique())


def indicator_choices(table: pd.DataFrame) -> list[tuple[str, str]]:
    names = [i for i in dict.fromkeys(table["indicator"]) if i not in HEADLINE_EXCLUDED]
    return [(i, label(i)) for i in names]


# --------------------------------------------------------------------------- charts


def forest(rows: list[Row], *, y_title: str) -> str | None:
    """Relative likelihoods with their Katz intervals on a log scale, the 0.80-1.25 band
    shaded and a line at 1.  Suppressed rows and rows without a ratio are left out (the table
    beside the chart lists them)."""
    shown = [r for r in rows if r.raw_value and r.raw_lower and r.raw_upper]
    if not shown:
        return None
    low = min(0.5, *(r.raw_lower for r in shown)) * 0.9  # type: ignore[type-var]
    high = max(2.0, *(r.raw_upper for r in shown)) * 1.1  # type: ignore[type-var]
    frame = pd.DataFrame({"what": [r.label for r in shown],
                          "value": [r.raw_value for r in shown],
                          "lower": [r.raw_lower for r in shown],
                          "upper": [r.raw_upper for r in shown]})
    order = [r.label for r in shown]
    x = alt.X("value:Q", scale=alt.Scale(type="log", domain=[low, high]),
              title="Relative likelihood (above 1 is adverse to ethnic-minority staff)")
    y = alt.Y("what:N", sort=order, title=y_title)
    band = alt.Chart(pd.DataFrame({"lo": [BAND[0]], "hi": [BAND[1]]})).mark_rect(
        color="#dddddd").encode(x=alt.X("lo:Q", scale=alt.Scale(type="log",
                                                                domain=[low, high])),
                                x2="hi:Q")
    one = alt.Chart(pd.DataFrame({"v": [1.0]})).mark_rule(color="#1a1a1a").encode(
        x=alt.X("v:Q", scale=alt.Scale(type="log", domain=[low, high])))
    bars = alt.Chart(frame).mark_rule(color="#0072B2", strokeWidth=2).encode(
        x=alt.X("lower:Q", scale=alt.Scale(type="log", domain=[low, high])), x2="upper:Q", y=y)
    dots = alt.Chart(frame).mark_point(filled=True, size=60, color="#0072B2",
                                       shape="circle").encode(x=x, y=y)
    chart = alt.layer(band, one, bars, dots).properties(width=440,
                                                        height=max(60, 26 * len(shown)))
    return data_uri(chart)
