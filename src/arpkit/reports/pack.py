"""The report pack's content: every engine table gathered once, and the sections built from it.

:func:`gather` asks the engine for each table exactly once (metrics for every period, so trends
need no second call; pathway, quality and team funnels for the report period) and keeps them on a
:class:`ReportData`; :func:`build_sections` turns that into the pack's pages (figures, sentences,
tables). The HTML, PDF and Excel writers all read the same objects, so the three formats cannot
disagree and the engine's suppression (DfE by default: the pack is a publication) applies to
all of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from arpkit.reports import charts
from arpkit.reports import labels as lab
from arpkit.reports.findings import HEADLINE_STAGES, Finding, findings

log = logging.getLogger(__name__)

#: Benchmarked measures: (reference measure, arpkit stage, basis).
BENCHMARK_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("cin_at_31_march", "cin", "at_31_march"),
    ("cp_plan_at_31_march", "cp_plan", "at_31_march"),
    ("cla_at_31_march", "cla", "at_31_march"),
    ("referral_in_year", "referral", "in_year"),
    ("cla_in_year", "cla", "in_year"),
)
#: Team funnels shown: decision points (from, to) and the minority share at a stage.
FUNNEL_PAIRS: tuple[tuple[str, str], ...] = (
    ("referral", "assessment"), ("referral", "s47"), ("s47", "cp_plan"), ("referral", "cla"))


@dataclass
class ReportData:
    """Every table the pack is built from (the engine's output, unchanged)."""

    warehouse: str
    period: int
    periods: list[int]
    suppression: str
    threshold: int
    metrics: pd.DataFrame
    pathway: pd.DataFrame
    quality: pd.DataFrame
    funnel: pd.DataFrame
    benchmarks: pd.DataFrame
    imports: pd.DataFrame
    la_codes: list[str]
    benchmark_la: str | None
    title: str
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(
        microsecond=0))
    #: :func:`arpkit.engine.workforce.workforce` for the HR years up to the period (None: no
    #: HR data; ``workforce_note`` says why).
    workforce: pd.DataFrame | None = None
    workforce_note: str = ""
    #: The headline rows of :func:`arpkit.engine.aggregates.compare_with_peers` (None: no
    #: peer aggregates; ``peers_note`` says why).
    peers: pd.DataFrame | None = None
    peers_note: str = ""
    #: Tidy frames from the caller (``findings_frame`` / ``themes_frame`` of the web app's
    #: audits, or their CSVs): see :mod:`arpkit.reports.audit`.
    audit_findings: pd.DataFrame | None = None
    audit_themes: pd.DataFrame | None = None


@dataclass
class Table:
    """A table shown without a chart."""

    caption: str
    frame: pd.DataFrame


@dataclass
class Section:
    """One page of the pack."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    figures: list[charts.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    #: Why the section is left out of this pack (listed in the contents only); empty if shown.
    omitted: str = ""


def gather(warehouse: str | Path, period: int | None = None, *, suppression: str = "dfe",
           threshold: int = 5, reference_dir: str | Path | None = None,
           benchmark_la: str | None = None, title: str | None = None) -> ReportData:
    """Ask the engine for each table once.

    The metrics table and the team funnels come from one count per period, and the engine
    calls run two at a time on their own connections (see :data:`ENGINE_THREADS`); each
    call's time is logged at INFO by this module (``benchmarks/report_pack.py`` prints them).

    ``period`` defaults to the latest in the warehouse. ``reference_dir`` is a folder of DfE
    tables (the layout of ``shared/data/reference``; see :mod:`arpkit.engine.reference`);
    ``benchmark_la`` the old three-digit LA number whose region and statistical neighbours are
    shown (default: the warehouse's authority, when it has exactly one).
    """
    import arpkit
    from arpkit.engine.errors import ArpkitError

    with _timed("summarise"):
        summary = arpkit.summarise(warehouse)
    imports = summary.imports
    periods = sorted({int(p) for p in imports["period"].dropna()} |
                     {int(p) for p in summary.events_by_stage["period"].dropna()})
    if not periods:
        raise ArpkitError(f"{warehouse}: the warehouse has no periods; import returns first")
    if period is None:
        period = periods[-1]
    if period not in periods:
        raise ArpkitError(f"period {period} is not in the warehouse (present: "
                          f"{', '.join(map(str, periods))})")
    la_codes = sorted({str(c) for c in summary.children_by_group["la_code"].dropna()})
    if benchmark_la is None and len(la_codes) == 1:
        benchmark_la = la_codes[0]
    kw = {"suppression": suppression, "threshold": threshold}
    from arpkit.reports.peers import gather_peers
    from arpkit.reports.workforce import gather_workforce

    earlier = [p for p in periods if p < period]
    shared = _SharedCompleteness({int(period), *earlier[-1:]})
    # Order matters with two threads: pathway runs beside metrics, and quality (which waits
    # for the counts metrics hands over) starts when one of them is done.
    calls: dict[str, Callable[[], Any]] = {
        "metrics and team_funnel": lambda: _metrics_and_funnel(warehouse, int(period),
                                                               shared=shared, **kw),
        "pathway": lambda: arpkit.pathway(warehouse, period=period, **kw),
        "quality": lambda: arpkit.quality(warehouse, period=period, completeness=shared.get,
                                          **kw),
        "workforce": lambda: gather_workforce(warehouse, int(period), **kw),
        "peers": lambda: gather_peers(warehouse, int(period), la_codes=la_codes,
                                      threshold=threshold, reference_dir=reference_dir),
    }
    got = _run_engine_calls(calls, concurrent=_own_connections(warehouse))
    metrics, funnel = got["metrics and team_funnel"]
    pathway, quality = got["pathway"], got["quality"]
    workforce, workforce_note = got["workforce"]
    peers, peers_note = got["peers"]
    attrs = dict(metrics.attrs)
    metrics = metrics[metrics["period"] <= period].reset_index(drop=True)
    metrics.attrs = attrs
    with _timed("benchmark_table"):
        benchmarks = benchmark_table(metrics, reference_dir, benchmark_la)
    return ReportData(
        warehouse=str(warehouse), period=int(period), periods=[p for p in periods
                                                               if p <= period],
        suppression=suppression, threshold=threshold, metrics=metrics, pathway=pathway,
        quality=quality, funnel=funnel, benchmarks=benchmarks, imports=imports,
        la_codes=la_codes, benchmark_la=benchmark_la,
        title=title or "Ethnic disproportionality in children's social care",
        workforce=workforce, workforce_note=workforce_note, peers=peers,
        peers_note=peers_note)


#: Engine calls run at once by :func:`gather`.  Each opens its own read-only DuckDB connection
#: and DuckDB releases the GIL while it counts, so one call's pandas work overlaps another's
#: query; more than two only queue on a 2-core machine.  The connections share one DuckDB
#: instance, so the memory cap is raised to this many calls' worth while they run
#: (:func:`arpkit.engine.warehouse.concurrent_calls`).
ENGINE_THREADS = 2


class _SharedCompleteness:
    """The quality report's completeness counts by team and by return
    (:func:`~arpkit.engine.quality.cohort_counts`), computed inside the metrics call from the
    qualifying children the metrics cube materialises, for the quality call in the other
    thread: the costliest query of ``quality`` (benchmarks/README.md) runs once per pack.

    ``get(period)`` waits until the metrics call has counted ``period`` (or has finished,
    successfully or not) and returns the counts, or None, and quality then counts them
    itself; so the table is the same whichever call finishes first.
    """

    def __init__(self, periods: set[int]) -> None:
        self.periods = periods
        self._counts: dict[int, pd.DataFrame] = {}
        self._finished = False
        self._ready = threading.Condition()

    def hook(self, con: Any) -> Callable[[int, Any], None]:
        """``on_qualified`` for :func:`~arpkit.engine.metrics.metrics_and_counts` on ``con``."""
        from arpkit.engine.quality import cohort_counts

        def on_qualified(period: int, qualified: Any) -> None:
            if period not in self.periods:
                return
            with _timed(f"quality counts for {period} (from the metrics' qualifying "
                        "children)"):
                counts = cohort_counts(con, period, qualified)
            with self._ready:
                self._counts[period] = counts
                self._ready.notify_all()
        return on_qualified

    def finish(self) -> None:
        with self._ready:
            self._finished = True
            self._ready.notify_all()

    def get(self, period: int) -> pd.DataFrame | None:
        if period not in self.periods:
            return None
        with self._ready:
            self._ready.wait_for(lambda: self._finished or period in self._counts)
            return self._counts.get(period)


def _metrics_and_funnel(warehouse: str | Path, period: int, *, suppression: str,
                        threshold: int, shared: _SharedCompleteness | None = None,
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``arpkit.metrics`` for every period and ``arpkit.team_funnel`` for ``period`` from ONE
    count per period: the funnels are read off the cube the metrics table was counted from
    (:func:`~arpkit.engine.teams.funnel_from_counts`), which is what ``team_funnel`` would
    count again, so the numbers are the same.  With ``shared``, quality's completeness counts
    are taken from the same qualifying children (see :class:`_SharedCompleteness`)."""
    from arpkit.engine.metrics import MetricSettings, metrics_and_counts
    from arpkit.engine.teams import funnel_from_counts, team_funnel
    from arpkit.engine.warehouse import connect

    settings = MetricSettings(suppression=suppression, threshold=threshold)
    try:
        con = connect(warehouse)
        with _timed("metrics"):
            metrics, counts = metrics_and_counts(
                con, settings, on_qualified=shared.hook(con) if shared else None)
    finally:
        if shared is not None:
            shared.finish()
    with _timed("team_funnel (from the metrics cube)"):
        if period in counts:
            funnel = funnel_from_counts(counts[period], suppression=suppression,
                                        threshold=threshold)
        else:  # a period with events but no current import: metrics did not count it
            funnel = team_funnel(warehouse, period=period, suppression=suppression,
                                 threshold=threshold)
    return metrics, funnel


def _own_connections(warehouse: object) -> bool:
    """True when each engine call opens its own connection (a warehouse file), so they may
    run in threads; an Ibis backend passed in (e.g. Spark) is one shared connection."""
    return warehouse is None or isinstance(warehouse, (str, os.PathLike))


def _run_engine_calls(calls: dict[str, Callable[[], Any]], *, concurrent: bool,
                      ) -> dict[str, Any]:
    """Run independent engine calls, in threads when ``concurrent``; results by name.  The
    first error (in ``calls`` order) is raised, as a sequential run would raise it."""
    if not concurrent:
        out = {}
        for name, call in calls.items():
            with _timed(name):
                out[name] = call()
        return out

    def timed(name: str, call: Callable[[], Any]) -> Any:
        with _timed(name):
            return call()

    from arpkit.engine.warehouse import concurrent_calls

    with concurrent_calls(ENGINE_THREADS), ThreadPoolExecutor(
            max_workers=ENGINE_THREADS, thread_name_prefix="arpkit-gather") as pool:
        futures = {name: pool.submit(timed, name, call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


@contextmanager
def _timed(step: str) -> Iterator[None]:
    """Log how long one engine call took (``benchmarks/report_pack.py`` prints these)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        log.info("gather: %s took %.2f s", step, time.perf_counter() - start)


def benchmark_table(metrics: pd.DataFrame, reference_dir: str | Path | None,
                la_code: str | None) -> pd.DataFrame:
    """The authority's own overall rates beside the published comparators."""
    columns = ["measure", "period", "area", "area_kind", "area_code", "number",
               "rate_per_10k", "symbol", "rate_source"]
    if reference_dir is None:
        return pd.DataFrame(columns=columns)
    from arpkit.engine import reference

    figures = reference.published_figures(reference_dir)
    sn_files = sorted(Path(reference_dir).glob("geography/*Statistical_Neighbour*.csv"))
    neighbours = reference.statistical_neighbours(sn_files[-1]) if sn_files else None
    comp = reference.comparators(figures, la_code, neighbours=neighbours,
                                 measures=[m for m, _, _ in BENCHMARK_MEASURES])
    own = []
    for measure, stage, basis in BENCHMARK_MEASURES:
        rows = metrics[(metrics["measure"] == "rate_per_10k") & (metrics["stage"] == stage)
                       & (metrics["basis"] == basis) & (metrics["breakdown"] == "all")]
        for r in rows.itertuples(index=False):
            own.append({"measure": measure, "period": int(r.period), "area": "This authority",
                        "area_kind": "authority", "area_code": None,
                        "number": None if r.suppressed else r.numerator,
                        "rate_per_10k": None if r.suppressed else r.value,
                        "symbol": lab.SUPPRESSED if r.suppressed else None,
                        "rate_source": "arpkit"})
    mine = pd.DataFrame(own, columns=columns)
    # The authority's own published row repeats what arpkit computes: keep arpkit's.
    comp = comp[comp["area_kind"] != "published_authority"]
    comp = comp[comp["period"].isin(set(mine["period"]))]
    out = pd.concat([mine, comp], ignore_index=True)
    for col in ("number", "rate_per_10k"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


# --------------------------------------------------------------------------- sections


def build_sections(data: ReportData) -> list[Section]:
    """The pages of the pack, in reading order (an omitted page keeps its place in the
    contents, saying why it is not there)."""
    from arpkit.reports.audit import audit_section
    from arpkit.reports.peers import peers_section
    from arpkit.reports.workforce import workforce_section

    return [_headline(data), _pathway(data), _trends(data), _teams(data), _quality(data),
            _benchmark_section(data), peers_section(data), workforce_section(data),
            audit_section(data), _methods(data)]


def _headline(data: ReportData) -> Section:
    m, p = data.metrics, data.period
    sec = Section("headline", f"Headline findings, {lab.period_label(p)}", paragraphs=[
        "For children in need, children on a child protection plan and children looked after "
        f"at 31 March {p}: the rate per 10,000 children of each ethnic group, how likely each "
        "group was compared with White children (the disparity ratio), and whether each group "
        "was over- or under-represented against its share of the child population (the "
        "disproportionality index). Every sentence below is generated from the figures.",
    ])
    for stage in HEADLINE_STAGES:
        sub = Section(f"headline-{stage}", lab.stage_title(stage, "at_31_march"))
        sub.findings = findings(m, stages=(stage,), period=p,
                                measures=("disparity_ratio", "disproportionality_index"))
        sub.figures = [charts.rates_figure(m, stage, "at_31_march", period=p),
                       charts.disparity_figure(m, stage, "at_31_march", period=p)]
        sub.tables = [Table(f"{lab.stage_title(stage, 'at_31_march')}, "
                            f"{lab.period_label(p)}: disproportionality index by ethnic group",
                            di_table(m, stage, "at_31_march", p))]
        sec.subsections.append(sub)
    return sec


def di_table(metrics: pd.DataFrame, stage: str, basis: str, period: int) -> pd.DataFrame:
    """Disproportionality index by ethnic group (observed ÷ expected, methods.md §1.3)."""
    lvl = charts.level_label(metrics)
    rows = metrics[(metrics["measure"] == "disproportionality_index")
                   & (metrics["stage"] == stage) & (metrics["basis"] == basis)
                   & (metrics["period"] == period)
                   & (metrics["breakdown"] == "ethnicity_group")]
    order = {g: i for i, g in enumerate(lab.group_order("ethnicity_group"))}
    rows = rows.assign(_o=rows["group"].map(order)).sort_values("_o")
    out = []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        out.append({"Ethnic group": lab.group_label(r.group),
                    "Children": charts._count(r.numerator, suppressed=hidden),
                    "Expected": charts._cell(r.denominator, 1, suppressed=hidden),
                    "Disproportionality index": charts._cell(r.value, 2, suppressed=hidden),
                    f"Lower {lvl} limit": charts._cell(r.ci_lower, 2, suppressed=hidden),
                    f"Upper {lvl} limit": charts._cell(r.ci_upper, 2, suppressed=hidden),
                    "Significant": charts._flag(r.significant, suppressed=hidden)})
    return pd.DataFrame(out)


def _pathway(data: ReportData) -> Section:
    window = data.pathway.attrs.get("window_days", 90)
    return Section("pathway", "The pathway from first contact", paragraphs=[
        f"What happened within {window} days of each child's first contact with the front door "
        f"in {lab.period_label(data.period)}, by ethnic group; how many went on at each step "
        "of the journey; and, at each decision point, the relative rate index: the share of "
        "each group moving on, divided by the share of White children moving on.",
    ], figures=[charts.pathway_figure(data.pathway), charts.journey_figure(data.pathway),
                charts.rri_figure(data.metrics, period=data.period)])


def _trends(data: ReportData) -> Section:
    sec = Section("trends", "Trends", paragraphs=[
        "Each headline measure over every year in the warehouse "
        f"({', '.join(lab.period_label(p) for p in data.periods)}). A ring marks a change "
        "from the previous year that is statistically significant.",
    ])
    if len(data.periods) < 2:
        sec.paragraphs.append("Only one year is loaded, so there is no trend yet: import the "
                              "returns of earlier years to see one.")
        return sec
    for stage in HEADLINE_STAGES:
        for measure in ("rate_per_10k", "disparity_ratio"):
            sec.figures.append(charts.trend_figure(data.metrics, measure, stage, "at_31_march"))
    return sec


def _teams(data: ReportData) -> Section:
    sec = Section("teams", "Teams", paragraphs=[
        "Each team against the authority as a whole. A funnel plot allows for team size: small "
        "teams vary more by chance, so their limits are wider. A team outside the 99.8% "
        "limits is unlikely to differ by chance alone and is worth a closer look; it is not in "
        "itself evidence of poor practice.",
    ])
    f = data.funnel
    if f.empty:
        sec.paragraphs.append("No team is recorded in the returns loaded (the CIN census and "
                              "SSDA903 carry no team; Annex A and case-system extracts do).")
        return sec
    for a, b in FUNNEL_PAIRS:
        if ((f["stage"] == a) & (f["to_stage"] == b)).any():
            sec.figures.append(charts.funnel_figure(f, a, b, period=data.period))
    if ((f["measure"] == "minority_share") & (f["stage"] == "referral")).any():
        sec.figures.append(charts.funnel_figure(f, "referral", period=data.period))
    return sec


def _quality(data: ReportData) -> Section:
    q = data.quality
    sec = Section("quality", "Data quality: ethnicity recording", paragraphs=[
        "Every figure in this pack rests on the ethnicity the returns record. Children whose "
        "ethnicity was refused, not yet obtained, missing or not recognised are left out of "
        "the rates and ratios, which can hide a disparity or invent one.",
    ], figures=[charts.completeness_figure(q, period=data.period)])
    conflicts = q[(q["section"] == "conflicts") & (q["measure"] == "conflicting_children")
                  & (q["period"] == data.period)]
    if len(conflicts):
        rows = []
        for r in conflicts.itertuples(index=False):
            hidden = bool(r.suppressed)
            rows.append({"Returns compared": "any two returns" if r.breakdown == "all"
                         else str(r.group).replace("_", " "),
                         "Kind of disagreement": str(r.category).replace("_", " "),
                         "Children with a conflict": charts._count(r.numerator,
                                                                   suppressed=hidden),
                         "Children in both returns": charts._count(
                             r.denominator, suppressed=hidden and r.denominator is pd.NA),
                         "Share (%)": charts._cell(r.value, 1, suppressed=hidden, scale=100)})
        sec.tables.append(Table(f"Children whose returns disagree about their ethnicity, "
                                f"{lab.period_label(data.period)}", pd.DataFrame(rows)))
    return sec


def _benchmark_section(data: ReportData) -> Section:
    b = data.benchmarks
    sec = Section("benchmarks", "Benchmarks", paragraphs=[
        "The authority's overall rates beside England, its region and its statistical "
        "neighbours, from the published DfE tables loaded. Published DfE numbers are rounded to "
        "the nearest 10; the authority's own figures use its own population denominator.",
    ])
    if b.empty or not (b["area_kind"] != "authority").any():
        sec.paragraphs.append("No published DfE figures are loaded for these years: run "
                              "'arpkit report' with --reference pointing at a folder of DfE "
                              "tables to add this comparison.")
        return sec
    if data.benchmark_la is None or not (b["area_kind"] == "neighbours").any():
        sec.paragraphs.append(
            "DfE publishes no figures for this authority's code"
            f"{' (' + str(data.benchmark_la) + ')' if data.benchmark_la else ''}, so no region "
            "or statistical neighbours are shown; pass --benchmark-la with the authority's "
            "three-digit LA number to add them.")
    for measure, _, _ in BENCHMARK_MEASURES:
        rows = b[(b["measure"] == measure) & (b["period"] == data.period)]
        if len(rows) and (rows["area_kind"] != "authority").any():
            sec.figures.append(charts.benchmark_figure(b, measure, period=data.period))
    if not sec.figures:
        sec.paragraphs.append(f"The DfE tables loaded have no figures for "
                              f"{lab.period_label(data.period)} yet.")
    return sec


def _methods(data: ReportData) -> Section:
    lvl = charts.level_label(data.metrics)
    population = data.metrics.attrs.get("population") or {}
    pop_text = "; ".join(f"{lab.period_label(int(k))}: {v}" for k, v in population.items())
    sup = ("DfE disclosure control (the rules of DfE's Characteristics of children in need "
           f"statistics): every count from 1 to {data.threshold} is hidden, further counts are "
           "hidden where a hidden count could be worked out by subtraction, and any rate, "
           "ratio or interval built from a hidden count is hidden too. Hidden figures are "
           f"shown as '{lab.SUPPRESSED}'." if data.suppression == "dfe" else
           "None: this is an internal analyst pack with every count shown. It must not "
           "leave the authority.")
    return Section("methods", "Methods annex", paragraphs=[
        "Counting rules. A collection year runs from 1 April to 31 March. Each child is "
        "counted once per stage (distinct children, not events) and only if aged 0 to 17 on "
        "the counting date. 'At 31 March' counts children whose case was open on 31 March; "
        "'during the year' counts children with an event of the stage dated in the year. "
        "Short breaks are not counted as looked after.",
        "Denominators. Rates use the population of children aged 0 to 17 by ethnic group "
        f"loaded into the warehouse ({pop_text or 'none loaded'}). Children whose ethnicity "
        "was refused, not obtained or not recorded have no population, so they have counts "
        "but no rates.",
        f"Rate per 10,000 = 10,000 × children ÷ population, with exact Poisson (Garwood) "
        f"limits below 10 children and Byar's approximation above (PHE/OHID Fingertips "
        f"method). All intervals are {lvl}.",
        "Disparity ratio = the group's rate ÷ the White group's rate, with the Katz log "
        "interval. Disproportionality index = children observed ÷ children expected from "
        "the group's share of the population (indirect standardisation with one stratum). "
        "Relative rate index = the group's share moving on at a decision point ÷ the White "
        "share, with the Katz interval (the OJJDP decision-point method). Shares use Wilson "
        "intervals.",
        "Significance. A ratio is called significant when its interval excludes 1; a change "
        "between years when the interval of the change excludes no change. Years are treated "
        "as independent samples, which makes the change intervals conservative.",
        "Funnel plots. Each team's share is compared with the authority's share, with limits "
        "of p ± z√(p(1−p)/n) at 95% and 99.8% (Spiegelhalter 2005).",
        f"Suppression. {sup} Other symbols: "
        + "; ".join(f"'{k}' {v}" for k, v in lab.SYMBOL_MEANINGS.items() if k != "c") + ".",
        "Published comparators are DfE's own tables (Open Government Licence v3.0). Where DfE "
        "gives a number but no rate (children in need, referrals) the rate is computed with "
        "ONS mid-year estimates of children aged 0 to 17 for the year before the collection "
        "year ends, as DfE does for children looked after.",
        *_methods_extra(data),
    ])


def _methods_extra(data: ReportData) -> list[str]:
    """Methods paragraphs for the optional pages this pack includes."""
    out = []
    dfe = data.suppression == "dfe"
    if data.peers is not None and not data.peers.empty:
        out.append(
            "Regional comparison. Each authority shares its DfE-suppressed aggregate tables "
            "(docs/aggregates.md). The regional pool sums the published counts of the "
            "authorities whose cell is not suppressed and recomputes the statistic with the "
            "same method (Byar/Garwood rates; Katz disparity ratios from the summed group and "
            "White counts); a suppressed cell is left out, never estimated.")
    if data.workforce is not None and not data.workforce.empty:
        bands = lab.band_text(data.workforce.attrs.get("band", (0.8, 1.25)))
        out.append(
            "Workforce equity. Relative likelihood = (events ÷ staff counted) of one group ÷ "
            "the same for the other, as in the NHS WRES: the ethnic-minority group over White "
            "for an adverse outcome (a formal disciplinary process, leaving), White over the "
            "ethnic-minority group for a beneficial one (appointment from shortlisting, "
            "training, a grievance upheld, a higher grade), so above 1 is always adverse to "
            f"ethnic-minority staff. Katz log interval; the {bands} band (inclusive) and "
            "significance (the interval excludes 1) are reported separately."
            + (" Each event and non-event count from 1 to the threshold is hidden, with "
               "secondary suppression across groups and grades." if dfe else ""))
    if data.audit_findings is not None and not data.audit_findings.empty:
        out.append(
            "Audit findings. Cases are sampled separately from each ethnic group; each "
            "group's share graded good or better has a Wilson interval and its ratio to the "
            "reference group's share a Katz interval. The all-cases share re-weights each "
            "group by its frame size ÷ sample size. Rows the audit tool marked suppressed are "
            "hidden" + (", as are counts from 1 to the threshold; when only one group of a "
                        "round is hidden the next smallest is too, so the all-cases total "
                        "cannot reveal it." if dfe else "."))
    return out
