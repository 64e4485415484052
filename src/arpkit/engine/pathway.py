"""The first-contact pathway: what happened to each child after their first contact in a year.

The programme commits to "ethnically diverse families guided towards early help services from
first contact".  This module follows every child's FIRST contact in a collection year (Annex A
List 1, or a case-system extract) through a window of ``window_days`` (default 90) and gives
each child ONE outcome, by severity (docs/pathway.md explains why):

1. ``referral``: a referral to children's social care starts in the window;
2. ``early_help``: otherwise, an early-help assessment starts in the window (Annex A List 2), or
   a CIN episode closes in the window with reason RC9 "closed after assessment, referred to
   early help";
3. ``re_contact``: otherwise, another contact on a later day in the window;
4. ``nfa``: none of these (no further action).

A referral with source 5D ("LA services: early help") means the family was stepped up FROM
early help: the child's outcome is ``referral`` (a statutory referral outranks early help), and
the step-up is reported as the ``stepped_up_5d`` indicator and counted in
``early_help_any_route``.

Counting is Ibis, written once so it runs on DuckDB and Spark alike (as :mod:`counting`): one
query returns a small cube of distinct-child counts.  The statistics then come from the tested
primitives - Wilson intervals (:mod:`intervals`), Katz ratios (:mod:`ratios`) - and disclosure
control from :mod:`suppression` (methods.md §1.2, §1.4, §1.5, §3).  Output columns:
:data:`COLUMNS`; measures and rules: ``docs/pathway.md``.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from arpkit.engine import counting, intervals, ratios
from arpkit.engine import suppression as sdc
from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import DFE_CODES, GROUPS, KNOWN_CODES, KNOWN_GROUPS
from arpkit.engine.metrics import ALL, SEP, MetricSettings, periods_present
from arpkit.engine.warehouse import connect

COLUMNS: tuple[str, ...] = (
    "measure", "period", "window_days", "stage", "outcome", "breakdown", "group",
    "reference_group", "numerator", "denominator", "value", "ci_lower", "ci_upper",
    "significant", "suppressed",
)

#: The exclusive outcomes of a first contact, in order of precedence.
OUTCOMES: tuple[str, ...] = ("referral", "early_help", "re_contact", "nfa")
#: Non-exclusive yes/no indicators for the same children (a child can have several).
INDICATORS: tuple[str, ...] = (
    "early_help_assessment", "early_help_any_route", "stepped_up_5d", "stepped_down_rc9",
    "re_contact_12m",
)
#: Journey links after a referral (the contact -> outcome links are the outcomes themselves).
LINKS: tuple[tuple[str, str], ...] = (
    ("referral", "assessment"), ("assessment", "s47"), ("s47", "cp_plan"), ("referral", "cla"),
)
BREAKDOWNS: tuple[str, ...] = ("all", "ethnicity_group", "ethnicity_code", "contact_source")
JOURNEY_BREAKDOWNS: tuple[str, ...] = ("all", "ethnicity_group")
SOURCE_MIX = "contact_source_x_ethnicity_group"
FOLLOW_UP_MODES: tuple[str, ...] = ("complete", "truncated")
#: Re-contact "within 12 months" is within this many days of the first contact.
TWELVE_MONTHS = 365
NOT_RECORDED = "not recorded"
#: Referral source "LA services: early help" and closure reason "referred to early help".
STEP_UP_SOURCE, STEP_DOWN_REASON = "5D", "RC9"

_FOLLOW_STAGES = ("contact", "early_help", "referral", "cin", "assessment", "s47", "cp_plan",
                  "cla")
_BREAKDOWN_COLUMN = {"ethnicity_group": "ethnicity_group", "ethnicity_code": "ethnicity_code",
                     "contact_source": "contact_source"}
_FLAG = {"early_help_assessment": "eh_assess", "early_help_any_route": "eh_any",
         "stepped_up_5d": "up5d", "stepped_down_rc9": "rc9", "re_contact_12m": "recontact12"}
_LINK_FLAG = {("referral", "assessment"): "j_assessment", ("assessment", "s47"): "j_s47",
              ("s47", "cp_plan"): "j_cp_plan", ("referral", "cla"): "j_cla"}
_TOTAL = "_total"


@dataclass(frozen=True)
class PathwaySettings:
    """Choices that change the numbers; every one is recorded in the output's ``attrs``."""

    window_days: int = 90
    suppression: str = "dfe"
    threshold: int = sdc.THRESHOLD
    reference_group: str = "WHITE"
    reference_code: str = "WBRI"
    chinese_group: str = "asian"
    confidence: float = 0.95
    follow_up: str = "complete"

    def __post_init__(self) -> None:
        # The shared checks (suppression mode, reference group and code, CHNE setting).
        MetricSettings(suppression=self.suppression, threshold=self.threshold,
                       chinese_group=self.chinese_group, reference_code=self.reference_code,
                       reference_group=self.reference_group, confidence=self.confidence)
        if isinstance(self.window_days, bool) \
                or not isinstance(self.window_days, numbers.Integral) \
                or not 1 <= self.window_days <= TWELVE_MONTHS:
            raise ConfigError(f"the window must be a whole number of days from 1 to "
                              f"{TWELVE_MONTHS}, not {self.window_days!r}")
        if self.follow_up not in FOLLOW_UP_MODES:
            raise ConfigError(f"follow_up must be one of {FOLLOW_UP_MODES}, "
                              f"not {self.follow_up!r}")


# =============================================================================================
# counting (Ibis)
# =============================================================================================


def coverage_end(con, period: int, present: list[int] | None = None) -> dt.date:
    """The last day the imported returns can show events for, seen from ``period``.

    31 March of the latest collection year imported (this one or later), or the latest event
    date of a case-system extract if that is later.  A window that runs past this day is not
    fully followed up (the events after it are simply not in the warehouse yet).
    """
    present = [p for p in (periods_present(con) if present is None else present)
               if p >= period]
    end = counting.period_bounds(max(present))[1] if present else counting.period_bounds(period)[1]
    e = con.table("events")
    latest = e.filter(e.period.isnull()).start_date.max().to_pandas()
    if latest is not None and not pd.isna(latest):
        end = max(end, pd.Timestamp(latest).date())
    return end


def _epoch(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def child_pathways(con, period: int, settings: PathwaySettings,
                   follow_sources: dict[int, dict[str, str | None]],
                   cover_end: dt.date) -> ir.Table:
    """One row per child with a first contact in ``period``: their outcome and flags.

    Unexecuted Ibis table with columns ``child_key, la_code, count_date, team, contact_source,
    outcome, eh_day`` (days from first contact to the first early-help assessment start in the
    window, or null), the 0/1 flags ``eh_assess, eh_any, up5d, rc9, recontact12, j_assessment,
    j_s47, j_cp_plan, j_cla``, and ``win_ok`` / ``m12_ok`` (1 when the window / 12 months after
    the first contact end on or before ``cover_end``).

    The cohort is counted exactly as the metrics count contacts (:mod:`counting`: a contact
    dated in the period, aged 0-17 that day).  Later events are looked for in the returns of
    this period and the next (a window can cross 31 March) and in case-system extracts, each
    stage of each year read from the source :func:`counting.stage_sources` chose for that year
    (``follow_sources``: period -> stage -> source).
    """
    sources = follow_sources[period]
    w = settings.window_days
    first = counting.qualifying_children(con, period, sources, ("contact",))
    first = first.filter(first.basis == "in_year")
    first = first.select("child_key", "la_code", "count_date", "team",
                         d0=first.count_date.epoch_days())

    e = con.table("events")
    contacts = e.filter(e.stage == "contact", e.source == sources["contact"],
                        (e.period == period) | e.period.isnull())
    contacts = contacts.select(c_child=contacts.child_key, c_date=contacts.start_date,
                               c_source=contacts.referral_source)
    src = first.left_join(contacts, (first.child_key == contacts.c_child)
                          & (first.count_date == contacts.c_date))
    src = src.group_by(s_child=src.child_key).agg(contact_source=src.c_source.min())

    picks = [(e.stage == st) & (e.source == so) & ((e.period == per) | e.period.isnull())
             for per, chosen in follow_sources.items()
             for st, so in chosen.items() if st in _FOLLOW_STAGES and so]
    f = e.filter(ibis.or_(*picks))
    f = f.filter((f.stage != "cla") | ((f.rne == "S") & (
        f.legal_status.isnull() | ~f.legal_status.isin(counting.SHORT_BREAKS))))
    f = f.select(f_child=f.child_key, f_stage=f.stage, f_day=f.start_date.epoch_days(),
                 f_end=f.end_date.epoch_days(), f_source=f.referral_source,
                 f_closure=f.closure_reason)

    base = first.select("child_key", "d0")
    j = base.left_join(f, base.child_key == f.f_child)
    rel = j.f_day - j.d0
    in_win = rel.between(0, w)
    closes = (j.f_end - j.d0).between(0, w)

    def first_day(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.cases((cond.fill_null(False), rel)).min()

    def any_of(cond: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.ifelse(cond.fill_null(False), 1, 0).max()

    agg = j.group_by(a_child=j.child_key).agg(
        ref_day=first_day((j.f_stage == "referral") & in_win),
        eh_day=first_day((j.f_stage == "early_help") & in_win),
        rc9=any_of(j.f_stage.isin(["referral", "cin"]) & (j.f_closure == STEP_DOWN_REASON)
                   & closes),
        up5d=any_of((j.f_stage == "referral") & in_win & (j.f_source == STEP_UP_SOURCE)),
        recontact=any_of((j.f_stage == "contact") & rel.between(1, w)),
        recontact12=any_of((j.f_stage == "contact") & rel.between(1, TWELVE_MONTHS)),
    )

    # Later steps: on or after the window referral and by the end of the window.
    refs = agg.filter(agg.ref_day.notnull()).select(r_child=agg.a_child, r_day=agg.ref_day)
    k = j.join(refs, j.child_key == refs.r_child)
    krel = k.f_day - k.d0
    after = (krel >= k.r_day) & (krel <= w)

    def after_ref(stage: str) -> ir.IntegerScalar:
        return ibis.ifelse(((k.f_stage == stage) & after).fill_null(False), 1, 0).max()

    down = k.group_by(d_child=k.child_key).agg(
        d_assessment=after_ref("assessment"), d_s47=after_ref("s47"),
        d_cp_plan=after_ref("cp_plan"), d_cla=after_ref("cla"))

    t = first.left_join(src, first.child_key == src.s_child)
    t = t.left_join(agg, t.child_key == agg.a_child)
    t = t.left_join(down, t.child_key == down.d_child)
    referred = t.ref_day.notnull()
    eh_route = t.eh_day.notnull() | (t.rc9 == 1)
    outcome = ibis.cases((referred, "referral"), (eh_route, "early_help"),
                         (t.recontact == 1, "re_contact"), else_="nfa")

    def flag(cond: ir.BooleanValue) -> ir.IntegerValue:
        return ibis.ifelse(cond.fill_null(False), 1, 0)

    assessed = referred & (t.d_assessment == 1)
    s47 = assessed & (t.d_s47 == 1)
    end_n = _epoch(cover_end)
    return t.select(
        "child_key", "la_code", "count_date", "team",
        contact_source=t.contact_source.fill_null(NOT_RECORDED),
        outcome=outcome,
        eh_day=t.eh_day,
        eh_assess=flag(t.eh_day.notnull()),
        eh_any=flag(eh_route | (t.up5d == 1)),
        up5d=flag(t.up5d == 1),
        rc9=flag(t.rc9 == 1),
        recontact12=flag(t.recontact12 == 1),
        j_assessment=flag(assessed),
        j_s47=flag(s47),
        j_cp_plan=flag(s47 & (t.d_cp_plan == 1)),
        j_cla=flag(referred & (t.d_cla == 1)),
        win_ok=flag(t.d0 + w <= end_n),
        m12_ok=flag(t.d0 + TWELVE_MONTHS <= end_n),
    )


_CUBE_DIMS = ("ethnicity_code", "ethnicity_group", "contact_source", "outcome", "eh_day",
              "eh_assess", "eh_any", "up5d", "rc9", "recontact12", "j_assessment", "j_s47",
              "j_cp_plan", "j_cla", "win_ok", "m12_ok")


def pathway_cube(con, period: int, settings: PathwaySettings) -> tuple[pd.DataFrame, dict]:
    """Run the counting for one period as ONE query: distinct children by every dimension.

    Returns the cube (columns :data:`_CUBE_DIMS` and ``n``) and facts about the run (sources
    used, coverage end).  Everything after this is arithmetic on exact counts, so DuckDB and
    Spark give identical results.
    """
    present = periods_present(con)
    if period not in present:
        raise ConfigError(f"no returns for period {period} in the warehouse; periods present: "
                          f"{present or 'none'}")
    sources = counting.stage_sources(con, period)
    if sources.get("contact") is None:
        raise ConfigError(f"no contacts for period {period}: the pathway starts from Annex A "
                          "List 1 or a case-system extract with contact events; import one")
    end = coverage_end(con, period, present)
    follow = {period: sources, period + 1: counting.stage_sources(con, period + 1)}
    t = child_pathways(con, period, settings, follow, end)
    w = counting.with_characteristics(con, t, settings.chinese_group)
    cube = w.group_by(list(_CUBE_DIMS)).agg(n=w.count()).to_pandas()
    cube["n"] = cube["n"].astype("int64")
    for col in _CUBE_DIMS:
        if col not in ("ethnicity_code", "ethnicity_group", "contact_source", "outcome",
                       "eh_day"):
            cube[col] = cube[col].fillna(0).astype("int64")
    cube["eh_day"] = cube["eh_day"].astype("float64")
    return cube, {"sources": sources, "sources_next_period": follow[period + 1],
                  "coverage_end": end}


# =============================================================================================
# count tables: every published count is a cell; the sums that tie cells together are relations
# =============================================================================================


@dataclass
class _Relation:
    """Cells ``members`` add up to cell ``total`` (a margin, if the total is shown)."""

    kind: str
    members: list[int]
    total: int


class _Cells:
    """Every count the output shows (or lets a reader derive), keyed (table, breakdown, group,
    part), with the relations between them and the cells that are the same number."""

    def __init__(self) -> None:
        self.frames: list[pd.DataFrame] = []
        self.index: dict[tuple[str, str, str, str], int] = {}
        self.relations: list[_Relation] = []
        self.ties: list[tuple[int, int]] = []
        self.table: pd.DataFrame | None = None

    def add(self, table: str, counts: pd.DataFrame) -> None:
        """``counts``: columns breakdown, group, part, count."""
        start = len(self.index)
        frame = counts.assign(table=table).reset_index(drop=True)
        frame.index = pd.RangeIndex(start, start + len(frame))
        for i, r in zip(frame.index, frame[["table", "breakdown", "group", "part"]]
                        .itertuples(index=False), strict=True):
            self.index[tuple(r)] = i
        self.frames.append(frame)

    def id(self, table: str, breakdown: str, group: str, part: str) -> int:
        return self.index[(table, breakdown, group, part)]

    def finish(self) -> pd.DataFrame:
        self.table = pd.concat(self.frames)
        return self.table


def _breakdown_groups(cube: pd.DataFrame) -> dict[str, list[str]]:
    """The groups each breakdown shows: every ethnic group and code even when zero, and the
    contact sources seen in the period."""
    return {
        "all": [ALL],
        "ethnicity_group": list(GROUPS),
        "ethnicity_code": [*DFE_CODES, "UNKNOWN"],
        "contact_source": sorted(set(cube["contact_source"]), key=_source_order),
    }


def _source_order(code: str) -> tuple[int, str]:
    """Referral sources in the CIN census order (1A ... 10), then anything else."""
    head = code[:-1] if code[-1:].isalpha() else code
    return (int(head), code) if head.isdigit() else (99, code)


def _split_counts(cube: pd.DataFrame, keep: pd.Series, part: pd.Series, parts: Iterable[str],
                  breakdowns: Iterable[str], groups: dict[str, list[str]]) -> pd.DataFrame:
    """Counts of the children in ``keep`` by breakdown, group and part (zeros included), plus a
    ``_total`` part per group.  Columns breakdown, group, part, count."""
    parts = list(parts)
    keep_np = keep.to_numpy()
    sub = cube[keep_np]
    p_idx = pd.Categorical(part[keep_np].to_numpy(), categories=parts).codes
    weights = sub["n"].to_numpy(dtype=float)
    frames = []
    for b in breakdowns:
        names = groups[b]
        if b == "all":
            g_idx = np.zeros(len(sub), dtype=np.int64)
        else:
            g_idx = pd.Categorical(sub[_BREAKDOWN_COLUMN[b]].to_numpy(), categories=names).codes
        ok = (g_idx >= 0) & (p_idx >= 0)
        flat = np.bincount(g_idx[ok] * len(parts) + p_idx[ok], weights=weights[ok],
                           minlength=len(names) * len(parts)).reshape(len(names), len(parts))
        full = np.column_stack([flat, flat.sum(axis=1)]).astype("int64")
        cols = [*parts, _TOTAL]
        frames.append(pd.DataFrame({
            "breakdown": b,
            "group": np.repeat(names, len(cols)),
            "part": np.tile(cols, len(names)),
            "count": full.ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def _yes_no(flag: pd.Series) -> pd.Series:
    return pd.Series(np.where(flag.to_numpy() == 1, "yes", "no"), index=flag.index)


def _exact_code_groups(cube: pd.DataFrame) -> dict[str, list[str]]:
    """Group -> its codes, for groups that are exactly the sum of their codes in this data.

    A code seen in two groups (a child with a group but no code is UNKNOWN by code) breaks
    the sum for every group involved, so those groups get no code margin."""
    pairs = cube[["ethnicity_code", "ethnicity_group"]].drop_duplicates()
    spread = pairs.groupby("ethnicity_code")["ethnicity_group"].nunique()
    broken = set(pairs[pairs["ethnicity_code"].isin(spread[spread > 1].index)]
                 ["ethnicity_group"])
    out: dict[str, list[str]] = {}
    for code, grp in pairs.itertuples(index=False):
        out.setdefault(grp, []).append(code)
    return {g: sorted(c) for g, c in out.items() if g not in broken}


def build_cells(cube: pd.DataFrame, s: PathwaySettings) -> _Cells:
    """Every published count of the pathway, with its relations and ties (see _suppress)."""
    cells = _Cells()
    groups = _breakdown_groups(cube)
    everyone = pd.Series(True, index=cube.index)
    window = cube["win_ok"] == 1 if s.follow_up == "complete" else everyone
    twelve = cube["m12_ok"] == 1 if s.follow_up == "complete" else everyone
    complete_w = pd.Series(np.where(cube["win_ok"] == 1, "complete", "incomplete"), cube.index)
    complete_12 = pd.Series(np.where(cube["m12_ok"] == 1, "complete", "incomplete"), cube.index)
    yes_no = ("yes", "no")
    tables: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def add(table: str, keep: pd.Series, part: pd.Series, parts: tuple[str, ...],
            breakdowns: tuple[str, ...]) -> None:
        cells.add(table, _split_counts(cube, keep, part, parts, breakdowns, groups))
        tables[table] = (parts, breakdowns)

    add("followed:window", everyone, complete_w, ("complete", "incomplete"), BREAKDOWNS)
    add("followed:12_months", everyone, complete_12, ("complete", "incomplete"), BREAKDOWNS)
    add("outcome", window, cube["outcome"], OUTCOMES, BREAKDOWNS)
    for ind in INDICATORS:
        keep = twelve if ind == "re_contact_12m" else window
        add(f"indicator:{ind}", keep, _yes_no(cube[_FLAG[ind]]), yes_no, BREAKDOWNS)
    from_node = {"referral": cube["outcome"] == "referral",
                 "assessment": cube["j_assessment"] == 1, "s47": cube["j_s47"] == 1}
    for a, b in LINKS:
        add(f"journey:{a}>{b}", window & from_node[a], _yes_no(cube[_LINK_FLAG[(a, b)]]),
            yes_no, JOURNEY_BREAKDOWNS)

    # Ethnic mix of each source's contacts: a two-way table whose margins are the source and
    # group totals of the outcome table.
    sub = cube[window.to_numpy()]
    mix = sub.groupby(["contact_source", "ethnicity_group"])["n"].sum()
    full = pd.MultiIndex.from_product([groups["contact_source"], groups["ethnicity_group"]])
    mix = mix.reindex(full, fill_value=0) if len(mix) else pd.Series(0, index=full)
    cells.add("source_mix", pd.DataFrame({
        "breakdown": SOURCE_MIX, "group": [f"{a}{SEP}{b}" for a, b in mix.index], "part": "n",
        "count": mix.to_numpy().astype("int64")}))

    code_groups = _exact_code_groups(cube)
    for table, (parts, breakdowns) in tables.items():
        for b in breakdowns:
            for g in groups[b]:
                cells.relations.append(_Relation(
                    "split", [cells.id(table, b, g, p) for p in parts],
                    cells.id(table, b, g, _TOTAL)))
        for p in (*parts, _TOTAL):
            for b in breakdowns:
                if b == "all":
                    continue
                cells.relations.append(_Relation(
                    f"groups:{b}", [cells.id(table, b, g, p) for g in groups[b]],
                    cells.id(table, "all", ALL, p)))
            if "ethnicity_code" in breakdowns:
                for grp, codes in code_groups.items():
                    cells.relations.append(_Relation(
                        "codes", [cells.id(table, "ethnicity_code", c, p) for c in codes],
                        cells.id(table, "ethnicity_group", grp, p)))
    for src in groups["contact_source"]:
        cells.relations.append(_Relation(
            "by_source", [cells.id("source_mix", SOURCE_MIX, f"{src}{SEP}{g}", "n")
                          for g in groups["ethnicity_group"]],
            cells.id("outcome", "contact_source", src, _TOTAL)))
    for g in groups["ethnicity_group"]:
        cells.relations.append(_Relation(
            "by_group", [cells.id("source_mix", SOURCE_MIX, f"{src}{SEP}{g}", "n")
                         for src in groups["contact_source"]],
            cells.id("outcome", "ethnicity_group", g, _TOTAL)))

    # The same number shown in two tables.
    cohort_w = "complete" if s.follow_up == "complete" else _TOTAL
    for b in BREAKDOWNS:
        for g in groups[b]:
            tie = cells.ties.append
            tie((cells.id("followed:window", b, g, _TOTAL),
                 cells.id("followed:12_months", b, g, _TOTAL)))
            tie((cells.id("outcome", b, g, _TOTAL), cells.id("followed:window", b, g, cohort_w)))
            for ind in INDICATORS:
                if ind == "re_contact_12m":
                    tie((cells.id(f"indicator:{ind}", b, g, _TOTAL),
                         cells.id("followed:12_months", b, g, cohort_w)))
                else:
                    tie((cells.id(f"indicator:{ind}", b, g, _TOTAL),
                         cells.id("outcome", b, g, _TOTAL)))
    for b in JOURNEY_BREAKDOWNS:
        for g in groups[b]:
            for a, z in LINKS:
                if a == "referral":
                    node = cells.id("outcome", b, g, "referral")
                else:
                    prev = next(f"journey:{x}>{y}" for x, y in LINKS if y == a)
                    node = cells.id(prev, b, g, "yes")
                cells.ties.append((cells.id(f"journey:{a}>{z}", b, g, _TOTAL), node))
    cells.finish()
    return cells


# =============================================================================================
# disclosure control
# =============================================================================================


def _suppress(cells: _Cells, threshold: int) -> np.ndarray:
    """Suppression mask over every cell (methods.md §3 rules 1-2).

    1. Primary: counts from 1 to ``threshold``.
    2. A cell shown in two places is suppressed in both (ties).
    3. Secondary, by :func:`suppression.secondary_suppress` within each table, over every
       relation whose total is shown: the outcomes of a group add up to its first contacts,
       the links leaving a journey node (with the children who took none) add up to the node,
       groups add up to the total, codes to their group, and a source's ethnic mix to the
       source's contacts (and each group's sources to the group).
    4. A suppressed total must not be the sum of shown cells, so at least one of its cells is
       suppressed too (smallest non-zero first); a relation with one cell ties it to the total.
    Repeated until nothing changes.  A table that cannot be protected cell by cell is withheld.
    """
    table = cells.table
    assert table is not None
    count = table["count"].to_numpy(dtype=float)
    mask = np.asarray(sdc.primary_suppress(count, threshold), dtype=bool).copy()
    ties = list(cells.ties)
    multi: list[_Relation] = []
    for rel in cells.relations:
        if len(rel.members) == 1:
            ties.append((rel.members[0], rel.total))
        elif rel.members:
            multi.append(rel)
    # A relation's cells all lie in one breakdown of one table (its total may lie elsewhere and
    # is a constant while shown), so each part is an independent problem for the library.
    part_key = list(zip(table["table"], table["breakdown"], strict=True))
    parts: dict[tuple[str, str], list[int]] = {}
    for i, key in zip(table.index, part_key, strict=True):
        parts.setdefault(key, []).append(i)
    rels_of: dict[tuple[str, str], list[_Relation]] = {}
    for rel in multi:
        rels_of.setdefault(part_key[rel.members[0]], []).append(rel)
    # Rows first (a group's outcomes, a node's links), then the sums down the columns: DfE's
    # rule is greedy, and hiding a second outcome of the same group before looking across
    # groups hides fewer counts in the usual tables.
    order = {"split": 0, "codes": 1, "by_source": 2, "by_group": 3}
    kinds = sorted({r.kind for r in multi}, key=lambda k: (order.get(k, 9), k))
    seen: dict[tuple[str, str], tuple] = {}

    def apply_ties() -> bool:
        changed = again = False
        while True:
            again = False
            for a, b in ties:
                if mask[a] != mask[b]:
                    mask[a] = mask[b] = True
                    changed = again = True
            if not again:
                return changed

    changed = True
    while changed:
        changed = apply_ties()
        for rel in multi:
            if mask[rel.total] and not mask[rel.members].any():
                order = sorted(rel.members, key=lambda m: (count[m] == 0, count[m], m))
                mask[order[0]] = True
                changed = True
        for key, ids in parts.items():
            rels = [r for r in rels_of.get(key, ()) if not mask[r.total]]
            state = (mask[ids].tobytes(), tuple(map(id, rels)))
            if seen.get(key) == state:
                continue
            seen[key] = state
            if not rels or not mask[ids].any():
                continue
            pos = {c: k for k, c in enumerate(ids)}
            cols = {kind: np.full(len(ids), None, dtype=object) for kind in kinds}
            for n, rel in enumerate(rels):
                cols[rel.kind][[pos[m] for m in rel.members]] = n
            frame = pd.DataFrame({"count": count[ids], **cols})
            used = [[k] for k in kinds if frame[k].notna().any()]
            try:
                new = sdc.secondary_suppress(frame, used, primary=mask[ids]).to_numpy()
            except sdc.DisclosureError:
                new = mask[ids] | (count[ids] > 0)
            if (new & ~mask[ids]).any():
                mask[ids] = mask[ids] | new
                changed = True
            seen[key] = (mask[ids].tobytes(), tuple(map(id, rels)))
    return mask


# =============================================================================================
# measures
# =============================================================================================


def _rows(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values() if isinstance(v, list | np.ndarray | pd.Series))
    data = {}
    for c in (*COLUMNS, "_deps", "_num", "_den"):
        v = cols.get(c)
        data[c] = list(v) if isinstance(v, list | np.ndarray | pd.Series) else [v] * n
    return pd.DataFrame(data)


def _share_rows(cells: _Cells, measure: str, table: str, parts: Iterable[str],
                breakdowns: Iterable[str], stage: str, label, s: PathwaySettings,
                period: int, num_table: str | None = None, den_part: str = _TOTAL
                ) -> pd.DataFrame:
    """Share of a cohort in each part, with Wilson limits (methods.md §1.2)."""
    t = cells.table
    assert t is not None
    sel = t[(t["table"] == table) & t["breakdown"].isin(list(breakdowns))
            & t["part"].isin(list(parts))]
    num = sel.index.to_numpy()
    den = np.array([cells.id(table, b, g, den_part) for b, g in
                    zip(sel["breakdown"], sel["group"], strict=True)])
    x = t.loc[num, "count"].to_numpy(float)
    n = t.loc[den, "count"].to_numpy(float)
    est = intervals.proportion_limits(x, n, 1, s.confidence)
    return _rows(measure=measure, period=period, window_days=s.window_days, stage=stage,
                 outcome=[label(p) for p in sel["part"]], breakdown=sel["breakdown"],
                 group=sel["group"], reference_group=None, numerator=x, denominator=n,
                 value=est.value, ci_lower=est.lower, ci_upper=est.upper, significant=None,
                 suppressed=False, _deps=[[a, b] for a, b in zip(num, den, strict=True)],
                 _num=num, _den=den)


def _rri_rows(cells: _Cells, table: str, parts: Iterable[str], s: PathwaySettings,
              period: int) -> pd.DataFrame:
    """Relative rate index of each outcome against the reference group (Katz; methods.md
    §1.4-1.5): the group's share of first contacts with the outcome over the reference's."""
    t = cells.table
    assert t is not None
    frames = []
    for breakdown, ref, known in (("ethnicity_group", s.reference_group, KNOWN_GROUPS),
                                  ("ethnicity_code", s.reference_code, KNOWN_CODES)):
        for p in parts:
            ids = [(g, cells.id(table, breakdown, g, p), cells.id(table, breakdown, g, _TOTAL))
                   for g in known if g != ref]
            r_num, r_den = cells.id(table, breakdown, ref, p), cells.id(table, breakdown, ref,
                                                                        _TOTAL)
            ids = [(g, a, b) for g, a, b in ids if t.at[b, "count"] > 0]
            if not ids or t.at[r_den, "count"] == 0:
                continue
            num = np.array([a for _, a, _ in ids])
            den = np.array([b for _, _, b in ids])
            x = t.loc[num, "count"].to_numpy(float)
            n = t.loc[den, "count"].to_numpy(float)
            xr, nr = float(t.at[r_num, "count"]), float(t.at[r_den, "count"])
            res = ratios.katz_ratio(x, n, np.full(len(x), xr), np.full(len(x), nr),
                                    s.confidence)
            lo, hi = np.asarray(res.lower, float), np.asarray(res.upper, float)
            sig = [None if np.isnan(a) or np.isnan(b) else bool(a > 1 or b < 1)
                   for a, b in zip(lo, hi, strict=True)]
            frames.append(_rows(
                measure="rri", period=period, window_days=s.window_days, stage="contact",
                outcome=p, breakdown=breakdown, group=[g for g, _, _ in ids],
                reference_group=ref, numerator=x, denominator=n, value=res.value,
                ci_lower=res.lower, ci_upper=res.upper, significant=sig, suppressed=False,
                _deps=[[a, b, r_num, r_den] for a, b in zip(num, den, strict=True)],
                _num=num, _den=den))
    return pd.concat(frames, ignore_index=True) if frames else _rows(measure=[])


def _days_rows(cells: _Cells, cube: pd.DataFrame, s: PathwaySettings,
               period: int) -> pd.DataFrame:
    """Lower quartile, median and upper quartile of days from first contact to the first
    early-help assessment start in the window (numpy's default linear interpolation, R type 7),
    over the children who had one."""
    keep = cube["eh_day"].notna().to_numpy().copy()
    if s.follow_up == "complete":
        keep &= (cube["win_ok"] == 1).to_numpy()
    sub = cube[keep]
    groups = _breakdown_groups(cube)
    rows = []
    table = "indicator:early_help_assessment"
    for b in BREAKDOWNS:
        key = pd.Series(ALL, index=sub.index) if b == "all" else sub[_BREAKDOWN_COLUMN[b]]
        for g in groups[b]:
            part = sub[(key == g).to_numpy()]
            cid = cells.id(table, b, g, "yes")
            values = np.repeat(part["eh_day"].to_numpy(float), part["n"].to_numpy())
            qs = np.quantile(values, [0.25, 0.5, 0.75]) if len(values) else [np.nan] * 3
            for name, q in zip(("p25", "median", "p75"), qs, strict=True):
                rows.append(dict(measure=f"days_to_early_help_{name}", breakdown=b, group=g,
                                 numerator=float(len(values)), value=float(q), _deps=[cid],
                                 _num=cid))
    df = pd.DataFrame(rows)
    return _rows(measure=df["measure"], period=period, window_days=s.window_days,
                 stage="contact", outcome="early_help_assessment", breakdown=df["breakdown"],
                 group=df["group"], reference_group=None, numerator=df["numerator"],
                 denominator=None, value=df["value"], ci_lower=None, ci_upper=None,
                 significant=None, suppressed=False, _deps=df["_deps"], _num=df["_num"],
                 _den=None)


def _source_mix_rows(cells: _Cells, s: PathwaySettings, period: int) -> pd.DataFrame:
    """Ethnic mix of each contact source's first contacts (who refers which families)."""
    t = cells.table
    assert t is not None
    sel = t[t["table"] == "source_mix"]
    num = sel.index.to_numpy()
    den = np.array([cells.id("outcome", "contact_source", g.split(SEP)[0], _TOTAL)
                    for g in sel["group"]])
    x = t.loc[num, "count"].to_numpy(float)
    n = t.loc[den, "count"].to_numpy(float)
    est = intervals.proportion_limits(x, n, 1, s.confidence)
    return _rows(measure="source_mix", period=period, window_days=s.window_days,
                 stage="contact", outcome=None, breakdown=SOURCE_MIX, group=sel["group"],
                 reference_group=None, numerator=x, denominator=n, value=est.value,
                 ci_lower=est.lower, ci_upper=est.upper, significant=None, suppressed=False,
                 _deps=[[a, b] for a, b in zip(num, den, strict=True)], _num=num, _den=den)


def compute(cube: pd.DataFrame, s: PathwaySettings, period: int) -> pd.DataFrame:
    """Every pathway measure from the cube, suppressed as ``s`` says."""
    cells = build_cells(cube, s)
    same = lambda p: p  # noqa: E731 - the part is the outcome label
    frames = [
        _share_rows(cells, "followed_up", "followed:window", ["complete"], BREAKDOWNS,
                    "contact", lambda _: "window", s, period),
        _share_rows(cells, "followed_up", "followed:12_months", ["complete"], BREAKDOWNS,
                    "contact", lambda _: "12_months", s, period),
        _share_rows(cells, "outcome_share", "outcome", OUTCOMES, BREAKDOWNS, "contact", same,
                    s, period),
        _rri_rows(cells, "outcome", OUTCOMES, s, period),
    ]
    for ind in INDICATORS:
        table = f"indicator:{ind}"
        frames.append(_share_rows(cells, "indicator_share", table, ["yes"], BREAKDOWNS,
                                  "contact", lambda _, i=ind: i, s, period))
        frames.append(_rri_rows(cells, table, ["yes"], s, period).assign(outcome=ind))
    frames.append(_days_rows(cells, cube, s, period))
    frames.append(_source_mix_rows(cells, s, period))
    frames.append(_share_rows(cells, "journey", "outcome", OUTCOMES, JOURNEY_BREAKDOWNS,
                              "contact", same, s, period))
    for a, b in LINKS:
        frames.append(_share_rows(cells, "journey", f"journey:{a}>{b}", ["yes"],
                                  JOURNEY_BREAKDOWNS, a, lambda _, z=b: z, s, period))
    rows = pd.concat([f for f in frames if len(f)], ignore_index=True)
    if s.suppression == "dfe":
        mask = _suppress(cells, s.threshold)
        rows["suppressed"] = [bool(mask[list(d)].any()) for d in rows["_deps"]]
        hide_den = [d is not None and not _na(d) and bool(mask[int(d)]) for d in rows["_den"]]
        blank = rows["suppressed"].to_numpy()
        for col in ("numerator", "value", "ci_lower", "ci_upper", "significant"):
            rows[col] = rows[col].astype(object).where(~blank, None)
        rows["denominator"] = rows["denominator"].astype(object).where(~np.array(hide_den),
                                                                       None)
    return _finish(rows)


def _na(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[list(COLUMNS)].copy()
    out["period"] = out["period"].astype("int64")
    out["window_days"] = out["window_days"].astype("int64")
    out["numerator"] = pd.array([None if _na(v) else int(v) for v in out["numerator"]],
                                dtype="Int64")
    out["denominator"] = pd.array([None if _na(v) else int(v) for v in out["denominator"]],
                                  dtype="Int64")
    for col in ("value", "ci_lower", "ci_upper"):
        out[col] = pd.array([None if _na(v) else float(v) for v in out[col]], dtype="Float64")
    out["significant"] = pd.array([None if _na(v) else bool(v) for v in out["significant"]],
                                  dtype="boolean")
    out["suppressed"] = out["suppressed"].astype(bool)
    for col in ("outcome", "reference_group"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.reset_index(drop=True)


# =============================================================================================
# public API
# =============================================================================================


def pathway(warehouse: object = None, period: int | None = None, *, window_days: int = 90,
            suppression: str = "dfe", threshold: int = sdc.THRESHOLD,
            reference_group: str = "WHITE", reference_code: str = "WBRI",
            chinese_group: str = "asian", confidence: float = 0.95,
            follow_up: str = "complete") -> pd.DataFrame:
    """The first-contact pathway table for ``period`` (default: the latest period present).

    ``warehouse`` is a DuckDB file path or an Ibis backend holding the warehouse tables (e.g.
    Spark with :func:`arpkit.engine.warehouse.register_parquet`).  ``follow_up="complete"``
    (default) keeps only first contacts whose window (or 12 months, for ``re_contact_12m``)
    ends before the data does; ``"truncated"`` keeps every first contact and follows it as far
    as the data goes.  Settings, sources and the coverage end are in ``DataFrame.attrs``.
    """
    s = PathwaySettings(window_days=window_days, suppression=suppression, threshold=threshold,
                        reference_group=reference_group, reference_code=reference_code,
                        chinese_group=chinese_group, confidence=confidence,
                        follow_up=follow_up)
    con = connect(warehouse)
    if period is None:
        present = periods_present(con)
        if not present:
            raise ConfigError("the warehouse holds no returns: run `arpkit import` first")
        period = present[-1]
    cube, facts = pathway_cube(con, period, s)
    out = compute(cube, s, period)
    out.attrs.update({
        "period": period, "window_days": s.window_days, "follow_up": s.follow_up,
        "suppression": s.suppression, "threshold": s.threshold,
        "reference_group": s.reference_group, "reference_code": s.reference_code,
        "chinese_group": s.chinese_group, "confidence": s.confidence,
        "coverage_end": facts["coverage_end"].isoformat(), "sources": facts["sources"],
        "sources_next_period": facts["sources_next_period"],
    })
    return out
