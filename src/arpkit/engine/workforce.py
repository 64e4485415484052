"""Workforce race equity indicators in the manner of the NHS WRES and the Social Care WRES.

Why: an anti-racist practice programme has to look at its own staff as well as at children.
NHS England's Workforce Race Equality Standard and Skills for Care's SC-WRES compare White and
ethnic-minority staff on recruitment, discipline, development and retention as *relative
likelihoods* (methods.md §2).  This module computes them from the HR tables imported by
``hr_import.py``: counting is Ibis (one query per period for staff, one for applications), so it
runs on DuckDB and Spark alike; the statistics come from the exact counts through
``ratios.py`` / ``intervals.py``; disclosure control through ``suppression.py``.

Indicators (``indicator`` column; docs/workforce.md defines each population):

======================================  =============================  =========================
indicator                               events / base                  orientation
======================================  =============================  =========================
``appointment_from_shortlisting``       appointed / shortlisted        beneficial (WRES 2)
``formal_disciplinary``                 entered formal process /       adverse (WRES 3)
                                        staff in post in the year
``disciplinary_outcome:<outcome>``      formal cases ending so /       adverse, except
                                        staff in a formal process      ``no_case_to_answer``
``non_mandatory_training``              attended any / in post         beneficial (WRES 4)
``leaving``                             left in the year / in post     adverse (SC-WRES 8)
                                        on 1 April
``grievance_upheld``                    upheld (in part) / raised      beneficial
``grade_or_above``                      at grade G or above / in post  beneficial
                                        on 31 March
``representation``                      in grade (or workforce) /      not oriented: share ÷
                                        known ethnicity                comparator share
======================================  =============================  =========================

**Orientation (methods.md §2.1, arpkit convention): RL > 1 is always adverse to ethnic-minority
staff.**  For a beneficial outcome RL = White rate ÷ minority rate; for an adverse one minority
rate ÷ White rate.  Each RL has the Katz interval with §1.4's zero rules, its position against
the 0.80-1.25 band (§2.2) and a significance flag (interval excludes 1), reported separately.
``representation`` is a share ratio (the group's share of a grade ÷ its share of the whole
workforce or of the population): below 1 is under-representation, and whether that is adverse
depends on the grade, so it is not oriented (``grade_or_above`` is the oriented form).

Groups: ``MINORITY`` (all known groups other than White, the WRES "BME" comparison) and each of
MIXED, ASIAN, BLACK, OTHER against WHITE.  Refused ("Prefer not to say") and not recorded are
excluded from both sides (§2.2) and reported as their own rows (counts and rate only), because
missing ethnicity is itself an equity signal.

Disclosure control (methods.md §3, and §2.2: "a team of 12 with one disciplinary case is
identifiable"): every indicator is a table of *event* and *non-event* counts by group; a count
from 1 to the threshold is hidden - the non-event count too, so "11 of 12 appointed" does not
single out the one who was not - with secondary suppression across groups (the minority
subgroups add up to MINORITY), across teams (teams add up to the whole authority) and across
grades (grades add up to the workforce, cumulative grades to ``grade_or_above``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arpkit.engine import suppression as sdc
from arpkit.engine.errors import ConfigError
from arpkit.engine.intervals import proportion_limits
from arpkit.engine.ratios import WRES_BAND, band_position, katz_ratio, relative_likelihood
from arpkit.engine.readers.hr_extract import DISCIPLINARY_OUTCOMES
from arpkit.engine.staff_ethnicity import MINORITY_GROUPS
from arpkit.engine.tidy import tidy_frame
from arpkit.engine.warehouse import connect

COLUMNS: tuple[str, ...] = (
    "indicator", "period", "breakdown", "level", "group", "comparator", "orientation",
    "events", "base", "comparator_events", "comparator_base", "rate", "comparator_rate",
    "value", "ci_lower", "ci_upper", "method", "reason", "band", "significant", "suppressed",
    "symbol",
)

#: Groups compared with White, in reporting order; then the two unknowns (counts only).
COMPARED: tuple[str, ...] = ("MINORITY", *MINORITY_GROUPS)
UNKNOWN_GROUPS: tuple[str, ...] = ("REFUSED", "NOT_OBTAINED")
CELL_GROUPS: tuple[str, ...] = ("WHITE", *MINORITY_GROUPS, *UNKNOWN_GROUPS)
NOT_RECORDED = "not recorded"
OUTCOMES: tuple[str, ...] = tuple(o for o in DISCIPLINARY_OUTCOMES if o != "ongoing")

BENEFICIAL, ADVERSE, REPRESENTATION = ("beneficial_outcome", "adverse_outcome",
                                       "representation")


@dataclass(frozen=True)
class _Indicator:
    name: str
    source: str  # "staff" or "applications"
    events: str
    base: str
    beneficial: bool


def _indicators() -> tuple[_Indicator, ...]:
    out = [
        _Indicator("appointment_from_shortlisting", "applications", "appointed", "shortlisted",
                   True),
        _Indicator("formal_disciplinary", "staff", "formal", "headcount", False),
        *(_Indicator(f"disciplinary_outcome:{o}", "staff", f"outcome_{o}", "formal",
                     o == "no_case_to_answer") for o in OUTCOMES),
        _Indicator("non_mandatory_training", "staff", "trained", "headcount", True),
        _Indicator("leaving", "staff", "left", "at_start", False),
        _Indicator("grievance_upheld", "staff", "upheld", "grievance", True),
    ]
    return tuple(out)


INDICATORS = _indicators()


def period_bounds(period: int) -> tuple[dt.date, dt.date]:
    """1 April of the year before to 31 March of ``period`` (the collection-year convention)."""
    return dt.date(period - 1, 4, 1), dt.date(period, 3, 31)


# --------------------------------------------------------------------------- counting (Ibis)


def _scoped(con, la_codes: Sequence[str] | None):
    def table(name: str):
        t = con.table(name)
        return t.filter(t.la_code.isin(list(la_codes))) if la_codes else t
    return table


def staff_cube(con, period: int, la_codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts of staff in post during ``period`` by team, grade and ethnic group, with the
    number of them having each event.  One Ibis query; no person-level row leaves the backend.

    A person is one ``staff_key`` across all their rows (posts): in post from their earliest
    start to their latest leave date (open if any row is open); team and grade are those of the
    latest post started by 31 March.  ``leave_date`` is the last day of service.
    """
    import ibis

    table = _scoped(con, la_codes)
    start, end = period_bounds(period)
    s = table("staff")
    person = s.group_by("staff_key").agg(
        first_start=s.start_date.min(), still_open=s.leave_date.isnull().any(),
        last_leave=s.leave_date.max(), ethnicity_group=s.ethnicity_group.max())
    spells = s.filter(s.start_date <= end)
    w = ibis.window(group_by=spells.staff_key,
                    order_by=[ibis.desc(spells.start_date), spells.team, spells.grade])
    latest = (spells.mutate(_rn=ibis.row_number().over(w))
              .filter(lambda t: t._rn == 0).select("staff_key", "team", "grade", "grade_rank"))
    p = person.join(latest, "staff_key")
    p = p.filter((p.first_start <= end) & (p.still_open | (p.last_leave >= start)))
    in_at = lambda day: (p.first_start <= day) & (p.still_open | (p.last_leave >= day))  # noqa: E731
    p = p.mutate(
        headcount=ibis.literal(1),
        at_start=in_at(start).cast("int64"),
        at_end=in_at(end).cast("int64"),
        left=(in_at(start) & ~p.still_open & (p.last_leave <= end)).cast("int64"),
    )
    d = table("staff_disciplinary")
    d = d.filter(d.formal & (d.case_date >= start) & (d.case_date <= end))
    dflags = d.group_by("staff_key").agg(
        formal=d.count().cast("int64").clip(upper=1),
        **{f"outcome_{o}": (d.outcome == o).cast("int64").max() for o in OUTCOMES})
    t = table("staff_training")
    t = t.filter(~t.mandatory & (t.training_date >= start) & (t.training_date <= end))
    tflags = t.group_by("staff_key").agg(trained=t.count().cast("int64").clip(upper=1))
    g = table("staff_grievances")
    g = g.filter((g.case_date >= start) & (g.case_date <= end))
    gflags = g.group_by("staff_key").agg(
        grievance=g.count().cast("int64").clip(upper=1),
        upheld=g.outcome.isin(["upheld", "partially_upheld"]).cast("int64").max())
    for flags in (dflags, tflags, gflags):
        p = p.left_join(flags, "staff_key").drop("staff_key_right")
    counts = ["headcount", "at_start", "at_end", "left", "formal",
              *(f"outcome_{o}" for o in OUTCOMES), "trained", "grievance", "upheld"]
    p = p.mutate(**{c: p[c].fill_null(0) for c in counts})
    cube = (p.group_by(["team", "grade", "grade_rank", "ethnicity_group"])
            .agg(**{c: p[c].sum().cast("int64") for c in counts}).to_pandas())
    cube["team"] = cube["team"].fillna(NOT_RECORDED)
    return cube


def applications_cube(con, period: int, la_codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Applications dated in ``period`` by team and ethnic group: applied, shortlisted, and
    appointed from shortlisting."""
    table = _scoped(con, la_codes)
    start, end = period_bounds(period)
    a = table("staff_applications")
    a = a.filter((a.application_date >= start) & (a.application_date <= end))
    cube = (a.group_by(["team", "ethnicity_group"])
            .agg(applied=a.count().cast("int64"), shortlisted=a.shortlisted.cast("int64").sum(),
                 appointed=(a.shortlisted & a.appointed).cast("int64").sum())
            .to_pandas())
    cube["team"] = cube["team"].fillna(NOT_RECORDED)
    return cube


def population_counts(con, la_codes: Sequence[str] | None = None) -> pd.Series:
    """The comparison population by ethnic group (empty when none was imported)."""
    p = _scoped(con, la_codes)("staff_population")
    df = p.group_by("ethnicity_group").agg(population=p.population.sum()).to_pandas()
    return df.set_index("ethnicity_group")["population"].astype("int64")


def hr_periods(con, la_codes: Sequence[str] | None = None) -> list[int]:
    """Collection years covered by the staff table (from the earliest start to the latest
    event, capped at the last complete or current year)."""
    table = _scoped(con, la_codes)
    s = table("staff")
    df = s.agg(first=s.start_date.min(), last=s.leave_date.max()).to_pandas()
    if df.empty or pd.isna(df["first"].iloc[0]):
        return []
    dates = [pd.Timestamp(df["last"].iloc[0]) if not pd.isna(df["last"].iloc[0]) else None]
    for name, col in (("staff_applications", "application_date"),
                      ("staff_disciplinary", "case_date"), ("staff_training", "training_date")):
        t = table(name)
        v = t.agg(last=t[col].max()).to_pandas()["last"].iloc[0]
        dates.append(None if pd.isna(v) else pd.Timestamp(v))
    last = max((d for d in dates if d is not None), default=None)
    if last is None:
        return []

    def year(d: pd.Timestamp) -> int:
        return d.year + 1 if d.month >= 4 else d.year

    first_events = []
    for name, col in (("staff_applications", "application_date"),
                      ("staff_disciplinary", "case_date"), ("staff_training", "training_date")):
        t = table(name)
        v = t.agg(first=t[col].min()).to_pandas()["first"].iloc[0]
        if not pd.isna(v):
            first_events.append(year(pd.Timestamp(v)))
    first = min(first_events) if first_events else year(last)
    return list(range(first, year(last) + 1))


# --------------------------------------------------------------------------- cells


def _cells(period: int, cube: pd.DataFrame, ind: _Indicator, team: bool) -> pd.DataFrame:
    """Event and non-event counts by (breakdown, level, group) for one indicator."""
    levels = [("all", cube.assign(level="ALL"))]
    if team and cube["team"].nunique() > 1:  # one team is the whole authority
        levels.append(("team", cube.assign(level=cube["team"])))
    rows = []
    for breakdown, frame in levels:
        summed = frame.groupby(["level", "ethnicity_group"])[[ind.events, ind.base]].sum()
        for level in sorted(frame["level"].unique()):
            for group in CELL_GROUPS:
                e, b = (summed.loc[(level, group)] if (level, group) in summed.index
                        else (0, 0))
                rows.append({"period": period, "indicator": ind.name, "breakdown": breakdown,
                             "level": level, "group": group, "events": int(e), "base": int(b)})
    return pd.DataFrame(rows)


def _suppress_rl(cells: pd.DataFrame, threshold: int) -> pd.Series:
    """Suppression mask on (cell, outcome) for RL-type indicators: events and non-events."""
    long = pd.concat([
        cells.assign(outcome="event", count=cells["events"]),
        cells.assign(outcome="non_event", count=cells["base"] - cells["events"]),
    ], ignore_index=True)
    long["minority"] = np.where(long["group"].isin(MINORITY_GROUPS), "M", None)
    long["sub"] = np.where(long["breakdown"] != "all", long["breakdown"], None)
    long["row"] = np.tile(np.arange(len(cells)), 2)
    long = long.sort_values(["period", "indicator", "breakdown", "level", "outcome", "row"],
                            kind="stable")
    margins = [["period", "indicator", "breakdown", "level", "group"],
               ["period", "indicator", "breakdown", "level", "outcome", "minority"],
               ["period", "indicator", "group", "outcome", "sub"]]
    mask = sdc.secondary_suppress(long, margins, count="count", threshold=threshold)
    by_row = mask.groupby(long["row"]).any()
    return pd.Series(by_row.reindex(range(len(cells))).to_numpy(), index=cells.index)


def _rl_rows(cells: pd.DataFrame, hidden: pd.Series | None, ind: _Indicator, threshold: int,
             confidence: float, band: tuple[float, float]) -> pd.DataFrame:
    out = []
    keys = ["period", "indicator", "breakdown", "level"]
    cells = cells.assign(hidden=hidden if hidden is not None else False)
    for key, grp in cells.groupby(keys, sort=False):
        g = grp.set_index("group")
        white = g.loc["WHITE"]
        minority = g.loc[list(MINORITY_GROUPS)]
        m_events, m_base = int(minority["events"].sum()), int(minority["base"].sum())
        m_small = hidden is not None and (0 < m_events <= threshold or
                                          0 < m_base - m_events <= threshold)
        for group in (*COMPARED, *UNKNOWN_GROUPS):
            if group == "MINORITY":
                e, b, hid = m_events, m_base, m_small
            else:
                e, b, hid = int(g.loc[group, "events"]), int(g.loc[group, "base"]), \
                    bool(g.loc[group, "hidden"])
            row = dict(zip(keys, key, strict=True), group=group, events=e, base=b,
                       suppressed=bool(hid))
            if group in UNKNOWN_GROUPS:
                row.update(comparator=None, orientation=None, reason="ethnicity_not_known")
            else:
                row.update(comparator="WHITE", comparator_events=int(white["events"]),
                           comparator_base=int(white["base"]),
                           orientation=BENEFICIAL if ind.beneficial else ADVERSE,
                           suppressed=bool(hid) or bool(white["hidden"]))
            out.append(row)
    df = pd.DataFrame(out)
    return _statistics(df, confidence, band, ind.beneficial)


def _statistics(df: pd.DataFrame, confidence: float, band: tuple[float, float],
                beneficial: bool | None) -> pd.DataFrame:
    df = df.copy()
    for col in ("comparator_events", "comparator_base"):
        if col not in df:
            df[col] = np.nan
    e, b = df["events"].astype(float), df["base"].astype(float)
    ce, cb = df["comparator_events"].astype(float), df["comparator_base"].astype(float)
    df["rate"] = proportion_limits(e.to_numpy(), b.to_numpy(), confidence=confidence).value
    with np.errstate(divide="ignore", invalid="ignore"):
        df["comparator_rate"] = np.where(cb > 0, ce / cb, np.nan)
    compared = df["comparator"].notna().to_numpy()
    n = len(df)
    value, lower, upper = (np.full(n, np.nan) for _ in range(3))
    method, reason = np.full(n, None, dtype=object), df.get("reason", pd.Series([None] * n))
    reason = reason.to_numpy(dtype=object).copy()
    band_pos, significant = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    if compared.any():
        idx = np.flatnonzero(compared)
        if beneficial is None:  # representation: group share / comparator share
            res = katz_ratio(e.to_numpy()[idx], b.to_numpy()[idx], ce.to_numpy()[idx],
                             cb.to_numpy()[idx], confidence)
            sig = np.where(np.isnan(np.asarray(res.lower, dtype=float)), None,
                           (np.asarray(res.lower) > 1) | (np.asarray(res.upper) < 1))
            bp = band_position(res.value, band)
        else:
            res = relative_likelihood(e.to_numpy()[idx], b.to_numpy()[idx], ce.to_numpy()[idx],
                                      cb.to_numpy()[idx], beneficial=beneficial,
                                      confidence=confidence, band=band)
            sig, bp = res.significant, res.band_position
        value[idx], lower[idx], upper[idx] = res.value, res.lower, res.upper
        method[idx], reason[idx] = res.method, res.reason
        band_pos[idx] = bp
        significant[idx] = sig
    df["value"], df["ci_lower"], df["ci_upper"] = value, lower, upper
    df["method"], df["reason"], df["band"], df["significant"] = method, reason, band_pos, \
        significant
    return df


# --------------------------------------------------------------------------- representation


def _representation(period: int, cube: pd.DataFrame, population: pd.Series, threshold: int | None,
                    confidence: float, band: tuple[float, float]) -> pd.DataFrame:
    """Shares by grade against the workforce (and the workforce against the population), and
    the oriented ``grade_or_above`` RLs (White ÷ minority likelihood of being at grade G or
    above), from staff in post on 31 March.  Grades without a rank (no ``grades:`` list in the
    mapping) get representation rows but no ``grade_or_above`` rows."""
    at = cube[cube["at_end"] > 0]
    grades = (at.dropna(subset=["grade"]).groupby("grade")["grade_rank"].max()
              .sort_values(na_position="last"))
    if grades.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    cells = pd.DataFrame([
        {"grade": grade, "rank": grades[grade], "group": group,
         "count": int(at.loc[(at["grade"] == grade) & (at["ethnicity_group"] == group),
                             "at_end"].sum())}
        for grade in grades.index for group in CELL_GROUPS])
    hidden = np.zeros(len(cells), dtype=bool)
    if threshold is not None:
        work = cells.assign(period=period)
        work["minority"] = np.where(work["group"].isin(MINORITY_GROUPS), "M", None)
        margins = [["period", "grade"], ["period", "group"], ["period", "grade", "minority"]]
        hidden = sdc.secondary_suppress(work, margins, count="count",
                                        threshold=threshold).to_numpy()
    cells["hidden"] = hidden
    known = cells[~cells["group"].isin(UNKNOWN_GROUPS)]
    members = {g: [g] for g in ("WHITE", *MINORITY_GROUPS)}
    members["MINORITY"] = list(MINORITY_GROUPS)
    # Per grade and compared group: count and hidden (MINORITY is hidden when small, and then
    # White too, because the grade's known total, White and MINORITY would give it away).
    per = {}
    for grade in grades.index:
        g = known[known["grade"] == grade]
        total = int(g["count"].sum())
        for group, parts in members.items():
            pick = g[g["group"].isin(parts)]
            per[(grade, group)] = [int(pick["count"].sum()), bool(pick["hidden"].any())]
        m = per[(grade, "MINORITY")][0]
        if threshold is not None and (0 < m <= threshold or 0 < total - m <= threshold):
            per[(grade, "MINORITY")][1] = per[(grade, "WHITE")][1] = True
    totals = {group: sum(per[(gr, group)][0] for gr in grades.index) for group in members}
    known_total = totals["WHITE"] + totals["MINORITY"]
    rows = []
    # A group's workforce total is the comparator of each of its grade rows and the grade's
    # total their base, so either being small (or leaving a small remainder) hides the row.
    small_total = {group: threshold is not None and (0 < totals[group] <= threshold or
                                                     0 < known_total - totals[group] <= threshold)
                   for group in members}
    for grade in grades.index:
        grade_total = per[(grade, "WHITE")][0] + per[(grade, "MINORITY")][0]
        for group in ("WHITE", *COMPARED):
            n, hid = per[(grade, group)]
            hid = hid or small_total[group] or (threshold is not None and (
                0 < grade_total <= threshold or 0 < known_total - grade_total <= threshold))
            rows.append({"indicator": "representation", "breakdown": "grade", "level": grade,
                         "group": group, "comparator": "workforce", "events": n,
                         "base": grade_total, "comparator_events": totals[group],
                         "comparator_base": known_total, "suppressed": hid})
    if not population.empty:
        pop = population.reindex(["WHITE", *MINORITY_GROUPS]).fillna(0).astype("int64")
        for group in ("WHITE", *COMPARED):
            n = totals[group]
            hid = threshold is not None and (0 < n <= threshold or
                                             0 < known_total - n <= threshold)
            rows.append({"indicator": "representation", "breakdown": "all", "level": "ALL",
                         "group": group, "comparator": "population", "events": n,
                         "base": known_total, "comparator_events": int(pop[members[group]].sum()),
                         "comparator_base": int(pop.sum()), "suppressed": hid})
    frames = [_statistics(pd.DataFrame(rows).assign(period=period, orientation=REPRESENTATION),
                          confidence, band, None)]
    ranked = [gr for gr in grades.index if not pd.isna(grades[gr])]
    if len(ranked) > 1:
        shown = {group: _published_levels([per[(gr, group)] for gr in ranked], threshold)
                 for group in members}
        prog = []
        for i, grade in enumerate(ranked[1:], start=1):
            wa = sum(per[(gr, "WHITE")][0] for gr in ranked[i:])
            for group in COMPARED:
                n = sum(per[(gr, group)][0] for gr in ranked[i:])
                prog.append({"indicator": "grade_or_above", "breakdown": "grade", "level": grade,
                             "group": group, "comparator": "WHITE", "events": n,
                             "base": totals[group], "comparator_events": wa,
                             "comparator_base": totals["WHITE"],
                             "suppressed": threshold is not None and not (
                                 i in shown[group] and i in shown["WHITE"])})
        frames.append(_statistics(pd.DataFrame(prog).assign(period=period,
                                                            orientation=BENEFICIAL),
                                  confidence, band, True))
    return pd.concat(frames, ignore_index=True)


def _published_levels(cells: list[list], threshold: int | None) -> set[int]:
    """Which cumulative levels ("grade i or above", i >= 1) of one group can be published.

    Two published levels give the count of the grades between them by subtraction (and the
    lowest level with the group total gives the grades below it), so each band of grades
    between consecutive published levels must itself be publishable: its count is 0 or above
    the threshold, and it holds no hidden grade count or at least two (DfE's rule, methods.md
    §3 rule 2).  Levels are tried from the top grade down; a band that fails merges into the
    next one down, and the band left at the bottom un-publishes levels until it passes.
    """
    levels = range(1, len(cells))
    if threshold is None:
        return set(levels)

    def ok(lo: int, hi: int) -> bool:  # grades lo..hi-1
        band = cells[lo:hi]
        count = sum(c[0] for c in band)
        n_hidden = sum(1 for c in band if c[1])
        return not (0 < count <= threshold) and n_hidden != 1

    published: list[int] = []
    upper = len(cells)
    for level in reversed(levels):
        if ok(level, upper):
            published.append(level)
            upper = level
    while published and not ok(0, published[-1]):
        published.pop()
    return set(published)


# --------------------------------------------------------------------------- public API


def workforce(warehouse: object = None, period: int | Sequence[int] | None = None, *,
              suppression: str = "dfe", threshold: int = sdc.THRESHOLD,
              confidence: float = 0.95, band: tuple[float, float] = WRES_BAND,
              by_team: bool = True, la_codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The workforce equity table: one row per indicator × period × breakdown × level × group.

    ``warehouse`` is a DuckDB path or an Ibis backend with the HR tables (e.g. Spark over a
    Parquet export).  ``period`` defaults to every collection year the HR data covers, which is
    the trend by year.  ``suppression="dfe"`` (default) hides counts from 1 to ``threshold``
    and everything derived from them (see the module docstring); ``"none"`` is for analysts
    inside the authority only.  Settings are recorded in ``DataFrame.attrs``.
    """
    if suppression not in ("dfe", "none"):
        raise ConfigError(f"suppression must be 'dfe' or 'none', not {suppression!r}")
    con = connect(warehouse)
    present = hr_periods(con, la_codes)
    if not present:
        raise ConfigError("no HR data in the warehouse: run `arpkit import-hr` first")
    wanted = present if period is None else ([period] if isinstance(period, int)
                                             else list(period))
    limit = threshold if suppression == "dfe" else None
    population = population_counts(con, la_codes)
    frames = []
    for p in wanted:
        staff = staff_cube(con, p, la_codes)
        apps = applications_cube(con, p, la_codes)
        for ind in INDICATORS:
            cube = apps if ind.source == "applications" else staff
            if cube.empty:
                continue
            cells = _cells(p, cube, ind, by_team)
            hidden = _suppress_rl(cells, limit) if limit is not None else None
            frames.append(_rl_rows(cells, hidden, ind, limit or 0, confidence, band))
        if not staff.empty:
            frames.append(_representation(p, staff, population, limit, confidence, band))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    df = _finish(df)
    df.attrs.update(suppression=suppression, threshold=threshold, confidence=confidence,
                    band=list(band), periods=wanted, la_codes=list(la_codes or []),
                    population=bool(len(population)))
    return df


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Column order, and blanks where suppressed (``c`` only in the symbol column)."""
    out = tidy_frame(COLUMNS, **{c: df[c].tolist() if c in df else None for c in COLUMNS})
    hide = out["suppressed"].fillna(False).astype(bool)
    for col in ("events", "base", "comparator_events", "comparator_base", "rate",
                "comparator_rate", "value", "ci_lower", "ci_upper", "band", "significant"):
        out[col] = out[col].astype(object).where(~hide, None)
    out["suppressed"] = hide
    out["symbol"] = np.where(hide, sdc.symbol("confidential"), "")
    for col in ("events", "base", "comparator_events", "comparator_base"):
        out[col] = pd.array([None if v is None or pd.isna(v) else int(v) for v in out[col]],
                            dtype="Int64")
    for col in ("rate", "comparator_rate", "value", "ci_lower", "ci_upper"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["period"] = out["period"].astype("int64")
    return out
