"""Ethnicity recording quality: completeness, cross-return conflicts and the label review loop.

Why: every disproportionality figure rests on the ethnicity the returns record.  A team that
rarely obtains ethnicity, a return that disagrees with another, or a case-system label nobody
has mapped all move children out of the ethnic groups and into "unknown", which can hide (or
invent) a disparity.  The programme committed to correcting ethnicity recording, so this module
measures it (issue 4, second half; rules in ``docs/quality.md``).

Counting is Ibis over the warehouse tables (``children``, ``child_sources``, ``events``,
``ethnicity_labels``, ``imports``), so DuckDB and Spark give the same counts.  "Children at a
stage" are exactly the metrics cohorts (:func:`arpkit.engine.counting.qualifying_children`).
Shares use the Wilson interval (:func:`intervals.proportion_limits`, methods.md §1.2), changes
between periods Newcombe's difference (:func:`trends.proportion_change`), the team outlier test
the proportion funnel (:func:`funnel.classify_proportion`, methods.md §1.7) and disclosure
control the DfE rules of :mod:`suppression` (methods.md §3).  No new statistics live here.

Output contract: :func:`quality` returns one tidy row per measure with :data:`COLUMNS`;
:func:`conflict_keys` returns the child-level list for the data team, which never appears in
the main table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from arpkit.engine import counting, funnel, intervals, trends
from arpkit.engine import suppression as sdc
from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import KNOWN_GROUPS
from arpkit.engine.ethnicity_mapping import Overrides
from arpkit.engine.metrics import ALL, STAGES, periods_present
from arpkit.engine.tidy import is_missing as _na
from arpkit.engine.tidy import tidy_frame
from arpkit.engine.warehouse import connect

COLUMNS: tuple[str, ...] = (
    "section", "measure", "stage", "basis", "period", "breakdown", "group", "category",
    "numerator", "denominator", "value", "ci_lower", "ci_upper", "flag", "suppressed", "detail",
)
CONFLICT_COLUMNS: tuple[str, ...] = (
    "child_key", "la_code", "period", "source_a", "value_a", "label_a", "source_b", "value_b",
    "label_b", "kind",
)

#: Recording status of a label, in reporting order (docs/quality.md defines each).
STATUSES: tuple[str, ...] = ("recorded", "refused", "not_obtained", "missing", "unmappable")
#: Returns compared for conflicts, in the importer's order of trust (the first named in a pair).
SOURCES: tuple[str, ...] = ("cin_census", "ssda903", "annex_a", "case_extract")
#: Kinds of conflict; "any" is their total for one pair of returns.
CONFLICT_KINDS: tuple[str, ...] = (
    "any", "same_group", "different_group", "refused_or_not_obtained",
)
SUPPRESSION_MODES: tuple[str, ...] = ("dfe", "none")
NOT_RECORDED = "not recorded"
#: Category of the row that gathers, under DfE suppression, labels with 1 to threshold children.
SMALL_LABELS = "(labels with 1 to {t} children each)"
PAIR_SEP = " vs "

_STATUS_MEASURE = "ethnicity_status"
_CHANGE_MEASURE = "ethnicity_status_change"
_RANK = {s: i for i, s in enumerate(STATUSES)}
_BREAKDOWN_ORDER = {"all": 0, "team": 1, "source": 2, "source_pair": 3, "decision": 4}
_SECTION_ORDER = {"completeness": 0, "conflicts": 1, "labels": 2}


@dataclass(frozen=True)
class _Settings:
    suppression: str
    threshold: int
    confidence: float


# --------------------------------------------------------------------------- Ibis pieces


def _label_missing(label: ir.StringValue) -> ir.BooleanValue:
    """The normaliser's "missing" rule (ethnicity.py): no text after trimming (NBSP counts as a
    space), or pandas' ``nan`` written for an empty cell."""
    text = label.replace("\u00a0", " ").strip()
    return label.isnull() | (text == "") | (text.lower() == "nan")


def _status(group: ir.StringValue, label: ir.StringValue) -> ir.StringValue:
    """Recording status from a stored group and raw label (docs/quality.md): the normaliser
    gives UNKNOWN only to a missing or an unrecognised label, so the label tells them apart."""
    return ibis.cases(
        (group.isin(list(KNOWN_GROUPS)), "recorded"),
        (group == "REFUSED", "refused"),
        (group == "NOT_OBTAINED", "not_obtained"),
        (_label_missing(label), "missing"),
        else_="unmappable",
    )


def _status_rank(status: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(*((status == s, i) for s, i in _RANK.items()), else_=len(STATUSES))


def _rank_status(rank: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*((rank == i, s) for s, i in _RANK.items()), else_="missing")


def _sources_for(con, period: int) -> ir.Table:
    """``child_sources`` rows that describe ``period``: that year's returns, and case-system
    extracts imported without a period (they apply to every period)."""
    cs = con.table("child_sources")
    return cs.filter((cs.period == period) | cs.period.isnull())


def _source_status(con, period: int) -> ir.Table:
    """One row per child and return for ``period`` with the return's recording status; where a
    return holds a child twice (two extracts), the better status counts."""
    cs = _sources_for(con, period)
    cs = cs.mutate(rank=_status_rank(_status(cs.ethnicity_group, cs.ethnicity_source_label)))
    best = cs.group_by(["child_key", "source"]).agg(rank=cs.rank.min())
    return best.select("child_key", "source", status=_rank_status(best.rank))


def completeness_counts(con, period: int, qualified: ir.Table | None = None) -> pd.DataFrame:
    """Children by stage, basis, team or source, and status, for ``period``.

    Columns ``kind``, ``stage``, ``basis``, ``group``, ``status``, ``n``.  ``kind`` is ``team``
    (the children table's label, by team), ``source`` (each return's own label; stage and
    basis empty for all the children of the return) or ``birth`` (children with an event of
    the stage, ``status`` saying whether their birth month is known): :func:`cohort_counts`
    and :func:`birth_counts` together.
    """
    return pd.concat([cohort_counts(con, period, qualified), birth_counts(con, period)],
                     ignore_index=True)


def cohort_counts(con, period: int, qualified: ir.Table | None = None) -> pd.DataFrame:
    """The ``team`` and ``source`` rows of :func:`completeness_counts`.

    ``qualified`` is :func:`counting.qualifying_children` for every stage of ``period``
    already materialised (the metrics cube's, handed over by
    :func:`arpkit.engine.metrics.count_period`'s ``on_qualified``).  Without it they are
    counted here, once: the team and the by-return counts both read them, so they are
    materialised (a temporary table on DuckDB, a cached DataFrame on Spark) rather than
    planned once per use (benchmarks/README.md, ``report_pack.py``).
    """
    if qualified is None:
        sources = counting.stage_sources(con, period)
        q = counting.qualifying_children(con, period, sources, STAGES)
        with q.select("stage", "basis", "child_key", "team").cache() as cached:
            return cohort_counts(con, period, cached)
    q = qualified.select("stage", "basis", "child_key", "team")
    c = con.table("children").select("child_key", "ethnicity_group", "ethnicity_source_label")
    j = q.join(c, "child_key")
    by_team = j.select("stage", "basis", kind=ibis.literal("team"),
                       group=j.team.fill_null(NOT_RECORDED),
                       status=_status(j.ethnicity_group, j.ethnicity_source_label))
    ss = _source_status(con, period)
    qs = q.select("stage", "basis", "child_key").join(ss, "child_key")
    by_source = qs.select("stage", "basis", kind=ibis.literal("source"), group=qs.source,
                          status=qs.status)
    whole = ss.select(stage=ibis.literal(""), basis=ibis.literal(""),
                      kind=ibis.literal("source"), group=ss.source, status=ss.status)
    return _count_union([by_team, by_source, whole])


def birth_counts(con, period: int) -> pd.DataFrame:
    """The ``birth`` rows of :func:`completeness_counts`: the counting rules leave out
    children with no birth month (counting.py), so this counts them, by stage.  It does not
    need the qualifying children, so the report pack runs it in the quality call's own
    thread while the metrics call counts."""
    sources = counting.stage_sources(con, period)
    ev = counting._events_for(con, period, sources)
    ev = ev.filter(ev.stage.isin(list(STAGES))).select("stage", "child_key").distinct()
    c = con.table("children").select("child_key", "birth_month")
    eb = ev.join(c, "child_key")
    birth = eb.select("stage", basis=ibis.literal(""), kind=ibis.literal("birth"),
                      group=ibis.literal(ALL),
                      status=ibis.ifelse(eb.birth_month.isnull(), "missing", "known"))
    return _count_union([birth])


_COUNT_COLUMNS = ("kind", "stage", "basis", "group", "status")


def _count_union(parts: list[ir.Table]) -> pd.DataFrame:
    """Rows of children counted by :data:`_COUNT_COLUMNS` (one nullable string schema)."""
    def loose(t: ir.Table) -> ir.Table:
        return t.select(*(t[c].cast("string").name(c) for c in _COUNT_COLUMNS))

    u = loose(parts[0])
    for part in parts[1:]:
        u = u.union(loose(part), distinct=False)
    df = u.group_by(list(_COUNT_COLUMNS)).agg(n=u.count()).to_pandas()
    df["n"] = df["n"].astype("int64")
    return df


def _birth_month_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Children with an event of each stage and how many of them have no birth month."""
    b = counts[counts["kind"] == "birth"]
    if b.empty:
        return pd.DataFrame(columns=["stage", "n", "missing"])
    out = b.pivot_table(index="stage", columns="status", values="n", aggfunc="sum",
                        fill_value=0).reindex(columns=["known", "missing"], fill_value=0)
    out["n"] = out["known"] + out["missing"]
    return out.reset_index()[["stage", "n", "missing"]]


def _pairs(con, period: int) -> ir.Table:
    """Every pair of returns of ``period`` that both record a value for the same child.

    A value is a DfE code (REFU and NOBT included) or, for a group-only label (``"Mixed"``),
    the group; missing and unmappable labels are not values.  Two codes are compared as codes;
    where either side has only a group, the groups are compared.
    """
    cs = _sources_for(con, period)
    cs = cs.filter(cs.source.isin(list(SOURCES)), cs.ethnicity_group != "UNKNOWN")
    rank = ibis.cases(*((cs.source == s, i) for i, s in enumerate(SOURCES)), else_=99)
    cs = cs.select("child_key", "la_code", "source", code=cs.ethnicity_code,
                   grp=cs.ethnicity_group, label=cs.ethnicity_source_label, rank=rank)
    a = cs
    b = cs.view()
    j = a.join(b, (a.child_key == b.child_key) & (a.rank < b.rank))
    differ = ibis.ifelse(a.code.notnull() & b.code.notnull(), a.code != b.code, a.grp != b.grp)
    not_known = ["REFUSED", "NOT_OBTAINED"]
    kind = ibis.cases(
        (a.grp.isin(not_known) | b.grp.isin(not_known), "refused_or_not_obtained"),
        (a.grp == b.grp, "same_group"),
        else_="different_group",
    )
    return j.select(
        child_key=a.child_key, la_code=a.la_code, source_a=a.source,
        value_a=ibis.coalesce(a.code, a.grp), label_a=a.label, source_b=b.source,
        value_b=ibis.coalesce(b.code, b.grp), label_b=b.label, differ=differ, kind=kind,
    )


def _conflict_counts(con, period: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(totals, values): children compared and in conflict per pair of returns and kind (plus
    an ``ALL`` pair: any two returns), and conflicting children per pair of values.

    Distinct children are counted in two steps (flags per child and pair of returns, then
    sums) rather than with one ``COUNT(DISTINCT)`` per kind: each distinct count is a hash
    table of its own over every compared pair, and five of them took most of this query.
    """
    p = _pairs(con, period)
    flags = {"any": p.differ}
    for k in CONFLICT_KINDS[1:]:
        flags[k] = p.differ & (p.kind == k)
    per_pair = p.group_by(["child_key", "source_a", "source_b"]).agg(
        **{k: ibis.ifelse(f, 1, 0).max() for k, f in flags.items()})
    sums = {"compared": per_pair.count(),
            **{k: per_pair[k].sum() for k in CONFLICT_KINDS}}
    by_pair = per_pair.group_by(["source_a", "source_b"]).agg(**sums)
    per_child = per_pair.group_by("child_key").agg(
        **{k: per_pair[k].max() for k in CONFLICT_KINDS})
    overall = per_child.aggregate(
        compared=per_child.count(), **{k: per_child[k].sum() for k in CONFLICT_KINDS},
    ).mutate(source_a=ibis.literal(ALL), source_b=ibis.literal(""))
    totals = by_pair.union(overall.select(*by_pair.columns), distinct=False).to_pandas()
    d = p.filter(p.differ)
    values = d.group_by(["source_a", "source_b", "value_a", "value_b", "kind"]).agg(
        n=d.child_key.nunique()).to_pandas()
    for col in ("compared", *CONFLICT_KINDS):
        totals[col] = totals[col].fillna(0).astype("int64")
    totals = totals[(totals["source_a"] != ALL) | (totals["compared"] > 0)]
    values["n"] = values["n"].astype("int64")
    return totals.reset_index(drop=True), values


def _unmapped_labels(con, period: int) -> pd.DataFrame:
    """Unrecognised labels of the imports describing ``period`` with their children."""
    lab = con.table("ethnicity_labels")
    imp = con.table("imports")
    imp = imp.filter(imp.status == "current", (imp.period == period) | imp.period.isnull(),
                     imp.kind.isin(list(SOURCES))).select("import_id")
    j = lab.join(imp, "import_id")
    j = j.filter(~j.recognised, ~_label_missing(j.label))
    df = j.group_by(["source", "label"]).agg(children=j.children.sum()).to_pandas()
    df["children"] = df["children"].astype("int64")
    return df


# --------------------------------------------------------------------------- rows


def _rows(**cols) -> pd.DataFrame:
    return tidy_frame(COLUMNS, **cols)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COLUMNS))


def _shares(x: np.ndarray, n: np.ndarray, confidence: float):
    return intervals.proportion_limits(x.astype(float), n.astype(float), 1, confidence)


def _completeness_rows(counts: pd.DataFrame, period: int, s: _Settings) -> pd.DataFrame:
    """Status shares for every cohort: all children, each team, each return."""
    if counts.empty:
        return _empty()
    idx = ["kind", "stage", "basis", "group"]
    wide = counts.pivot_table(index=idx, columns="status", values="n", aggfunc="sum",
                              fill_value=0)
    wide = wide.reindex(columns=list(STATUSES), fill_value=0).reset_index()
    teams = wide[wide["kind"] == "team"]
    all_rows = teams.groupby(["stage", "basis"], as_index=False)[list(STATUSES)].sum()
    all_rows["kind"], all_rows["group"] = "all", ALL
    # A team breakdown with a single team repeats the 'all' row: it is left out.
    n_teams = teams.groupby(["stage", "basis"])["group"].transform("size")
    teams = teams[n_teams > 1]
    wide = pd.concat([all_rows, teams, wide[wide["kind"] == "source"]], ignore_index=True)
    long = wide.melt(id_vars=idx, value_vars=list(STATUSES), var_name="category",
                     value_name="x")
    long["n"] = long.groupby(idx)["x"].transform("sum")
    est = _shares(long["x"].to_numpy(), long["n"].to_numpy(), s.confidence)
    out = _rows(section="completeness", measure=_STATUS_MEASURE,
                stage=long["stage"].replace("", None), basis=long["basis"].replace("", None),
                period=period, breakdown=long["kind"], group=long["group"],
                category=long["category"], numerator=long["x"], denominator=long["n"],
                value=est.value, ci_lower=est.lower, ci_upper=est.upper, flag=None,
                suppressed=False, detail=None)
    return _team_flags(out)


def _team_flags(rows: pd.DataFrame) -> pd.DataFrame:
    """Flag teams whose NOT_OBTAINED share lies outside the funnel of the other teams
    (methods.md §1.7; children with no team recorded are shown but not compared)."""
    rows = rows.copy()
    sel = ((rows["breakdown"] == "team") & (rows["category"] == "not_obtained")
           & (rows["group"] != NOT_RECORDED) & (rows["denominator"] > 0))
    for _, part in rows[sel].groupby(["stage", "basis"], sort=False):
        if len(part) < 2:
            continue
        x = part["numerator"].to_numpy(float)
        n = part["denominator"].to_numpy(float)
        bench = funnel.proportion_benchmark(x, n)
        lo95, up95 = funnel.proportion_funnel_limits(n, bench, 0.95)
        lo998, up998 = funnel.proportion_funnel_limits(n, bench, 0.998)
        rows.loc[part.index, "flag"] = funnel.classify_proportion(x, n, bench)
        rows.loc[part.index, "detail"] = [
            f"funnel benchmark {bench:.4f} over {len(part)} teams; 95% limits {a:.4f} to "
            f"{b:.4f}; 99.8% limits {c:.4f} to {d:.4f}; no overdispersion adjustment"
            for a, b, c, d in zip(lo95, up95, lo998, up998, strict=True)]
    return rows


def _birth_month_rows(df: pd.DataFrame, period: int, s: _Settings) -> pd.DataFrame:
    if df.empty:
        return _empty()
    est = _shares(df["missing"].to_numpy(), df["n"].to_numpy(), s.confidence)
    return _rows(section="completeness", measure="birth_month_missing", stage=df["stage"],
                 basis=None, period=period, breakdown="all", group=ALL, category=None,
                 numerator=df["missing"], denominator=df["n"], value=est.value,
                 ci_lower=est.lower, ci_upper=est.upper, flag=None, suppressed=False,
                 detail="children with an event of the stage but no birth month: left out of "
                        "every count")


def _pair_name(a: str, b: str) -> str:
    return ALL if a == ALL else f"{a}{PAIR_SEP}{b}"


def _conflict_rows(totals: pd.DataFrame, values: pd.DataFrame, period: int,
                   s: _Settings) -> pd.DataFrame:
    if totals.empty:
        return _empty()
    frames = []
    long = totals.melt(id_vars=["source_a", "source_b", "compared"],
                       value_vars=list(CONFLICT_KINDS), var_name="category", value_name="x")
    est = _shares(long["x"].to_numpy(), long["compared"].to_numpy(), s.confidence)
    frames.append(_rows(
        section="conflicts", measure="conflicting_children", stage=None, basis=None,
        period=period,
        breakdown=np.where(long["source_a"] == ALL, "all", "source_pair"),
        group=[_pair_name(a, b) for a, b in zip(long["source_a"], long["source_b"],
                                                 strict=True)],
        category=long["category"], numerator=long["x"], denominator=long["compared"],
        value=est.value, ci_lower=est.lower, ci_upper=est.upper, flag=None, suppressed=False,
        detail=None))
    if len(values):
        any_ = totals.set_index(["source_a", "source_b"])["any"]
        n = np.array([any_[(a, b)] for a, b in zip(values["source_a"], values["source_b"],
                                                   strict=True)])
        est = _shares(values["n"].to_numpy(), n, s.confidence)
        frames.append(_rows(
            section="conflicts", measure="conflict_values", stage=None, basis=None,
            period=period, breakdown="source_pair",
            group=[_pair_name(a, b) for a, b in zip(values["source_a"], values["source_b"],
                                                     strict=True)],
            category=values["value_a"] + PAIR_SEP + values["value_b"], numerator=values["n"],
            denominator=n, value=est.value, ci_lower=est.lower, ci_upper=est.upper,
            flag=None, suppressed=False, detail=values["kind"]))
    return pd.concat(frames, ignore_index=True)


def _label_rows(labels: pd.DataFrame, period: int, decided: dict[str, tuple[str, int]],
                s: _Settings) -> pd.DataFrame:
    """One row per unmapped label and return.  Under DfE suppression labels with 1 to
    threshold children are gathered into one row: a rare free-text ethnicity label is itself
    special-category detail about very few children."""
    if labels.empty:
        return _empty()
    labels = labels.copy()
    if s.suppression == "dfe":
        small = np.asarray(sdc.primary_suppress(labels["children"].to_numpy(float),
                                                s.threshold), dtype=bool)
        merged = (labels[small].groupby("source", as_index=False)["children"].sum()
                  .assign(label=SMALL_LABELS.format(t=s.threshold)))
        labels = pd.concat([labels[~small], merged], ignore_index=True)
    flag, detail = [], []
    for label in labels["label"]:
        hit = decided.get(label)
        flag.append("decided_not_applied" if hit else None)
        detail.append(f"mapped to {hit[0]} in mapping version {hit[1]}; re-import to apply"
                      if hit else None)
    return _rows(section="labels", measure="unmapped_label", stage=None, basis=None,
                 period=period, breakdown="source", group=labels["source"],
                 category=labels["label"], numerator=labels["children"], denominator=None,
                 value=None, ci_lower=None, ci_upper=None, flag=flag, suppressed=False,
                 detail=detail)


def _mapping_rows(mapping_file: Path | str | None) -> tuple[pd.DataFrame, Overrides]:
    """The authority's mapping file: its version and every recorded decision (the review
    loop's audit trail), and which labels it now maps (to flag labels decided since import)."""
    from arpkit.engine.ethnicity import load_label_tables
    from arpkit.engine.ethnicity_mapping import default_path, history, load_overrides

    path = Path(mapping_file) if mapping_file is not None else default_path()
    ov = load_overrides(path)
    shipped = load_label_tables().version
    frames = [_rows(
        section="labels", measure="mapping_version", stage=None, basis=None, period=None,
        breakdown="all", group=ALL, category=None, numerator=ov.version, denominator=None,
        value=None, ci_lower=None, ci_upper=None, flag=None, suppressed=False,
        detail=(f"local decisions {path.name} version {ov.version} "
                f"({len(ov.mappings)} labels mapped); shipped label table version {shipped}"))]
    entries = history(path)
    if entries:
        frames.append(_rows(
            section="labels", measure="mapping_decision", stage=None, basis=None, period=None,
            breakdown="decision", group=[str(e.get("code")) for e in entries],
            category=[str(e.get("label")) for e in entries],
            numerator=[int(e.get("version") or 0) for e in entries], denominator=None,
            value=None, ci_lower=None, ci_upper=None, flag=None, suppressed=False,
            detail=[f"by {e.get('by')} at {e.get('at')}; previously {e.get('previous')}"
                    + (f"; {e.get('note')}" if e.get("note") else "") for e in entries]))
    unrecorded = ov.unrecorded
    if unrecorded:
        frames.append(_rows(
            section="labels", measure="mapping_decision", stage=None, basis=None, period=None,
            breakdown="decision", group=[ov.mappings[lb] for lb in unrecorded],
            category=unrecorded, numerator=ov.version, denominator=None, value=None,
            ci_lower=None, ci_upper=None, flag="not_in_history", suppressed=False,
            detail="in the mapping file but not in its history (edited by hand): ask who "
                   "decided"))
    return pd.concat(frames, ignore_index=True), ov


def _decided(ov, labels: pd.DataFrame) -> dict[str, tuple[str, int]]:
    """Unmapped labels the mapping file now decides (matched as the normaliser matches):
    decisions made since the import, which the next import applies."""
    out = {}
    for label in (labels["label"].unique() if len(labels) else ()):
        code = ov.code_for(label)
        if code:
            out[label] = (code, ov.version)
    return out


def _change_rows(cur: pd.DataFrame, prev: pd.DataFrame, prev_period: int,
                 s: _Settings) -> pd.DataFrame:
    """Change in each status share since the previous period present (all children and each
    return; teams are compared with each other, not over time)."""
    key = ["stage", "basis", "breakdown", "group", "category"]

    def base(df: pd.DataFrame) -> pd.DataFrame:
        d = df[(df["measure"] == _STATUS_MEASURE) & df["breakdown"].isin(["all", "source"])]
        return d.assign(stage=d["stage"].fillna(""), basis=d["basis"].fillna(""))

    m = base(cur).merge(base(prev)[[*key, "numerator", "denominator"]], on=key,
                        suffixes=("", "_prev"))
    if m.empty:
        return _empty()
    f = {c: m[c].to_numpy(float) for c in ("numerator", "denominator", "numerator_prev",
                                            "denominator_prev")}
    res = trends.proportion_change(f["numerator_prev"], f["denominator_prev"], f["numerator"],
                                   f["denominator"], s.confidence)
    return _rows(
        section="completeness", measure=_CHANGE_MEASURE, stage=m["stage"].replace("", None),
        basis=m["basis"].replace("", None), period=m["period"], breakdown=m["breakdown"],
        group=m["group"], category=m["category"], numerator=m["numerator"],
        denominator=m["denominator"], value=res.estimate, ci_lower=res.lower,
        ci_upper=res.upper, flag=list(res.direction), suppressed=False,
        detail=[f"against {prev_period}: {int(a)} of {int(b)}" for a, b in
                zip(m["numerator_prev"], m["denominator_prev"], strict=True)])


# --------------------------------------------------------------------------- suppression


def _protect(cells: pd.DataFrame, margins: list[str], threshold: int) -> np.ndarray:
    """Primary and secondary suppression of one block of counts (methods.md §3).

    ``cells`` has ``count`` and, for each margin name M, a group key in column M (None: not a
    member) and in ``M_total`` the row position of the published cell the group sums to (or
    None).  A group with one member IS its total, so instead of a margin the two cells are
    tied: both shown or both suppressed.  If a block cannot be protected cell by cell, every
    non-zero count in it is withheld.
    """
    cells = cells.reset_index(drop=True).copy()
    counts = cells["count"].to_numpy(float)
    mask = np.asarray(sdc.primary_suppress(counts, threshold), dtype=bool)
    ties: list[tuple[int, int]] = []
    for m in margins:
        live = cells[m].notna()
        sizes = cells[live].groupby(m)[m].transform("size")
        for i in sizes.index[sizes.to_numpy() == 1]:
            total = cells.at[i, f"{m}_total"]
            cells.at[i, m] = None
            if total is not None and not pd.isna(total):
                ties.append((int(i), int(total)))
    while True:
        try:
            # a writable copy: pandas' copy-on-write hands out read-only views
            mask = sdc.secondary_suppress(cells, [[m] for m in margins], count="count",
                                          threshold=threshold, primary=mask).to_numpy(copy=True)
        except sdc.DisclosureError:
            return mask | (counts > 0)
        changed = False
        for a, b in ties:
            if mask[a] != mask[b]:
                mask[a] = mask[b] = True
                changed = True
        if not changed:
            return mask


def _suppress_completeness(rows: pd.DataFrame, s: _Settings) -> tuple[pd.Series, pd.Series]:
    """Masks for the numerators and denominators of the status and label rows of one period.

    Margins (each a published total): the five statuses of a cohort sum to its size; the teams
    of a stage sum to its 'all' row, status by status and in size; a return's unmapped labels
    sum to its 'unmappable' count.  Each stage and basis is protected on its own.
    """
    num_mask = np.zeros(len(rows), dtype=bool)  # rows has a RangeIndex: labels are positions
    den_mask = np.zeros(len(rows), dtype=bool)
    st = rows[rows["measure"] == _STATUS_MEASURE]
    labels = rows[rows["measure"] == "unmapped_label"]
    for (stage, _), block in st.groupby([st["stage"].fillna(""), st["basis"].fillna("")],
                                        sort=False):
        cells: list[dict] = []
        at: dict[tuple, int] = {}  # (breakdown, group, category or 'size') -> cell position
        for (brk, grp), cohort in block.groupby(["breakdown", "group"], sort=True):
            at[(brk, grp, "size")] = len(cells)
            cells.append({"rows": list(cohort.index), "den": True, "brk": brk, "grp": grp,
                          "cat": "size", "count": int(cohort["denominator"].iloc[0])})
            for i, cat, x in zip(cohort.index, cohort["category"], cohort["numerator"],
                                 strict=True):
                at[(brk, grp, cat)] = len(cells)
                cells.append({"rows": [i], "den": False, "brk": brk, "grp": grp, "cat": cat,
                              "count": int(x)})
        if stage == "":
            for i, grp, cat, x in zip(labels.index, labels["group"], labels["category"],
                                      labels["numerator"], strict=True):
                cells.append({"rows": [i], "den": False, "brk": "label", "grp": grp,
                              "cat": cat, "count": int(x)})
        for c in cells:
            team, label = c["brk"] == "team", c["brk"] == "label"
            c["m_cat"] = f"{c['brk']}|{c['grp']}" if not (c["den"] or label) else None
            c["m_cat_total"] = at.get((c["brk"], c["grp"], "size")) if c["m_cat"] else None
            c["m_team"] = c["cat"] if team else None
            c["m_team_total"] = at.get(("all", ALL, c["cat"])) if team else None
            c["m_label"] = c["grp"] if label else None
            c["m_label_total"] = at.get(("source", c["grp"], "unmappable")) if label else None
        table = pd.DataFrame(cells)
        for col in ("m_cat_total", "m_team_total", "m_label_total"):
            table[col] = table[col].astype(object).where(table[col].notna(), None)
        mask = _protect(table, ["m_cat", "m_team", "m_label"], s.threshold)
        for c, hide in zip(cells, mask, strict=True):
            (den_mask if c["den"] else num_mask)[c["rows"]] |= bool(hide)
    return num_mask, den_mask


def _suppress_conflicts(rows: pd.DataFrame, s: _Settings) -> tuple[pd.Series, pd.Series]:
    """Kinds sum to 'any' within a pair of returns, and so do the pairs of values (also
    within each kind).  Children compared is a count too and is suppressed when small."""
    num_mask = np.zeros(len(rows), dtype=bool)
    den_mask = np.zeros(len(rows), dtype=bool)
    cc = rows[rows["section"] == "conflicts"]
    if cc.empty:
        return num_mask, den_mask
    cells: list[dict] = []
    at: dict[tuple, int] = {}
    kids = cc[cc["measure"] == "conflicting_children"]
    for group, part in kids.groupby("group", sort=True):
        at[(group, "compared")] = len(cells)
        cells.append({"rows": list(part.index), "den": True,
                      "count": int(part["denominator"].iloc[0]), "m_kind": None,
                      "m_val": None, "m_valkind": None})
        pair = group != ALL
        for i, cat, x in zip(part.index, part["category"], part["numerator"], strict=True):
            at[(group, cat)] = len(cells)
            cells.append({"rows": [i], "den": False, "count": int(x),
                          "m_kind": group if pair and cat != "any" else None,
                          "m_val": None, "m_valkind": None})
    vals = cc[cc["measure"] == "conflict_values"]
    for i, grp, kind, x in zip(vals.index, vals["group"], vals["detail"], vals["numerator"],
                               strict=True):
        cells.append({"rows": [i], "den": False, "count": int(x), "m_kind": None,
                      "m_val": grp, "m_valkind": f"{grp}|{kind}"})
    table = pd.DataFrame(cells)
    def total(key: object, part: str | None = "any") -> int | None:
        if not isinstance(key, str):
            return None
        return at.get((key, part) if part else tuple(key.split("|", 1)))

    table["m_kind_total"] = [total(k) for k in table["m_kind"]]
    table["m_val_total"] = [total(k) for k in table["m_val"]]
    table["m_valkind_total"] = [total(k, None) for k in table["m_valkind"]]
    for col in ("m_kind_total", "m_val_total", "m_valkind_total"):
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    mask = _protect(table, ["m_kind", "m_val", "m_valkind"], s.threshold)
    for c, hide in zip(cells, mask, strict=True):
        (den_mask if c["den"] else num_mask)[c["rows"]] |= bool(hide)
    # A value pair's share is of its pair's conflicts: it hides with that total.
    for i in cc.index[cc["measure"] == "conflict_values"]:
        total = at.get((cc.at[i, "group"], "any"))
        if total is not None:
            den_mask[i] = bool(mask[total])
    return num_mask, den_mask


def _apply_suppression(rows: pd.DataFrame, s: _Settings) -> pd.DataFrame:
    """Suppress one period's rows (status, birth month, conflicts, labels)."""
    rows = rows.reset_index(drop=True)
    num, den = _suppress_completeness(rows, s)
    cn, cd = _suppress_conflicts(rows, s)
    num |= cn
    den |= cd
    bm = (rows["measure"] == "birth_month_missing").to_numpy()
    for mask, col in ((num, "numerator"), (den, "denominator")):
        mask |= bm & np.asarray(sdc.primary_suppress(
            rows[col].where(bm, 0).to_numpy(float), s.threshold), dtype=bool)
    return _blank(rows, num, den)


def _blank(rows: pd.DataFrame, num: np.ndarray, den: np.ndarray) -> pd.DataFrame:
    """Blank what a suppressed count would give away: the share, its interval, the funnel
    flag and its limits (a 'High' label narrows the count)."""
    rows = rows.copy()
    hide = num | den
    rows["suppressed"] = rows["suppressed"].astype(bool).to_numpy() | hide
    for col in ("numerator", "value", "ci_lower", "ci_upper"):
        rows[col] = rows[col].astype(object).where(~hide, None)
    rows["denominator"] = rows["denominator"].astype(object).where(~den, None)
    funnel_rows = (rows["breakdown"] == "team").to_numpy()
    for col in ("flag", "detail"):
        rows[col] = rows[col].astype(object).where(~(hide & funnel_rows), None)
    return rows


def _suppress_changes(change: pd.DataFrame, cur: pd.DataFrame,
                      prev: pd.DataFrame) -> pd.DataFrame:
    """A change is suppressed when either period's share is."""
    if change.empty:
        return change
    key = ["stage", "basis", "breakdown", "group", "category"]

    def hidden(df: pd.DataFrame) -> set[tuple]:
        d = df[(df["measure"] == _STATUS_MEASURE) & df["suppressed"]]
        return set(zip(*(d[k].fillna("") for k in key), strict=True))

    gone = hidden(cur) | hidden(prev)
    keys = zip(*(change[k].fillna("") for k in key), strict=True)
    hide = np.array([k in gone for k in keys], dtype=bool)
    change = _blank(change.reset_index(drop=True), hide, hide)
    change["flag"] = change["flag"].astype(object).where(~hide, None)
    change["detail"] = change["detail"].astype(object).where(~hide, None)
    return change


# --------------------------------------------------------------------------- public API


def quality(warehouse: object = None, period: int | Sequence[int] | None = None, *,
            suppression: str = "dfe", threshold: int = sdc.THRESHOLD,
            confidence: float = 0.95,
            mapping_file: Path | str | None = None,
            completeness: Callable[[int], pd.DataFrame | None] | None = None) -> pd.DataFrame:
    """The ethnicity recording-quality table for one or more periods (default: every period
    in the warehouse, so the trend is visible).  Columns :data:`COLUMNS`, documented in
    ``docs/quality.md``; no child key or id appears in it.

    ``warehouse`` is a DuckDB file path or an Ibis backend holding the warehouse tables (e.g.
    Spark).  ``mapping_file`` is the authority's label decisions (default
    ``$ARPKIT_ETHNICITY_MAP`` or ``./arpkit-ethnicity-map.yml``).

    ``completeness(period)``, for a caller that has already counted the qualifying children
    (the report pack, from the metrics cube's), returns :func:`cohort_counts` for the period,
    or None to have them counted here; the table is the same either way.
    """
    if suppression not in SUPPRESSION_MODES:
        raise ConfigError(f"suppression must be one of {SUPPRESSION_MODES}, not {suppression!r}")
    s = _Settings(suppression, threshold, confidence)
    con = connect(warehouse)
    present = periods_present(con)
    wanted = _wanted(period, present)
    mapping, overrides = _mapping_rows(mapping_file)
    needed = sorted(set(wanted) | {_previous(p, present) for p in wanted} - {None})
    raw: dict[int, pd.DataFrame] = {}
    for p in needed:
        labels = _unmapped_labels(con, p) if p in wanted else pd.DataFrame()
        decided = _decided(overrides, labels)
        totals, values = _conflict_counts(con, p) if p in wanted else (pd.DataFrame(),) * 2
        handed = completeness(p) if completeness is not None else None
        if handed is None:
            counts = completeness_counts(con, p)
        else:
            counts = pd.concat([handed, birth_counts(con, p)], ignore_index=True)
        parts = [_completeness_rows(counts[counts["kind"] != "birth"], p, s)]
        if p in wanted:
            parts += [_birth_month_rows(_birth_month_counts(counts), p, s),
                      _conflict_rows(totals, values, p, s), _label_rows(labels, p, decided, s)]
        raw[p] = pd.concat([f for f in parts if len(f)], ignore_index=True) if any(
            len(f) for f in parts) else _empty()
    shown = {p: _apply_suppression(raw[p], s) if s.suppression == "dfe" else raw[p]
             for p in needed}
    frames = []
    for p in wanted:
        frames.append(shown[p])
        prev = _previous(p, present)
        if prev is not None:
            change = _change_rows(raw[p], raw[prev], prev, s)
            if s.suppression == "dfe":
                change = _suppress_changes(change, shown[p], shown[prev])
            frames.append(change)
    frames.append(mapping)
    out = _finish(pd.concat([f for f in frames if len(f)], ignore_index=True))
    out.attrs.update({"suppression": suppression, "threshold": threshold,
                      "confidence": confidence, "periods": wanted})
    return out


def conflict_keys(warehouse: object = None, period: int | Sequence[int] | None = None
                  ) -> pd.DataFrame:
    """Children whose returns disagree about their ethnicity, for the data team to correct at
    source: one row per child, period and pair of returns, with the pseudonymised
    ``child_key``, both values and both raw labels (:data:`CONFLICT_COLUMNS`).

    Child-level and special-category: never publish it, and keep it out of shared outputs
    (the main :func:`quality` table holds counts only).
    """
    con = connect(warehouse)
    present = periods_present(con)
    frames = []
    for p in _wanted(period, present):
        pairs = _pairs(con, p)
        d = pairs.filter(pairs.differ).drop("differ").mutate(
            period=ibis.literal(p, type="int64"))
        frames.append(d.select(*CONFLICT_COLUMNS).to_pandas())
    if not frames:
        return pd.DataFrame(columns=list(CONFLICT_COLUMNS))
    out = pd.concat(frames, ignore_index=True)
    out["period"] = out["period"].astype("int64")
    return out.sort_values(["period", "source_a", "source_b", "child_key"]).reset_index(
        drop=True)


def _wanted(period: int | Sequence[int] | None, present: list[int]) -> list[int]:
    if period is None:
        return present
    wanted = [period] if isinstance(period, int) else list(period)
    missing = [p for p in wanted if p not in present]
    if missing:
        raise ConfigError(f"no returns for period(s) {missing} in the warehouse; periods "
                          f"present: {present or 'none'}")
    return wanted


def _previous(period: int, present: list[int]) -> int | None:
    earlier = [p for p in present if p < period]
    return max(earlier) if earlier else None


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out[list(COLUMNS)].copy()
    out["period"] = pd.array([None if _na(v) else int(v) for v in out["period"]], dtype="Int64")
    for col in ("numerator", "denominator"):
        out[col] = pd.array([None if _na(v) else int(v) for v in out[col]], dtype="Int64")
    for col in ("value", "ci_lower", "ci_upper"):
        out[col] = pd.array([None if _na(v) else float(v) for v in out[col]], dtype="Float64")
    out["suppressed"] = out["suppressed"].astype(bool)
    for col in ("stage", "basis", "category", "flag", "detail"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    stage_order = {s: i for i, s in enumerate(STAGES)}
    cat_order = {c: i for i, c in enumerate((*STATUSES, *CONFLICT_KINDS))}
    sort = pd.DataFrame({
        "a": out["section"].map(_SECTION_ORDER),
        "b": out["period"].fillna(9999).astype(int),
        "c": out["measure"],
        "d": out["stage"].map(stage_order).fillna(-1),
        "e": out["basis"].fillna(""),
        "f": out["breakdown"].map(_BREAKDOWN_ORDER).fillna(9),
        "v": out["numerator"].where(out["measure"] == "mapping_decision", 0).fillna(0),
        "g": out["group"].astype(str),
        "h": out["category"].map(cat_order).fillna(99),
        "i": out["category"].fillna("").astype(str),
    })
    order = sort.sort_values(list(sort.columns), kind="stable").index
    return out.loc[order].reset_index(drop=True)


