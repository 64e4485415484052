"""What each dashboard shows: filtered rows of a cached table, and the figures built from them.

Each page function takes the viewer's :class:`~arpkit.web.dashboards.selectors.DashboardData`
(their suppression and team scope already applied) and the cleaned filters, and returns a
:class:`Page`: the figures (chart + table, drawn by the report pack's builders in
:mod:`arpkit.reports.charts`), tables without charts, captions, and ``rows`` -- exactly the
engine rows behind the page, which is what the CSV and Excel downloads contain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from arpkit.reports import charts
from arpkit.reports import labels as lab
from arpkit.web.dashboards.figures import FIGURES, Rendered, TableOnly, frame_digest, table_rows

#: Ethnic breakdowns the disproportionality and trend pages offer (those with populations).
ETHNIC_BREAKDOWNS: dict[str, str] = {
    "ethnicity_group": "Ethnic group",
    "ethnicity_code": "Ethnicity (DfE code)",
    "ethnicity_group_excluding_uasc": "Ethnic group, excluding unaccompanied asylum-seeking "
                                      "children (children looked after only)",
}
BREAKDOWNS: dict[str, str] = {**ETHNIC_BREAKDOWNS, "team": "Team"}
TREND_MEASURES: dict[str, str] = {
    "rate_per_10k": "Rate per 10,000 children",
    "disproportionality_index": "Disproportionality index",
    "disparity_ratio": "Disparity ratio",
}
#: Team funnel choices: a decision point (from, to) or the minority share at a stage.
FUNNEL_CHOICES: dict[str, str] = {
    "referral>assessment": "Referrals to assessments",
    "referral>s47": "Referrals to section 47 enquiries",
    "s47>cp_plan": "Section 47 enquiries to child protection plans",
    "referral>cla": "Referrals to coming into care",
    "referral": "Share of referred children from ethnic minority groups",
    "cin": "Share of children in need from ethnic minority groups",
    "cp_plan": "Share of children on a child protection plan from ethnic minority groups",
    "cla": "Share of children looked after from ethnic minority groups",
}
UNKNOWN_GROUPS = ("REFUSED", "NOT_OBTAINED", "UNKNOWN")


@dataclass
class Page:
    figures: list[Rendered] = field(default_factory=list)
    tables: list[TableOnly] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    empty_message: str = ""


def _where(df: pd.DataFrame, **conditions: Any) -> pd.DataFrame:
    if df.empty:
        return df
    mask = pd.Series(True, index=df.index)
    for column, wanted in conditions.items():
        if wanted is None:
            continue
        if isinstance(wanted, list | tuple | set | frozenset):
            mask &= df[column].isin(list(wanted)).fillna(False)
        else:
            mask &= (df[column] == wanted).fillna(False)
    out = df[mask.astype(bool)].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def _figure(data, name: str, frame: pd.DataFrame, builder, *args: Any,
            **kwargs: Any) -> Rendered:
    key = (name, args, tuple(sorted(kwargs.items())), frame_digest(frame))
    return FIGURES.get_or_render(data.directory, key,
                                 lambda: builder(frame, *args, **kwargs))


def _suppression_caption(data, rows: pd.DataFrame) -> str:
    if not data.suppressed:
        return ("These figures are unsuppressed: they include counts of 1 to 5 and must not "
                "leave the authority.")
    hidden = int(rows["suppressed"].fillna(False).astype(bool).sum()) if len(rows) else 0
    if not hidden:
        return ("Figures follow DfE disclosure control; none needed to be hidden in this "
                "view.")
    return (f"{hidden} figure{'s' if hidden != 1 else ''} in this view "
            f"{'are' if hidden != 1 else 'is'} hidden (shown as {lab.SUPPRESSED}) under DfE "
            "disclosure control, because the number of children is 5 or fewer or a hidden "
            "number could be worked out from it.")


def _unknown_caption(metrics: pd.DataFrame, stage: str, basis: str, period: int) -> str:
    """The share of children at the stage whose ethnicity is not known (refused, not yet
    obtained or not recorded): they have no population, so they are left out of the DI and
    the disparity ratios, and a large share weakens every comparison (methods.md §0)."""
    rows = _where(metrics, measure="rate_per_10k", stage=stage, basis=basis, period=period,
                  breakdown="ethnicity_group")
    total = _where(metrics, measure="rate_per_10k", stage=stage, basis=basis, period=period,
                   breakdown="all")
    unknown = rows[rows["group"].isin(UNKNOWN_GROUPS)]
    if total.empty or unknown.empty:
        return ""
    if bool(total["suppressed"].fillna(False).any()) or bool(
            unknown["suppressed"].fillna(False).any()):
        return ("The number of these children whose ethnicity is refused, not yet obtained or "
                "not recorded is too small to show without risking identifying them.")
    n_total = float(total["numerator"].iloc[0] or 0)
    n_unknown = float(pd.to_numeric(unknown["numerator"], errors="coerce").fillna(0).sum())
    if n_total == 0:
        return ""
    share = 100 * n_unknown / n_total
    return (f"{int(n_unknown):,} of {int(n_total):,} children ({share:.1f}%) have an ethnicity "
            "that is refused, not yet obtained or not recorded. They have no population to "
            "compare with, so they are left out of the disproportionality index and the "
            "disparity ratios" + ("; with this many unknown, read the comparisons with care."
                                  if share >= 5 else "."))


# ----------------------------------------------------------------------------- pages


def disproportionality(data, f: dict[str, Any]) -> Page:
    """Rates per 10,000 with intervals, the DI and the disparity ratio for one stage, basis,
    period and breakdown (metrics.md "The measures")."""
    metrics = data.frame("metrics")
    stage, basis, period, breakdown = f["stage"], f["basis"], f["period"], f["breakdown"]
    rows = _where(metrics, stage=stage, basis=basis, period=period, breakdown=breakdown,
                  measure=("rate_per_10k", "disproportionality_index", "disparity_ratio"))
    if breakdown == "team":
        rows = data.team_rows(rows, column="group", wanted=f.get("team"))
    page = Page(rows=rows)
    if rows.empty:
        page.empty_message = (f"There are no figures for {lab.stage_title(stage, basis).lower()}"
                              f" in {lab.period_label(period)} with this breakdown. Try "
                              "another stage or basis: some stages are counted only during "
                              "the year.")
        return page
    if breakdown == "team":
        counts = rows[rows["measure"] == "rate_per_10k"].sort_values("group")
        records = [[str(r.group), lab.SUPPRESSED if r.suppressed else
                    f"{int(r.numerator):,}" if pd.notna(r.numerator) else lab.NOT_AVAILABLE]
                   for r in counts.itertuples(index=False)]
        page.tables.append(TableOnly(
            f"{lab.stage_title(stage, basis)}, {lab.period_label(period)}: children by team",
            ["Team", "Children"], records))
        page.captions.append("Teams have no population of their own, so only the number of "
                             "children is shown; compare teams on the team funnel plots.")
    else:
        page.figures.append(_figure(data, "rates", rows, charts.rates_figure, stage, basis,
                                    period=period, breakdown=breakdown))
        if len(rows[rows["measure"] == "disparity_ratio"]):
            page.figures.append(_figure(data, "disparity", rows, charts.disparity_figure, stage,
                                        basis, period=period, breakdown=breakdown))
        if breakdown == "ethnicity_group" and len(
                rows[rows["measure"] == "disproportionality_index"]):
            from arpkit.reports.pack import di_table

            columns, cells = table_rows(di_table(rows, stage, basis, period))
            page.tables.append(TableOnly(
                f"{lab.stage_title(stage, basis)}, {lab.period_label(period)}: "
                "disproportionality index by ethnic group", columns, cells))
        unknown = _unknown_caption(metrics, stage, basis, period)
        if unknown:
            page.captions.append(unknown)
    page.captions.append(_suppression_caption(data, rows))
    return page


def pathway(data, f: dict[str, Any]) -> Page:
    """The first-contact pathway (docs/pathway.md) and the RRI at each decision point
    (methods.md §1.5) for one period."""
    period = f["period"]
    pw = data.frame("pathway", period=period)
    metrics = data.frame("metrics")
    pw_rows = _where(pw, period=period, measure=("outcome_share", "journey"),
                     breakdown=("all", "ethnicity_group"))
    rri_rows = _where(metrics, measure="rri", period=period, breakdown="ethnicity_group")
    rows = pd.concat([r for r in (pw_rows, rri_rows) if len(r)], ignore_index=True) \
        if len(pw_rows) or len(rri_rows) else pd.DataFrame()
    page = Page(rows=rows)
    if rows.empty:
        page.empty_message = (f"There is no pathway for {lab.period_label(period)}: it needs "
                              "contacts (Annex A or a case-system extract) for the year.")
        return page
    if len(pw_rows):
        page.figures.append(_figure(data, "pathway", pw_rows, charts.pathway_figure))
        page.figures.append(_figure(data, "journey", pw_rows, charts.journey_figure))
    if len(rri_rows):
        page.figures.append(_figure(data, "rri", rri_rows, charts.rri_figure, period=period))
    page.captions.append(_suppression_caption(data, rows))
    return page


def quality(data, f: dict[str, Any]) -> Page:
    """Ethnicity recording: completeness by cohort and cross-return conflicts
    (docs/quality.md)."""
    period = f["period"]
    q = data.frame("quality")
    comp = _where(q, section="completeness", measure="ethnicity_status", breakdown="all",
                  period=period)
    conflicts = _where(q, section="conflicts", period=period)
    rows = pd.concat([r for r in (comp, conflicts) if len(r)], ignore_index=True) \
        if len(comp) or len(conflicts) else pd.DataFrame()
    page = Page(rows=rows)
    if rows.empty:
        page.empty_message = f"There are no recording figures for {lab.period_label(period)}."
        return page
    if len(comp):
        page.figures.append(_figure(data, "completeness", comp, charts.completeness_figure,
                                    period=period))
    children = conflicts[conflicts["measure"] == "conflicting_children"]
    if len(children):
        page.tables.append(TableOnly(
            f"Children whose returns disagree about their ethnicity, "
            f"{lab.period_label(period)}", ["Kind of disagreement", "Children", "Out of",
                                            "Share (%)"],
            [[_CONFLICT_LABELS.get(r.category, str(r.category)),
              _count(r.numerator, r.suppressed), _count(r.denominator, False),
              lab.SUPPRESSED if r.suppressed else
              (f"{100 * float(r.value):.1f}" if pd.notna(r.value) else lab.NOT_AVAILABLE)]
             for r in children.itertuples(index=False)]))
    values = conflicts[conflicts["measure"] == "conflict_values"]
    if len(values):
        page.tables.append(TableOnly(
            f"What the returns recorded when they disagreed, {lab.period_label(period)}",
            ["Returns compared", "Codes recorded", "Children"],
            [[str(r.group).replace("_", " ").replace("cin census", "CIN census")
              .replace("ssda903", "SSDA903").replace("annex a", "Annex A"),
              str(r.category), _count(r.numerator, r.suppressed)]
             for r in values.itertuples(index=False)]))
    page.captions.append(_suppression_caption(data, rows))
    return page


_CONFLICT_LABELS = {"any": "Any disagreement", "same_group": "Different codes, same group",
                    "different_group": "Different ethnic groups",
                    "refused_or_not_obtained": "Recorded in one return, refused or not "
                                               "obtained in another"}


def _count(value: Any, suppressed: Any) -> str:
    if bool(suppressed) and (value is None or pd.isna(value)):
        return lab.SUPPRESSED
    if value is None or pd.isna(value):
        return lab.NOT_AVAILABLE
    return f"{int(value):,}"


def trends(data, f: dict[str, Any]) -> Page:
    """A measure over every period, with the engine's change rows marking significant
    year-on-year changes (metrics.md "Trends")."""
    metrics = data.frame("metrics")
    measure, stage, basis, breakdown = f["measure"], f["stage"], f["basis"], f["breakdown"]
    if breakdown == "team":
        breakdown = "ethnicity_group"
    rows = _where(metrics, measure=(measure, f"{measure}_change"), stage=stage, basis=basis,
                  breakdown=breakdown)
    page = Page(rows=rows)
    if rows.empty or rows[rows["measure"] == measure].empty:
        page.empty_message = (f"There is no {TREND_MEASURES[measure].lower()} for "
                              f"{lab.stage_title(stage, basis).lower()} with this breakdown.")
        return page
    page.figures.append(_figure(data, "trend", rows, charts.trend_figure,
                                measure, stage, basis, breakdown=breakdown))
    if len(data.periods) < 2:
        page.captions.append("Only one year has been imported, so there is no trend yet.")
    page.captions.append(_suppression_caption(data, rows))
    return page


def teams(data, f: dict[str, Any]) -> Page:
    """Funnel plots of teams against the authority (Spiegelhalter 2005; methods.md §1.7)."""
    period, choice = f["period"], f["funnel"]
    stage, _, to_stage = choice.partition(">")
    funnel = data.frame("funnel", period=period)
    measure = "stage_conversion" if to_stage else "minority_share"
    rows = _where(funnel, period=period, measure=measure, stage=stage,
                  to_stage=to_stage or None)
    if not to_stage and len(rows):
        rows = rows[rows["to_stage"].isna()].reset_index(drop=True)
        rows.attrs = dict(funnel.attrs)
    rows = data.team_rows(rows, column="team", wanted=f.get("team"))
    page = Page(rows=rows)
    if rows.empty:
        page.empty_message = ("There are no team figures for this choice. Teams come from "
                              "Annex A or a case-system extract; the CIN census and SSDA903 "
                              "carry no team." if data.teams_visible else
                              "Your account is not linked to a team, so there are no team "
                              "figures to show. Ask an administrator to add you to your team.")
        return page
    page.figures.append(_figure(data, "funnel", rows, charts.funnel_figure, stage,
                                to_stage or None, period=period))
    if data.team_scope is not None:
        page.captions.append("You see your own teams only; the authority's figure and the "
                             "limits are for the whole authority.")
    page.captions.append(_suppression_caption(data, rows))
    return page


PAGES = {
    "disproportionality": disproportionality,
    "pathway": pathway,
    "quality": quality,
    "trends": trends,
    "teams": teams,
}
