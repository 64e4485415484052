"""The disproportionality metrics table: the numbers leaders will act on.

Counting (who is in which stage) is Ibis over the warehouse tables (:mod:`counting`), run as
ONE query per period that returns a small cube of distinct-child counts by every breakdown
dimension, so DuckDB and Spark produce identical counts.  The statistics are then computed from
those exact counts with the vectorised, tested primitives in :mod:`intervals`, :mod:`ratios`
and :mod:`trends`; disclosure control (:mod:`suppression`) is applied last.  Formulas and
conventions: ``docs/metrics.md`` and methods.md.

Output contract (stable; analysts script against it) — one row per measure x stage x basis x
period x breakdown x group, columns :data:`COLUMNS`:

* ``rate_per_10k``: 10,000 n / population, exact Poisson (n < 10) or Byar limits (PHE).
* ``disproportionality_index``: O / E, E = population x N_known / total population (Hill 2006),
  interval = Poisson limits of O / E (PHE ISR form).
* ``disparity_ratio``: group rate / reference rate, Katz log interval, methods.md §1.4 zero rules.
* ``stage_conversion``: share of from-stage children reaching to-stage, Wilson interval.
* ``rri``: group conversion / reference conversion (OJJDP relative rate index), Katz interval.
* ``<measure>_change``: the measure in this period against the previous period present (rate
  ratio with Katz; difference of proportions with Newcombe; ratio of ratios by log z-test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arpkit.engine import counting, intervals, ratios, trends
from arpkit.engine import suppression as sdc
from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import (
    DFE_CODES,
    GROUPS,
    KNOWN_CODES,
    KNOWN_GROUPS,
    check_chinese_group,
    group_for_code,
)
from arpkit.engine.tidy import is_missing as _na
from arpkit.engine.tidy import tidy_frame
from arpkit.engine.warehouse import connect

COLUMNS: tuple[str, ...] = (
    "measure", "stage", "to_stage", "basis", "period", "breakdown", "group", "reference_group",
    "numerator", "denominator", "value", "ci_lower", "ci_upper", "significant", "suppressed",
)

#: Stages counted, and the bases each has.
STAGES: tuple[str, ...] = (
    "contact", "early_help", "referral", "assessment", "s47", "cin", "cp_plan", "cla",
)
#: Decision-point pairs for stage conversion and the RRI.
CONVERSIONS: tuple[tuple[str, str], ...] = (
    ("contact", "early_help"), ("contact", "referral"), ("referral", "assessment"),
    ("referral", "s47"), ("s47", "cp_plan"), ("referral", "cla"),
)
#: Dimensions of the count cube, and the breakdowns built from them.
DIMS: tuple[str, ...] = (
    "ethnicity_code", "ethnicity_group", "sex", "age_band", "disability", "uasc", "team",
)
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "all": (),
    "ethnicity_group": ("ethnicity_group",),
    "ethnicity_code": ("ethnicity_code",),
    "sex": ("sex",),
    "age_band": ("age_band",),
    "disability": ("disability",),
    "uasc": ("uasc",),
    "team": ("team",),
    "ethnicity_group_x_sex": ("ethnicity_group", "sex"),
    "ethnicity_group_x_age_band": ("ethnicity_group", "age_band"),
}
#: Looked-after figures are published both including and excluding UASC (DfE).
EXCLUDING_UASC = "ethnicity_group_excluding_uasc"
SUPPRESSION_MODES: tuple[str, ...] = ("dfe", "none")
ALL = "ALL"
SEP = " | "  # joins the two parts of an intersectional group, e.g. "BLACK | F"


@dataclass(frozen=True)
class MetricSettings:
    """Choices that change the numbers; every one is recorded in the output's ``attrs``."""

    suppression: str = "dfe"
    threshold: int = sdc.THRESHOLD
    chinese_group: str = "asian"
    reference_code: str = "WBRI"
    reference_group: str = "WHITE"
    confidence: float = 0.95
    la_codes: tuple[str, ...] | None = None
    population_source: str | None = None

    def __post_init__(self) -> None:
        check_chinese_group(self.chinese_group)
        if self.suppression not in SUPPRESSION_MODES:
            raise ConfigError(f"suppression must be one of {SUPPRESSION_MODES}, "
                              f"not {self.suppression!r}")
        if self.reference_code not in KNOWN_CODES:
            raise ConfigError(f"reference code {self.reference_code!r} is not a DfE ethnic "
                              "group code")
        if self.reference_group not in KNOWN_GROUPS:
            raise ConfigError(f"reference group {self.reference_group!r} is not one of "
                              f"{', '.join(KNOWN_GROUPS)}")


#: ``on_qualified(period, qualified)``: see :func:`count_period`.
OnQualified = Callable[[int, Any], None]


@dataclass
class PeriodCounts:
    """Exact (unsuppressed) counts for one period: the cube of qualifying children by stage and
    basis, the conversion cube, and the chosen denominators."""

    period: int
    stages: pd.DataFrame          # stage, basis, *DIMS, n
    conversions: pd.DataFrame     # stage, to_stage, *DIMS, n, x
    population: pd.DataFrame      # ethnicity_code, ethnicity_group, population
    sources: dict[str, str | None] = field(default_factory=dict)
    population_label: str | None = None


# --------------------------------------------------------------------------- counting


def _restrict(con, la_codes: Sequence[str] | None):
    """An Ibis 'view' of the warehouse limited to some authorities (pooled otherwise)."""
    if not la_codes:
        return con

    class _Scoped:
        def __init__(self, inner):
            self._inner = inner

        def table(self, name: str):
            t = self._inner.table(name)
            return t.filter(t.la_code.isin(list(la_codes))) if "la_code" in t.columns else t

    return _Scoped(con)


def periods_present(con) -> list[int]:
    """Collection years with a current import (returns, not population)."""
    imp = con.table("imports")
    df = (imp.filter(imp.status == "current", imp.kind != "population", imp.period.notnull())
          .select("period").distinct().to_pandas())
    return sorted(int(p) for p in df["period"])


def count_period(con, period: int, settings: MetricSettings,
                 on_qualified: OnQualified | None = None) -> PeriodCounts:
    """Run the counting rules for one period as a single Ibis query.

    Why it is shaped like this (benchmarks/README.md has the figures): the qualifying
    children are materialised once (a temporary table on DuckDB, a cached DataFrame on Spark)
    and joined to their characteristics once.  A stage conversion's denominator is exactly
    the from-stage's in-year children, so conversions are not counted from rows of their
    own: each qualifying child carries one ``converted`` flag per to-stage (its last to-stage
    event is on or after its count date, :func:`counting.last_stage_dates`), the one cube
    sums the flags, and the conversion table is read off the from-stage's in-year cells.
    The counts are those of :func:`counting.converted_children`.

    ``on_qualified(period, qualified)``, if given, is called with the materialised qualifying
    children (columns of :func:`counting.qualifying_children`, every stage) while they exist,
    so another count over the same children (the quality report's completeness by team and
    by return) reads them instead of counting them again.
    """
    scoped = _restrict(con, settings.la_codes)
    sources = counting.stage_sources(scoped, period)
    to_stages = sorted({b for _, b in CONVERSIONS})
    with counting.qualifying_children(scoped, period, sources, STAGES).cache() as q:
        if on_qualified is not None:
            on_qualified(period, q)
        last = counting.last_stage_dates(scoped, period, sources, to_stages)
        j = q.left_join(last, q.child_key == last.last_child)
        flags = {f"x_{to}": (j[f"last_{to}"] >= j.count_date).fill_null(False).cast("int64")
                 for to in to_stages}
        rows = j.select(*q.columns, **flags)
        w = counting.with_characteristics(scoped, rows, settings.chinese_group)
        cube = (w.group_by(["stage", "basis", *DIMS])
                .agg(n=w.count(), **{x: w[x].sum().cast("int64") for x in flags})
                .to_pandas())
    cube["n"] = cube["n"].astype("int64")
    stages = cube[["stage", "basis", *DIMS, "n"]]
    parts = []
    for a, b in CONVERSIONS:
        cells = cube[(cube["stage"] == a) & (cube["basis"] == "in_year")]
        parts.append(pd.DataFrame({"stage": cells["stage"], "to_stage": b,
                                   **{d: cells[d] for d in DIMS}, "n": cells["n"],
                                   "x": cells[f"x_{b}"].fillna(0).astype("int64")}))
    conversions = pd.concat(parts, ignore_index=True)
    if len(conversions):
        conversions["to_stage"] = conversions["to_stage"].astype(cube["stage"].dtype)
    # Backends return groups in any order; sort so the output order is stable everywhere.
    stages = stages.sort_values(["stage", "basis", *DIMS], na_position="last")
    conversions = conversions.sort_values(["stage", "to_stage", *DIMS], na_position="last")
    pop, label = _population(scoped, period, settings)
    return PeriodCounts(period, stages.reset_index(drop=True), conversions.reset_index(drop=True),
                        pop, sources, label)


def _population(con, period: int, settings: MetricSettings) -> tuple[pd.DataFrame, str | None]:
    """The denominator for ``period``: rows for the period itself if any, else rows that apply
    to every period; among several sources or vintages, the one asked for, else the most
    recently imported.  Age and sex splits are summed (rates are for all children 0-17)."""
    p = con.table("population")
    imp = con.table("imports").select("import_id", "imported_at")
    rows = (p.filter((p.period == period) | p.period.isnull())
            .join(imp, "import_id").to_pandas())
    empty = pd.DataFrame({"ethnicity_code": pd.Series(dtype=object),
                          "ethnicity_group": pd.Series(dtype=object),
                          "population": pd.Series(dtype="int64")})
    if rows.empty:
        return empty, None
    if settings.population_source:
        rows = rows[rows["source"] == settings.population_source]
        if rows.empty:
            raise ConfigError(f"no population from source {settings.population_source!r} "
                              f"for period {period}")
    # Chosen per authority: in a pool whose authorities imported different vintages, every
    # authority keeps its own denominator (not only the one imported last).  Ties on
    # imported_at are broken by source and vintage so every backend picks the same rows.
    picked, labels = [], []
    for _, own in rows.groupby("la_code", sort=True, dropna=False):
        exact = own[own["period"].notna()]
        own = exact if not exact.empty else own
        own = own.assign(vintage=own["vintage"].fillna(""))
        latest = own.sort_values(["imported_at", "source", "vintage"], kind="stable").iloc[-1]
        picked.append(own[(own["source"] == latest["source"])
                          & (own["vintage"] == latest["vintage"])])
        labels.append(f"{latest['source']} ({latest['vintage'] or 'vintage not stated'})")
    chosen = pd.concat(picked, ignore_index=True)
    grp = chosen["ethnicity_group"].where(
        chosen["ethnicity_code"].isna(),
        chosen["ethnicity_code"].map(lambda c: group_for_code(c, settings.chinese_group)))
    out = pd.DataFrame({"ethnicity_code": chosen["ethnicity_code"].to_numpy(),
                        "ethnicity_group": grp.to_numpy(),
                        "population": chosen["population"].astype("int64").to_numpy()})
    return out, "; ".join(dict.fromkeys(labels))


# --------------------------------------------------------------------------- tables of counts


def _groups_for(breakdown: str, observed: Iterable[str]) -> list[str]:
    """Every group a breakdown shows: all ethnic groups/codes even when zero, else those seen."""
    if breakdown in ("ethnicity_group", EXCLUDING_UASC):
        return list(GROUPS)
    if breakdown == "ethnicity_code":
        return [*DFE_CODES, "UNKNOWN"]
    return sorted(set(observed))


def _breakdown_counts(cube: pd.DataFrame, keys: list[str], value_cols: list[str]) -> pd.DataFrame:
    """Marginal counts for every breakdown: columns keys + breakdown, group, parent1, parent2,
    known, value_cols.  Zero rows are added for ethnic groups/codes with no children."""
    frames = []
    for breakdown, dims in [*BREAKDOWNS.items(), (EXCLUDING_UASC, ("ethnicity_group",))]:
        src = cube
        if breakdown == EXCLUDING_UASC:
            src = cube[(cube["stage"] == "cla") & (cube["uasc"] != "uasc")] if "stage" in cube \
                else cube.iloc[0:0]
            if "to_stage" in cube.columns:
                continue
        if not dims:
            agg = src.groupby(keys, dropna=False)[value_cols].sum().reset_index()
            agg["group"] = ALL
            agg["parent1"] = None
            agg["parent2"] = None
        else:
            agg = src.groupby([*keys, *dims], dropna=False)[value_cols].sum().reset_index()
            if len(dims) == 1:
                agg["group"] = agg[dims[0]].astype(str)
                agg["parent1"] = (agg[dims[0]].map(lambda c: _code_group(c, None))
                                  if dims[0] == "ethnicity_code" else None)
                agg["parent2"] = None
            else:
                agg["group"] = agg[dims[0]].astype(str) + SEP + agg[dims[1]].astype(str)
                agg["parent1"] = agg[dims[0]].astype(str)
                agg["parent2"] = agg[dims[1]].astype(str)
            agg = agg.drop(columns=list(dims))
            agg = _complete(agg, keys, breakdown, value_cols, src)
        agg["breakdown"] = breakdown
        frames.append(agg)
    out = pd.concat(frames, ignore_index=True)
    out["known"] = [_known(b, g, p) for b, g, p in
                    zip(out["breakdown"], out["group"], out["parent1"], strict=True)]
    return out


def _code_group(code: str, chinese_group: str | None) -> str:
    return group_for_code(code if code != "UNKNOWN" else None, chinese_group or "asian")


def _complete(agg: pd.DataFrame, keys: list[str], breakdown: str, value_cols: list[str],
              src: pd.DataFrame) -> pd.DataFrame:
    """Add zero rows for ethnic groups or codes that no child in a stage has."""
    if breakdown not in ("ethnicity_group", "ethnicity_code", EXCLUDING_UASC):
        return agg
    combos = src[keys].drop_duplicates() if len(src) else pd.DataFrame(columns=keys)
    if "stage" in keys and len(combos) == 0:
        return agg
    full = combos.merge(pd.DataFrame({"group": _groups_for(breakdown, [])}), how="cross")
    merged = full.merge(agg, on=[*keys, "group"], how="left")
    for col in value_cols:
        merged[col] = merged[col].fillna(0).astype("int64")
    if breakdown == "ethnicity_code":
        merged["parent1"] = merged["group"].map(lambda c: _code_group(c, None))
    else:
        merged["parent1"] = None
    merged["parent2"] = None
    return merged


def _known(breakdown: str, group: str, parent1: object) -> object:
    """For margins: True/False for ethnic breakdowns (known-ethnicity total), else None."""
    if breakdown in ("ethnicity_group", EXCLUDING_UASC):
        return group in KNOWN_GROUPS
    if breakdown == "ethnicity_code":
        return group in KNOWN_CODES
    if breakdown.startswith("ethnicity_group_x_"):
        return parent1 in KNOWN_GROUPS
    return None


# --------------------------------------------------------------------------- measures


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMNS))


def _frame(**cols) -> pd.DataFrame:
    return tidy_frame(COLUMNS, **cols)


def _rates(sc: pd.DataFrame, pc: PeriodCounts, s: MetricSettings) -> pd.DataFrame:
    pop_code = pc.population.dropna(subset=["ethnicity_code"]).groupby(
        "ethnicity_code")["population"].sum()
    pop_group = pc.population.groupby("ethnicity_group")["population"].sum()
    total_pop = float(pc.population["population"].sum()) if len(pc.population) else np.nan

    def pop_for(row) -> float:
        b, g = row["breakdown"], row["group"]
        if b == "all":
            return total_pop
        if b in ("ethnicity_group", EXCLUDING_UASC):
            return float(pop_group.get(g, np.nan)) if g in KNOWN_GROUPS else np.nan
        if b == "ethnicity_code":
            return float(pop_code.get(g, np.nan)) if g in KNOWN_CODES else np.nan
        return np.nan

    rows = sc.copy()
    rows["denominator"] = rows.apply(pop_for, axis=1) if len(rows) else []
    has = rows["denominator"].notna() & (rows["denominator"] > 0)
    est = intervals.rate_limits(rows["n"].to_numpy(float),
                                rows["denominator"].where(has, 0).to_numpy(float), 10_000,
                                s.confidence)
    value = np.where(has, est.value, np.nan)
    out = _frame(measure="rate_per_10k", stage=rows["stage"], to_stage=None, basis=rows["basis"],
                 period=pc.period, breakdown=rows["breakdown"], group=rows["group"],
                 reference_group=None, numerator=rows["n"],
                 denominator=rows["denominator"].where(has),
                 value=value, ci_lower=np.where(has, est.lower, np.nan),
                 ci_upper=np.where(has, est.upper, np.nan), significant=None, suppressed=False)
    out["_se"] = np.nan
    return out


def _ethnic_rows(sc: pd.DataFrame, pc: PeriodCounts, breakdown: str) -> pd.DataFrame:
    pop = pc.population
    rows = sc[sc["breakdown"] == breakdown].copy()
    if breakdown == "ethnicity_code":
        p = pop.dropna(subset=["ethnicity_code"]).groupby("ethnicity_code")["population"].sum()
        rows = rows[rows["group"].isin(KNOWN_CODES)]
    else:
        p = pop.groupby("ethnicity_group")["population"].sum()
        rows = rows[rows["group"].isin(KNOWN_GROUPS)]
    rows["pop"] = rows["group"].map(p).astype(float)
    return rows[rows["pop"].notna() & (rows["pop"] > 0)]


def _di(sc: pd.DataFrame, pc: PeriodCounts, s: MetricSettings) -> pd.DataFrame:
    frames = []
    for breakdown in ("ethnicity_group", "ethnicity_code", EXCLUDING_UASC):
        rows = _ethnic_rows(sc, pc, breakdown)
        if rows.empty:
            continue
        key = ["stage", "basis"]
        x = rows.groupby(key)["n"].transform("sum").to_numpy(float)
        big_n = rows.groupby(key)["pop"].transform("sum").to_numpy(float)
        res = ratios.disproportionality_index(rows["n"].to_numpy(float),
                                              rows["pop"].to_numpy(float), x, big_n,
                                              s.confidence)
        f = _frame(measure="disproportionality_index", stage=rows["stage"], to_stage=None,
                   basis=rows["basis"], period=pc.period, breakdown=breakdown,
                   group=rows["group"], reference_group=None, numerator=rows["n"],
                   denominator=res.expected, value=res.value, ci_lower=res.lower,
                   ci_upper=res.upper,
                   significant=_significant(res.lower, res.upper), suppressed=False)
        f["_se"] = trends.di_log_se(rows["n"].to_numpy(float))
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else _empty_rows()


def _disparity(sc: pd.DataFrame, pc: PeriodCounts, s: MetricSettings) -> pd.DataFrame:
    frames = []
    for breakdown, ref in (("ethnicity_group", s.reference_group),
                           ("ethnicity_code", s.reference_code),
                           (EXCLUDING_UASC, s.reference_group)):
        rows = _ethnic_rows(sc, pc, breakdown)
        refs = rows[rows["group"] == ref][["stage", "basis", "n", "pop"]].rename(
            columns={"n": "ref_n", "pop": "ref_pop"})
        rows = rows[rows["group"] != ref].merge(refs, on=["stage", "basis"], how="inner")
        if rows.empty:
            continue
        res = ratios.katz_ratio(rows["n"].to_numpy(float), rows["pop"].to_numpy(float),
                                rows["ref_n"].to_numpy(float), rows["ref_pop"].to_numpy(float),
                                s.confidence)
        f = _frame(measure="disparity_ratio", stage=rows["stage"], to_stage=None,
                   basis=rows["basis"], period=pc.period, breakdown=breakdown,
                   group=rows["group"], reference_group=ref, numerator=rows["n"],
                   denominator=rows["pop"], value=res.value, ci_lower=res.lower,
                   ci_upper=res.upper, significant=_significant(res.lower, res.upper),
                   suppressed=False)
        f["_se"] = res.se_log
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else _empty_rows()


def _conversions(cc: pd.DataFrame, pc: PeriodCounts, s: MetricSettings) -> pd.DataFrame:
    est = intervals.proportion_limits(cc["x"].to_numpy(float), cc["n"].to_numpy(float), 1,
                                      s.confidence)
    f = _frame(measure="stage_conversion", stage=cc["stage"], to_stage=cc["to_stage"],
               basis="in_year", period=pc.period, breakdown=cc["breakdown"], group=cc["group"],
               reference_group=None, numerator=cc["x"], denominator=cc["n"], value=est.value,
               ci_lower=est.lower, ci_upper=est.upper, significant=None, suppressed=False)
    f["_se"] = np.nan
    return f


def _rri(cc: pd.DataFrame, pc: PeriodCounts, s: MetricSettings) -> pd.DataFrame:
    frames = []
    key = ["stage", "to_stage"]
    for breakdown, ref in (("ethnicity_group", s.reference_group),
                           ("ethnicity_code", s.reference_code),
                           ("ethnicity_group_x_sex", s.reference_group),
                           ("ethnicity_group_x_age_band", s.reference_group)):
        rows = cc[cc["breakdown"] == breakdown].copy()
        if breakdown.startswith("ethnicity_group_x_"):
            rows = rows[rows["parent1"].isin(KNOWN_GROUPS)]
            refs = rows[rows["parent1"] == ref][[*key, "parent2", "group", "n", "x"]].rename(
                columns={"n": "ref_n", "x": "ref_x", "group": "ref_label"})
            rows = rows[rows["parent1"] != ref].merge(refs, on=[*key, "parent2"], how="inner")
        else:
            rows = rows[rows["group"].isin(KNOWN_GROUPS if breakdown == "ethnicity_group"
                                           else KNOWN_CODES)]
            refs = rows[rows["group"] == ref][[*key, "n", "x"]].rename(
                columns={"n": "ref_n", "x": "ref_x"})
            rows = rows[rows["group"] != ref].merge(refs, on=key, how="inner")
            rows["ref_label"] = ref
        rows = rows[(rows["n"] > 0) & (rows["ref_n"] > 0)]
        if rows.empty:
            continue
        res = ratios.katz_ratio(rows["x"].to_numpy(float), rows["n"].to_numpy(float),
                                rows["ref_x"].to_numpy(float), rows["ref_n"].to_numpy(float),
                                s.confidence)
        f = _frame(measure="rri", stage=rows["stage"], to_stage=rows["to_stage"],
                   basis="in_year", period=pc.period, breakdown=breakdown, group=rows["group"],
                   reference_group=rows["ref_label"], numerator=rows["x"],
                   denominator=rows["n"], value=res.value, ci_lower=res.lower,
                   ci_upper=res.upper, significant=_significant(res.lower, res.upper),
                   suppressed=False)
        f["_se"] = res.se_log
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else _empty_rows()


def _significant(lower, upper) -> list[object]:
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    return [None if np.isnan(a) or np.isnan(b) else bool(a > 1 or b < 1)
            for a, b in zip(lo, hi, strict=True)]


# --------------------------------------------------------------------------- suppression


_KEYS = ["kind", "stage", "to_stage", "basis", "breakdown", "group"]
_STAGE_KEY = ["kind", "stage", "to_stage", "basis"]
_MARGINS = [
    [*_STAGE_KEY, "bm"],
    [*_STAGE_KEY, "bm", "known"],
    [*_STAGE_KEY, "bm", "parent1"],
    [*_STAGE_KEY, "bm", "parent2"],
]


def _count_table(sc: pd.DataFrame, cc: pd.DataFrame) -> pd.DataFrame:
    """Every published count of a period, keyed for margins and links."""
    a = sc.assign(kind="stage", to_stage="", count=sc["n"])
    b = cc.assign(kind="conversion", basis="in_year", count=cc["x"])
    t = pd.concat([a, b], ignore_index=True)[[*_KEYS, "parent1", "parent2", "known", "count"]]
    t["bm"] = t["breakdown"]
    # 'all' rows ARE the published totals of the margins above, not members of them.
    t.loc[t["breakdown"] == "all", ["parent1", "parent2", "known", "bm"]] = None
    for col in ("known", "parent1", "parent2", "bm"):
        t[col] = t[col].astype(object).where(t[col].notna(), None)
    return t


_ROW_FIELDS = ["kind", "stage", "to_stage", "basis", "breakdown", "parent1", "parent2"]


def _total_row(row: tuple, margin: str, index: dict) -> int | None:
    """The published cell that a margin group equals when the group has one member, or whose
    members the group are.  ``row`` is a member's :data:`_ROW_FIELDS`."""
    kind, stage, to_stage, basis, breakdown, parent1, parent2 = row
    base = (kind, stage, to_stage, basis)
    if margin == "bm":
        return index.get((*base, "all", ALL))
    if margin == "parent1":
        return index.get((*base, "ethnicity_group", parent1))
    if margin == "parent2":
        second = breakdown.removeprefix("ethnicity_group_x_")
        return index.get((*base, second, parent2))
    return None


def _suppression_mask(counts: pd.DataFrame, threshold: int) -> pd.Series:
    """Primary and secondary suppression over all counts of one period.

    A margin group with a single member is the same number as its published total (for
    example OOTH is the whole of OTHER): such groups are taken out of the margins and the two
    cells are tied instead, so either both are shown or both are suppressed.
    """
    mask = pd.Series(np.asarray(sdc.primary_suppress(counts["count"].to_numpy(float),
                                                     threshold), dtype=bool), index=counts.index)
    index = {tuple(k): i for i, k in zip(counts.index, counts[_KEYS].itertuples(index=False),
                                          strict=True)}
    # The fields a total is found by, read once: a margin's own column is only ever cleared
    # for rows that have left that margin, so these stay true for every row looked up below.
    fields = dict(zip(counts.index, counts[_ROW_FIELDS].itertuples(index=False, name=None),
                      strict=True))
    ties: list[tuple[int, int]] = []
    for margin in ("bm", "known", "parent1", "parent2"):
        keys = _STAGE_KEY + (["bm"] if margin == "bm" else ["bm", margin])
        live = counts[counts[margin].notna() & counts["bm"].notna()]
        sizes = live.groupby(keys, dropna=True)["count"].transform("size")
        for i in live.index[sizes.to_numpy() == 1]:
            total = _total_row(fields[i], margin, index)
            counts.loc[i, margin] = None
            if total is not None:
                ties.append((i, total))
    # A total that is itself suppressed (through a tie or a withheld breakdown) must not be
    # rebuilt by adding up its members in another breakdown (OTHER from OTHER | F plus
    # OTHER | M): while a total is suppressed, at least one of its members is too.
    covers: list[tuple[int, np.ndarray]] = []
    for margin in ("bm", "parent1", "parent2"):
        keys = _STAGE_KEY + (["bm"] if margin == "bm" else ["bm", margin])
        live = counts[counts[margin].notna() & counts["bm"].notna()]
        for _, group in live.groupby(keys, dropna=True, sort=True):
            total = _total_row(fields[group.index[0]], margin, index)
            if total is not None:
                covers.append((total, group.index.to_numpy()))
    members = counts[counts["bm"].notna()]
    # Every margin lies within one breakdown of one stage, so each is protected on its own;
    # only parts holding a suppressed cell need work, and only parts a tie touched need redoing.
    parts = [part for _, part in members.groupby([*_STAGE_KEY, "bm"], sort=True)]
    part_of = {i: k for k, part in enumerate(parts) for i in part.index}
    dirty = {k for k, part in enumerate(parts) if mask[part.index].any()}
    while dirty:
        for k in sorted(dirty):
            part = parts[k]
            try:
                mask[part.index] = sdc.secondary_suppress(
                    part.reset_index(drop=True), _MARGINS, threshold=threshold,
                    primary=mask[part.index].to_numpy()).to_numpy()
            except sdc.DisclosureError:
                # Some small cross-tabulations cannot be protected cell by cell (e.g. a 2x2
                # table whose margins are all published): withhold the whole breakdown, zeros
                # too (a lone non-zero cell beside shown zeros is its published total).
                mask[part.index] = True
        dirty = set()
        for a, b in ties:
            if mask[a] != mask[b]:
                mask[a] = mask[b] = True
                dirty.update(part_of[i] for i in (a, b) if i in part_of)
        for total, group in covers:
            if mask[total] and not mask[group].any():
                shown = [i for i in group if counts.at[i, "count"] > 0]
                if shown:
                    pick = min(shown, key=lambda i: counts.at[i, "count"])
                    mask[pick] = True
                    dirty.add(part_of[pick])
    return mask


def _suppress(rows: pd.DataFrame, sc: pd.DataFrame, cc: pd.DataFrame,
              s: MetricSettings) -> pd.DataFrame:
    counts = _count_table(sc, cc)
    mask = _suppression_mask(counts, s.threshold)
    counts["suppressed"] = mask
    # A plain dict: one look-up per measure row (thousands), where a MultiIndex ``get``
    # costs a hundred times more.
    lookup = dict(zip(counts[_KEYS].itertuples(index=False, name=None),
                      mask.to_numpy(dtype=bool).tolist(), strict=True))

    def flag(kind: str, stage, to_stage, basis, breakdown, group) -> bool:
        return lookup.get((kind, stage, to_stage, basis, breakdown, group), False)

    known_hidden = _known_suppressed(counts)
    out = []
    for r in rows.itertuples(index=False):
        if r.measure in ("rate_per_10k", "disproportionality_index", "disparity_ratio"):
            sup = flag("stage", r.stage, "", r.basis, r.breakdown, r.group)
            if r.measure == "disparity_ratio":
                sup = sup or flag("stage", r.stage, "", r.basis, r.breakdown, r.reference_group)
            if r.measure == "disproportionality_index":
                # E uses the known-ethnicity total: suppressed if any known cell is.
                sup = sup or (r.stage, r.basis, r.breakdown) in known_hidden
        else:
            sup = (flag("conversion", r.stage, r.to_stage, "in_year", r.breakdown, r.group)
                   or flag("stage", r.stage, "", "in_year", r.breakdown, r.group))
            if r.measure == "rri":
                sup = sup or flag("conversion", r.stage, r.to_stage, "in_year", r.breakdown,
                                  r.reference_group) \
                    or flag("stage", r.stage, "", "in_year", r.breakdown, r.reference_group)
        out.append(sup)
    rows = rows.copy()
    rows["suppressed"] = out
    blank = rows["suppressed"]
    for col in ("numerator", "value", "ci_lower", "ci_upper", "significant", "_se"):
        rows[col] = rows[col].astype(object).where(~blank, None)
    # A denominator is a population estimate (published) except for conversions and the RRI,
    # where it is the from-stage count and follows that count's suppression.
    conv = rows["measure"].isin(["stage_conversion", "rri"])
    from_sup = [flag("stage", r.stage, "", "in_year", r.breakdown, r.group)
                for r in rows.itertuples(index=False)]
    hide = conv & pd.Series(from_sup, index=rows.index)
    rows["denominator"] = rows["denominator"].astype(object).where(~hide, None)
    di = rows["measure"] == "disproportionality_index"
    rows["denominator"] = rows["denominator"].where(~(di & blank), None)
    return rows


def _known_suppressed(counts: pd.DataFrame) -> set[tuple]:
    """(stage, basis, breakdown) of every stage table with a suppressed known-ethnicity
    count: one pass, instead of filtering every count once per DI row."""
    sel = counts[(counts["kind"] == "stage") & (counts["known"] == True)  # noqa: E712
                 & counts["suppressed"].astype(bool)]
    return set(zip(sel["stage"], sel["basis"], sel["breakdown"], strict=True))


# --------------------------------------------------------------------------- trends


_TREND_KEYS = ["measure", "stage", "to_stage", "basis", "breakdown", "group", "reference_group"]


def _changes(current: pd.DataFrame, previous: pd.DataFrame, s: MetricSettings) -> pd.DataFrame:
    """Change of every measure against the previous period present (unsuppressed inputs)."""
    cur = current.fillna({"to_stage": "", "reference_group": ""})
    prev = previous.fillna({"to_stage": "", "reference_group": ""})
    m = cur.merge(prev, on=_TREND_KEYS, suffixes=("", "_prev"))
    frames = []
    for measure, kind in (("rate_per_10k", "rate"), ("stage_conversion", "proportion"),
                          ("disproportionality_index", "ratio"), ("disparity_ratio", "ratio"),
                          ("rri", "ratio")):
        rows = m[m["measure"] == measure]
        if kind == "rate":
            rows = rows[rows["denominator"].notna() & rows["denominator_prev"].notna()]
        if rows.empty:
            continue
        def f64(col: str, rows: pd.DataFrame = rows) -> np.ndarray:
            return rows[col].astype(float).to_numpy()

        if kind == "rate":
            res = trends.rate_change(f64("numerator_prev"), f64("denominator_prev"),
                                     f64("numerator"), f64("denominator"), s.confidence)
        elif kind == "proportion":
            res = trends.proportion_change(f64("numerator_prev"), f64("denominator_prev"),
                                           f64("numerator"), f64("denominator"), s.confidence)
        else:
            res = trends.ratio_change(f64("value_prev"), f64("_se_prev"), f64("value"),
                                      f64("_se"), s.confidence)
        f = _frame(measure=f"{measure}_change", stage=rows["stage"],
                   to_stage=rows["to_stage"].replace("", None), basis=rows["basis"],
                   period=rows["period"], breakdown=rows["breakdown"], group=rows["group"],
                   reference_group=rows["reference_group"].replace("", None),
                   numerator=rows["numerator"], denominator=rows["numerator_prev"],
                   value=res.estimate, ci_lower=res.lower, ci_upper=res.upper,
                   significant=list(res.significant), suppressed=False)
        f["_prev_period"] = rows["period_prev"].to_numpy()
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else _empty_rows()


# --------------------------------------------------------------------------- public API


@dataclass
class PeriodMetrics:
    """Unsuppressed metric rows for one period (with a private ``_se`` column) and the count
    tables they came from (needed for suppression)."""

    rows: pd.DataFrame
    counts: PeriodCounts
    stage_counts: pd.DataFrame
    conversion_counts: pd.DataFrame


def compute_period(con, period: int, settings: MetricSettings,
                   on_qualified: OnQualified | None = None) -> PeriodMetrics:
    """Count and compute every measure for one period, before suppression."""
    pc = count_period(con, period, settings, on_qualified)
    keys = ["stage", "basis"]
    sc = _breakdown_counts(pc.stages, keys, ["n"]) if len(pc.stages) else pd.DataFrame(
        columns=[*keys, "n", "breakdown", "group", "parent1", "parent2", "known"])
    cc = _breakdown_counts(pc.conversions, ["stage", "to_stage"], ["n", "x"]) \
        if len(pc.conversions) else pd.DataFrame(
            columns=["stage", "to_stage", "n", "x", "breakdown", "group", "parent1", "parent2",
                     "known"])
    parts = [_rates(sc, pc, settings), _di(sc, pc, settings), _disparity(sc, pc, settings),
             _conversions(cc, pc, settings), _rri(cc, pc, settings)]
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return PeriodMetrics(rows, pc, sc, cc)


def metrics(warehouse: object = None, period: int | Sequence[int] | None = None, *,
            suppression: str = "dfe", threshold: int = sdc.THRESHOLD,
            chinese_group: str = "asian", reference_code: str = "WBRI",
            reference_group: str = "WHITE", confidence: float = 0.95,
            la_codes: Sequence[str] | None = None,
            population_source: str | None = None) -> pd.DataFrame:
    """The metrics table for one or more periods (default: every period in the warehouse).

    Each period also gets ``<measure>_change`` rows against the previous period present.
    ``warehouse`` is a DuckDB file path or an Ibis backend holding the warehouse tables (e.g.
    Spark).  Settings are recorded in ``DataFrame.attrs``.
    """
    s = MetricSettings(suppression=suppression, threshold=threshold, chinese_group=chinese_group,
                       reference_code=reference_code, reference_group=reference_group,
                       confidence=confidence,
                       la_codes=tuple(la_codes) if la_codes else None,
                       population_source=population_source)
    return metrics_and_counts(connect(warehouse), s, period)[0]


def metrics_and_counts(con, s: MetricSettings, period: int | Sequence[int] | None = None,
                       on_qualified: OnQualified | None = None,
                       ) -> tuple[pd.DataFrame, dict[int, PeriodCounts]]:
    """:func:`metrics` on an open connection, with the exact count cube of every period it
    counted: a caller that also wants team funnels (the report pack) passes that cube to
    :func:`arpkit.engine.teams.funnel_from_counts` instead of counting the period again.
    ``on_qualified`` is handed each period's qualifying children (see :func:`count_period`)."""
    present = periods_present(_restrict(con, s.la_codes))
    if period is None:
        wanted = present
    else:
        wanted = [period] if isinstance(period, int) else list(period)
        missing = [p for p in wanted if p not in present]
        if missing:
            raise ConfigError(f"no returns for period(s) {missing} in the warehouse; periods "
                              f"present: {present or 'none'}")
    needed = sorted(set(wanted) | {_previous(p, present) for p in wanted} - {None})
    computed = {p: compute_period(con, p, s, on_qualified) for p in needed}
    frames = []
    pops = {}
    for p in wanted:
        pm = computed[p]
        rows = pm.rows
        pops[p] = pm.counts.population_label
        prev = _previous(p, present)
        change = _changes(rows, computed[prev].rows, s) if prev is not None else _empty_rows()
        if s.suppression == "dfe":
            rows = _suppress(rows, pm.stage_counts, pm.conversion_counts, s)
            if len(change):
                change = _suppress_changes(change, rows, computed[prev], s)
        frames.extend([rows, change])
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else \
        _empty_rows()
    out = _finish(out)
    out.attrs.update({
        "suppression": s.suppression, "threshold": s.threshold,
        "chinese_group": s.chinese_group, "reference_code": s.reference_code,
        "reference_group": s.reference_group, "confidence": s.confidence,
        "population": pops, "periods": wanted,
    })
    return out, {p: pm.counts for p, pm in computed.items()}


def _previous(period: int, present: list[int]) -> int | None:
    earlier = [p for p in present if p < period]
    return max(earlier) if earlier else None


def _suppress_changes(change: pd.DataFrame, current: pd.DataFrame, previous: PeriodMetrics,
                      s: MetricSettings) -> pd.DataFrame:
    """A change is suppressed when the measure is suppressed in either period."""
    prev_sup = _suppress(previous.rows, previous.stage_counts, previous.conversion_counts, s)
    key = ["measure", "stage", "to_stage", "basis", "breakdown", "group", "reference_group"]

    def keyed(df: pd.DataFrame) -> pd.Series:
        d = df.fillna({"to_stage": "", "reference_group": ""})
        return d.set_index(key)["suppressed"]

    cur_s, prev_s = keyed(current), keyed(prev_sup)
    c = change.fillna({"to_stage": "", "reference_group": ""})
    base = c["measure"].str.removesuffix("_change")
    idx = list(zip(base, c["stage"], c["to_stage"], c["basis"], c["breakdown"], c["group"],
                   c["reference_group"], strict=True))
    sup = [bool(cur_s.get(i, False)) or bool(prev_s.get(i, False)) for i in idx]
    change = change.copy()
    change["suppressed"] = sup
    blank = change["suppressed"]
    for col in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "significant"):
        change[col] = change[col].astype(object).where(~blank, None)
    return change


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out[list(COLUMNS)].copy()
    out["period"] = out["period"].astype("int64")
    for col in ("numerator",):
        out[col] = pd.array([None if _na(v) else int(v) for v in out[col]], dtype="Int64")
    for col in ("denominator", "value", "ci_lower", "ci_upper"):
        out[col] = pd.array([None if _na(v) else float(v) for v in out[col]], dtype="Float64")
    out["significant"] = pd.array([None if _na(v) else bool(v) for v in out["significant"]],
                                  dtype="boolean")
    out["suppressed"] = out["suppressed"].astype(bool)
    for col in ("to_stage", "reference_group"):
        out[col] = out[col].astype(object).where(out[col].notna() & (out[col] != ""), None)
    return out.reset_index(drop=True)




def write_table(df: pd.DataFrame, out: Path) -> Path:
    """Write the metrics table as CSV (default), Parquet or JSON by the file extension."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    if suffix == ".parquet":
        df.to_parquet(tmp, index=False)
    elif suffix == ".json":
        df.to_json(tmp, orient="records", indent=1)
    else:
        df.to_csv(tmp, index=False)
    tmp.replace(out)
    return out
