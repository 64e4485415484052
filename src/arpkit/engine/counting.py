"""Who counts at each stage: the counting rules, as Ibis expressions.

Written once in Ibis so the same rules run on embedded DuckDB and on Spark (or any Ibis
backend that has the warehouse tables).  Every function returns an *unexecuted* Ibis table
with one row per qualifying child; :mod:`arpkit.engine.metrics` aggregates them.

Rules (also in ``docs/metrics.md``):

* Period YYYY runs from 1 April YYYY-1 to 31 March YYYY inclusive.
* A child counts if aged 0-17 on the counting date, age taken from ``birth_month`` (the 1st of
  the birth month).  A child born after the counting date (unborn) does not count, nor does a
  child with no recorded birth month (reported by the quality checks).
* ``in_year``: an event of the stage starting in the period (for ``cla``: the start of a period
  of care, RNE = S); the counting date is the event date, and a child counts once, at their
  earliest qualifying event.
* ``at_31_march``: an event of the stage open on 31 March (start on or before, end empty or
  after); the counting date is 31 March.
* Looked-after counts exclude short-break episodes (LS V3, V4), as DfE's CLA statistics do.
* Each stage is read from the return that defines it (contact and early help: Annex A; referral
  to CP plan: CIN census; CLA: SSDA903).  Where that return was not imported for the period,
  the next source in :data:`STAGE_SOURCES` that has events for the stage is used.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import ibis.expr.types as ir

Basis = Literal["in_year", "at_31_march"]
BASES: tuple[str, ...] = ("in_year", "at_31_march")

#: Preferred sources per stage, most authoritative first.
STAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "contact": ("annex_a", "case_extract"),
    "early_help": ("annex_a", "case_extract"),
    "referral": ("cin_census", "annex_a", "case_extract"),
    "assessment": ("cin_census", "annex_a", "case_extract"),
    "s47": ("cin_census", "annex_a", "case_extract"),
    "cin": ("cin_census", "annex_a", "case_extract"),
    "cin_plan": ("cin_census", "case_extract"),
    "cp_plan": ("cin_census", "annex_a", "case_extract"),
    "cla": ("ssda903", "annex_a", "case_extract"),
}

#: Stages with an "open on 31 March" count (contacts, referrals, assessments and s47 enquiries
#: are events, not states).
SNAPSHOT_STAGES: frozenset[str] = frozenset({"early_help", "cin", "cp_plan", "cla"})
SHORT_BREAKS: tuple[str, ...] = ("V3", "V4")

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-4", 0, 4), ("5-9", 5, 9), ("10-15", 10, 15), ("16-17", 16, 17),
)


def period_bounds(period: int) -> tuple[dt.date, dt.date]:
    """First and last day of collection year ``period`` (the year ending 31 March)."""
    return dt.date(period - 1, 4, 1), dt.date(period, 3, 31)


def stage_sources(con, period: int) -> dict[str, str | None]:
    """Which source each stage is counted from in ``period`` (one small query)."""
    e = con.table("events")
    have = (
        e.filter((e.period == period) | e.period.isnull())
        .select("stage", "source").distinct().to_pandas()
    )
    present = set(zip(have["stage"], have["source"], strict=True))
    return {
        stage: next((s for s in prefs if (stage, s) in present), None)
        for stage, prefs in STAGE_SOURCES.items()
    }


def _age(count_date: ir.DateValue, birth_month: ir.DateValue) -> ir.IntegerValue:
    # birth_month is the 1st of its month, so the birthday has passed once the month is reached.
    return (count_date.year() - birth_month.year()
            - ibis.ifelse(count_date.month() < birth_month.month(), 1, 0))


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    case = ibis.cases(*((age.between(lo, hi), name) for name, lo, hi in AGE_BANDS),
                      else_="unknown")
    return case


def _events_for(con, period: int, sources: dict[str, str | None]) -> ir.Table:
    """Events usable for ``period``: each stage from its chosen source, short breaks dropped."""
    e = con.table("events")
    chosen = [(stage, src) for stage, src in sources.items() if src is not None]
    if not chosen:
        return e.filter(ibis.literal(False))
    pick = ibis.or_(*((e.stage == stage) & (e.source == src) for stage, src in chosen))
    ev = e.filter(pick, (e.period == period) | e.period.isnull())
    return ev.filter((ev.stage != "cla") | ev.legal_status.isnull()
                     | ~ev.legal_status.isin(SHORT_BREAKS))


def qualifying_children(con, period: int, sources: dict[str, str | None],
                        stages: tuple[str, ...] | None = None) -> ir.Table:
    """One row per child counted at each stage and basis in ``period``.

    Columns: ``stage, basis, child_key, la_code, count_date, team`` where ``count_date`` is the
    earliest qualifying event date (in_year) or 31 March (at_31_march), and ``team`` the team
    on the counting event (the alphabetically first if several share the date, so every
    backend agrees).  All stages are computed in one expression so a backend runs one query.
    """
    start, end = period_bounds(period)
    ev = _events_for(con, period, sources)
    if stages is not None:
        ev = ev.filter(ev.stage.isin(list(stages)))
    cols = ("stage", "child_key", "la_code", "team")
    in_year = ev.filter(ev.start_date.between(start, end),
                        (ev.stage != "cla") | (ev.rne == "S"))
    in_year = in_year.select(*cols, basis=ibis.literal("in_year"),
                             count_date=in_year.start_date.cast("date"))
    snap = ev.filter(ev.stage.isin(sorted(SNAPSHOT_STAGES)), ev.start_date <= end,
                     ev.end_date.isnull() | (ev.end_date > end))
    snap = snap.select(*cols, basis=ibis.literal("at_31_march"),
                       count_date=ibis.literal(end, type="date").cast("date"))
    both = in_year.union(snap, distinct=False)
    c = con.table("children").select("child_key", "birth_month")
    j = both.join(c, "child_key")
    j = j.filter(j.birth_month.notnull(), j.birth_month <= j.count_date,
                 _age(j.count_date, j.birth_month) < 18)
    # The earliest qualifying date and the team on it in ONE aggregation (a join back to
    # each child's earliest date would read every row twice): the minimum of (date, team
    # missing, team) is the earliest date's alphabetically first team, a recorded team
    # winning over none on the same date, as with MIN(team).  Structs compare field by field
    # in DuckDB and Spark alike.  (Ranking the distinct teams in a lookup table and joining
    # it did the same, but the backend could not tell that table was small: DuckDB built the
    # join on the qualifying rows and ran out of memory under the 1 GB limit on a
    # 5,000,000-child warehouse; benchmarks/README.md.)  The authority is grouped on: a child
    # key is the HMAC of the authority and the child's id (pseudonymise.py), so all of a
    # child's events carry one authority and it adds no groups.
    first = ibis.struct({"day": j.count_date, "missing": j.team.isnull().cast("int8"),
                         "team": j.team.fill_null("")}).min()
    q = j.group_by(["stage", "basis", "child_key", "la_code"]).agg(first=first)
    q = q.select("stage", "basis", "child_key", "la_code", count_date=q.first["day"],
                 team=ibis.ifelse(q.first["missing"] == 1, ibis.null("string"),
                                  q.first["team"]))
    return _fill_team(con, q, period)


def _fill_team(con, q: ir.Table, period: int) -> ir.Table:
    """The CIN census and SSDA903 record no team; Annex A and extracts do.  Where the counting
    event has none, take the team another source records for the same child at the same stage
    in the period (alphabetically first, so every backend agrees).  No team is borrowed from
    another stage: that would give teams only the children who went further, and bias every
    team comparison."""
    e = con.table("events")
    t = e.filter(e.team.notnull(), (e.period == period) | e.period.isnull())
    by_stage = t.group_by(["child_key", "stage"]).agg(stage_team=t.team.min())
    j = q.left_join(by_stage, (q.child_key == by_stage.child_key) & (q.stage == by_stage.stage))
    return j.select(*(j[c] for c in q.columns if c != "team"),
                    team=ibis.coalesce(j.team, j.stage_team))


def converted_children(con, period: int, sources: dict[str, str | None],
                       pairs: tuple[tuple[str, str], ...],
                       qualified: ir.Table | None = None) -> ir.Table:
    """Denominator and numerator children for stage conversions in ``period``.

    One row per (from_stage, to_stage, child): children with an in-year ``from_stage`` event
    (counted as in :func:`qualifying_children`), with ``converted`` = 1 when they have a
    ``to_stage`` event on or after their first from-stage date and on or before the period
    end.  The to-stage event is not age-filtered; for ``cla`` only the start of a period of
    care (RNE = S) counts.  Columns: ``stage, to_stage, child_key, la_code, count_date, team,
    converted``.
    """
    _, end = period_bounds(period)
    q = qualified if qualified is not None else qualifying_children(con, period, sources)
    pair_t = ibis.memtable({"p_from": [a for a, _ in pairs], "p_to": [b for _, b in pairs]})
    d = q.filter(q.basis == "in_year").join(pair_t, q.stage == pair_t.p_from)
    d = d.select("child_key", "la_code", "count_date", "team", stage=d.p_from,
                 to_stage=d.p_to)
    ev = _events_for(con, period, sources)
    to = ev.filter(ev.stage.isin(sorted({b for _, b in pairs})),
                   (ev.stage != "cla") | (ev.rne == "S"), ev.start_date <= end)
    # A to-stage event on or after the first from-stage date exists exactly when the child's
    # LAST to-stage event is on or after it: one row per child and stage to join, instead of
    # every pair of events.  ``d`` has one row per (stage, to_stage, child) already.
    last = to.group_by([to.child_key.name("t_child"), to.stage.name("t_stage")]).agg(
        t_last=to.start_date.max())
    j = d.left_join(last, (d.child_key == last.t_child) & (d.to_stage == last.t_stage))
    return j.select("stage", "to_stage", "child_key", "la_code", "count_date", "team",
                    converted=(j.t_last >= j.count_date).fill_null(False).cast("int64"))


def last_stage_dates(con, period: int, sources: dict[str, str | None],
                     stages: list[str]) -> ir.Table:
    """One row per child with an event of any of ``stages`` by the end of ``period``: column
    ``last_<stage>`` is the start of the child's last such event (null if none), from the
    stage's chosen source, for ``cla`` only the start of a period of care (RNE = S).

    A child reached a stage on or after a date exactly when this last event is on or after
    it, which is how :func:`converted_children` and the metrics cube count conversions with
    one join per child instead of one per pair of events.  Column ``last_child`` is the key.
    """
    _, end = period_bounds(period)
    ev = _events_for(con, period, sources)
    to = ev.filter(ev.stage.isin(sorted(stages)), (ev.stage != "cla") | (ev.rne == "S"),
                   ev.start_date <= end)
    return to.group_by(to.child_key.name("last_child")).agg(
        **{f"last_{s}": to.start_date.max(where=to.stage == s) for s in sorted(stages)})


def with_characteristics(con, qualified: ir.Table, chinese_group: str = "asian") -> ir.Table:
    """Join qualifying children to their characteristics and derive breakdown columns.

    ``age_band`` is the age on the counting date.  ``ethnicity_group`` honours the CHNE setting
    (Asian by default, Other for the Annex A convention).
    """
    c = con.table("children")
    j = qualified.join(c.drop("la_code"), "child_key")
    grp = j.ethnicity_group
    if chinese_group == "other":
        grp = ibis.ifelse(j.ethnicity_code == "CHNE", "OTHER", grp)
    age = _age(j.count_date, j.birth_month)
    return j.mutate(
        ethnicity_group=grp,
        ethnicity_code=j.ethnicity_code.fill_null("UNKNOWN"),
        sex=j.sex.fill_null("U"),
        age_band=age_band(age),
        disability=ibis.cases((j.disabled, "disabled"), (~j.disabled, "not disabled"),
                              else_="unknown"),
        uasc=ibis.cases((j.uasc, "uasc"), (~j.uasc, "not uasc"), else_="unknown"),
        team=j.team.fill_null("not recorded"),
    )
