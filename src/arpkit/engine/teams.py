"""Comparing teams: funnel plots of each team against the authority (Spiegelhalter 2005).

Teams differ in size, so a league table of raw percentages rewards or punishes small teams by
chance.  A funnel plot compares each team's proportion with the authority-wide proportion and
draws control limits that narrow as the team's denominator grows (95% and 99.8%, PHE's pair,
methods.md §1.7).  Two comparisons matter for the programme:

* ``stage_conversion``: of the children a team took at a decision point (e.g. referral), the
  share who went on to the next (e.g. a section 47 enquiry);
* ``minority_share``: of the children a team holds at a stage, the share from ethnic minority
  groups (every known group except WHITE) - a team far above the funnel is where to look first.

Counts come from the same cube as the metrics table (:func:`metrics.count_period`), so the
numbers agree with it.  With ``suppression="dfe"`` a team whose numerator is 1-5 is shown
without its numbers (classification kept blank too: a "High" label could narrow the count).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arpkit.engine import funnel
from arpkit.engine import suppression as sdc
from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import KNOWN_GROUPS
from arpkit.engine.metrics import (
    CONVERSIONS,
    SUPPRESSION_MODES,
    MetricSettings,
    PeriodCounts,
    count_period,
    periods_present,
)
from arpkit.engine.warehouse import connect

FUNNEL_COLUMNS: tuple[str, ...] = (
    "measure", "stage", "to_stage", "basis", "period", "team", "numerator", "denominator",
    "value", "benchmark", "lower_95", "upper_95", "lower_998", "upper_998", "classification",
    "suppressed",
)
NOT_RECORDED = "not recorded"


def team_funnel(warehouse: object = None, period: int | None = None, *,
                suppression: str = "dfe", threshold: int = sdc.THRESHOLD,
                chinese_group: str = "asian", include_unrecorded: bool = False) -> pd.DataFrame:
    """Every team against the authority for ``period`` (default: the latest present).

    Returns one row per measure x stage x team with the team's proportion, the authority
    benchmark, the funnel limits at the team's denominator and the §1.7 classification.
    Children whose source records no team (the CIN census and SSDA903 carry none) are left out
    unless ``include_unrecorded``.
    """
    s = MetricSettings(suppression=suppression, threshold=threshold,
                       chinese_group=chinese_group)
    con = connect(warehouse)
    if period is None:
        present = periods_present(con)
        if not present:
            return pd.DataFrame(columns=list(FUNNEL_COLUMNS))
        period = present[-1]
    return funnel_from_counts(count_period(con, period, s), suppression=s.suppression,
                              threshold=threshold, include_unrecorded=include_unrecorded)


def funnel_from_counts(pc: PeriodCounts, *, suppression: str = "dfe",
                       threshold: int = sdc.THRESHOLD,
                       include_unrecorded: bool = False) -> pd.DataFrame:
    """:func:`team_funnel` from a period's count cube already computed
    (:func:`arpkit.engine.metrics.metrics_and_counts`), so the report pack counts each
    period once for both the metrics table and the funnels.  ``pc`` must have been counted
    with the same settings (authorities, CHNE grouping) as the funnel wants."""
    if suppression not in SUPPRESSION_MODES:
        raise ConfigError(f"suppression must be one of {SUPPRESSION_MODES}, "
                          f"not {suppression!r}")
    period = pc.period
    frames = [_conversion_rows(pc.conversions, period), _minority_rows(pc.stages, period)]
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(
        len(f) for f in frames) else pd.DataFrame(columns=list(FUNNEL_COLUMNS))
    if not include_unrecorded:
        out = out[out["team"] != NOT_RECORDED]
    out = _classify(out)
    if suppression == "dfe":
        hide = np.asarray(sdc.primary_suppress(out["numerator"].to_numpy(float), threshold),
                          dtype=bool)
        out["suppressed"] = hide
        for col in ("numerator", "value", "classification"):
            out[col] = out[col].astype(object).where(~hide, None)
    else:
        out["suppressed"] = False
    return out[list(FUNNEL_COLUMNS)].reset_index(drop=True)


def _conversion_rows(cube: pd.DataFrame, period: int) -> pd.DataFrame:
    if cube.empty:
        return pd.DataFrame()
    g = cube.groupby(["stage", "to_stage", "team"], as_index=False)[["n", "x"]].sum()
    order = {pair: i for i, pair in enumerate(CONVERSIONS)}
    g["_o"] = [order.get((a, b), 99) for a, b in zip(g["stage"], g["to_stage"], strict=True)]
    g = g.sort_values(["_o", "team"])
    return pd.DataFrame({
        "measure": "stage_conversion", "stage": g["stage"], "to_stage": g["to_stage"],
        "basis": "in_year", "period": period, "team": g["team"], "numerator": g["x"],
        "denominator": g["n"],
    })


def _minority_rows(cube: pd.DataFrame, period: int) -> pd.DataFrame:
    if cube.empty:
        return pd.DataFrame()
    known = cube[cube["ethnicity_group"].isin(KNOWN_GROUPS)]
    minority = known.assign(m=np.where(known["ethnicity_group"] != "WHITE", known["n"], 0))
    g = minority.groupby(["stage", "basis", "team"], as_index=False)[["n", "m"]].sum()
    return pd.DataFrame({
        "measure": "minority_share", "stage": g["stage"], "to_stage": None,
        "basis": g["basis"], "period": period, "team": g["team"], "numerator": g["m"],
        "denominator": g["n"],
    })


def _classify(df: pd.DataFrame) -> pd.DataFrame:
    """Benchmark, limits and classification within each measure x stage x basis."""
    parts = []
    for _, part in df.groupby(["measure", "stage", "to_stage", "basis"], dropna=False,
                              sort=False):
        part = part[part["denominator"] > 0].copy()
        if part.empty:
            continue
        x = part["numerator"].to_numpy(float)
        n = part["denominator"].to_numpy(float)
        bench = funnel.proportion_benchmark(x, n)
        lo95, up95 = funnel.proportion_funnel_limits(n, bench, 0.95)
        lo998, up998 = funnel.proportion_funnel_limits(n, bench, 0.998)
        part["value"] = x / n
        part["benchmark"] = bench
        part["lower_95"], part["upper_95"] = lo95, up95
        part["lower_998"], part["upper_998"] = lo998, up998
        part["classification"] = funnel.classify_proportion(x, n, bench)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=list(FUNNEL_COLUMNS))
    return pd.concat(parts, ignore_index=True)
