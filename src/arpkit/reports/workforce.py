"""The "Workforce equity" section: WRES-style relative likelihoods for HR and leaders.

The figures are :func:`arpkit.engine.workforce.workforce` exactly as the engine returns them
(docs/workforce.md; methods.md §2): the relative likelihood (RL) of each ethnic group against
White staff with its Katz interval, its position against the 0.80-1.25 non-adverse band and its
significance, reported separately, oriented so that above 1 is adverse to ethnic-minority staff.
The engine is asked once per pack, for every HR year up to the report period (the trend) and
the authority as a whole and by grade (team breakdowns stay in ``arpkit workforce``: teams are
local and small, so nearly every team cell of a pack would be suppressed).  Suppression is the
pack's: the engine's DfE rules by default, which blank hidden cells and mark them ``c``.

A second guard (:func:`guard_small_counts`, as ``export_aggregates`` has one): the pack is a
publication, so a row whose shown counts include one from 1 to the threshold is hidden too.
The engine can show such a count as a *comparator*: a representation row of a grade where a
group has no staff carries the group's whole-workforce total, which may be small.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from arpkit.reports import charts
from arpkit.reports import labels as lab
from arpkit.reports.findings import workforce_findings

if TYPE_CHECKING:
    from arpkit.reports.pack import ReportData, Section

#: At most this many HR years (the latest up to the report period) make the trend.
MAX_YEARS = 5
#: Groups compared with White staff, in reporting order.
COMPARED: tuple[str, ...] = ("MINORITY", "MIXED", "ASIAN", "BLACK", "OTHER")


def gather_workforce(warehouse: str | Path, period: int, *, suppression: str, threshold: int
                     ) -> tuple[pd.DataFrame | None, str]:
    """The workforce table for the pack, or ``None`` and why it is left out."""
    from arpkit.engine import warehouse as wh
    from arpkit.engine.workforce import hr_periods, workforce

    con = wh.connect(warehouse)
    if int(con.table("staff").count().execute()) == 0:
        return None, "no HR data is loaded (arpkit import-hr)"
    years = [p for p in hr_periods(con) if p <= period][-MAX_YEARS:]
    if not years:
        return None, f"the HR data covers no year up to {lab.period_label(period)}"
    df = workforce(con, period=years, suppression=suppression, threshold=threshold,
                   by_team=False)
    if suppression == "dfe":
        df = guard_small_counts(df, threshold)
    return df, ""


#: Count columns of the workforce table, and every column a hidden row blanks.
COUNT_COLUMNS: tuple[str, ...] = ("events", "base", "comparator_events", "comparator_base")
HIDDEN_COLUMNS: tuple[str, ...] = (*COUNT_COLUMNS, "rate", "comparator_rate", "value",
                                   "ci_lower", "ci_upper", "band", "significant")


def guard_small_counts(df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Hide every shown row with a count from 1 to ``threshold`` the way the engine hides a
    row (blank numbers, ``suppressed`` true, ``symbol`` ``c``); ``attrs['guarded_rows']`` says
    how many rows this hid."""
    counts = df[list(COUNT_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    small = ((counts > 0) & (counts <= threshold)).any(axis=1) & ~df["suppressed"].astype(bool)
    out = df.copy()
    out.attrs = dict(df.attrs)
    out.attrs["guarded_rows"] = int(small.sum())
    if small.any():
        for col in HIDDEN_COLUMNS:
            out.loc[small, col] = pd.NA if str(out[col].dtype) == "Int64" else (
                float("nan") if out[col].dtype.kind == "f" else None)
        out.loc[small, "suppressed"] = True
        out.loc[small, "symbol"] = lab.SUPPRESSED
    return out


def _stat_cells(r, lvl: str, bands: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    hidden = bool(r.suppressed)
    return {"Relative likelihood": charts._cell(r.value, 2, suppressed=hidden),
            f"Lower {lvl} limit": charts._cell(r.ci_lower, 2, suppressed=hidden),
            f"Upper {lvl} limit": charts._cell(r.ci_upper, 2, suppressed=hidden),
            f"Against the {bands} band": charts._band_cell(r.band, hidden=hidden),
            "Significant": charts._flag(r.significant, suppressed=hidden)}


def group_table(df: pd.DataFrame, period: int) -> pd.DataFrame:
    """Every authority-wide relative likelihood of ``period``, by ethnic group."""
    lvl = charts.level_label(df)
    bands = lab.band_text(df.attrs.get("band", (0.8, 1.25)))
    rows = pd.concat([charts._rl_rows(df, g, period) for g in COMPARED])
    rows = rows[rows["breakdown"] == "all"]
    from arpkit.engine.workforce import INDICATORS

    order = {ind.name: i for i, ind in enumerate(INDICATORS)}
    gorder = {g: i for i, g in enumerate(COMPARED)}
    rows = rows.assign(_i=rows["indicator"].map(order), _g=rows["group"].map(gorder)
                       ).sort_values(["_i", "_g"])
    out = []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        out.append({"Indicator": lab.indicator_label(r.indicator),
                    "Ethnic group": lab.staff_group_label(r.group),
                    "Staff with the outcome": charts._count(r.events, suppressed=hidden),
                    "Staff counted": charts._count(r.base, suppressed=hidden),
                    **_stat_cells(r, lvl, bands)})
    return pd.DataFrame(out)


def representation_table(df: pd.DataFrame, period: int) -> pd.DataFrame:
    """Each group's share of each grade against its share of the workforce, and of the
    workforce against the population (a share ratio: not oriented, docs/workforce.md)."""
    lvl = charts.level_label(df)
    rows = df[(df["indicator"] == "representation") & (df["period"] == period)]
    gorder = {g: i for i, g in enumerate(("WHITE", *COMPARED))}
    rows = rows.assign(_b=(rows["breakdown"] == "all").astype(int),
                       _g=rows["group"].map(gorder)).sort_values(["_b", "level", "_g"],
                                                                  kind="stable")
    # Grades in their rank order as the engine wrote them.
    grades = list(dict.fromkeys(df.loc[(df["indicator"] == "representation")
                                       & (df["breakdown"] == "grade"), "level"]))
    rank = {g: i for i, g in enumerate(grades)}
    rows = rows.assign(_l=rows["level"].map(rank).fillna(len(rank))).sort_values(
        ["_b", "_l", "_g"], kind="stable")
    out = []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        out.append({
            "Grade": (f"Grade {r.level}" if r.breakdown == "grade"
                      else "Whole workforce against the population"),
            "Ethnic group": lab.staff_group_label(r.group),
            "Staff of the group": charts._count(r.events, suppressed=hidden),
            "Staff with a known ethnicity": charts._count(r.base, suppressed=hidden),
            "Share (%)": charts._cell(r.rate, 1, suppressed=hidden, scale=100),
            "Share ratio": charts._cell(r.value, 2, suppressed=hidden),
            f"Lower {lvl} limit": charts._cell(r.ci_lower, 2, suppressed=hidden),
            f"Upper {lvl} limit": charts._cell(r.ci_upper, 2, suppressed=hidden)})
    return pd.DataFrame(out)


def workforce_section(data: ReportData) -> Section:
    """The section, or an omitted one naming why (no HR data)."""
    from arpkit.reports.pack import Section, Table

    title = "Workforce equity"
    df = data.workforce
    if df is None or df.empty:
        return Section("workforce", title, omitted=data.workforce_note or
                       "no HR data is loaded")
    years = sorted(int(p) for p in df["period"].unique())
    year = years[-1]
    bands = lab.band_text(df.attrs.get("band", (0.8, 1.25)))
    sec = Section("workforce", title, paragraphs=[
        "How likely staff from ethnic minority groups were, compared with White staff, to be "
        "appointed from shortlisting, to enter a formal disciplinary process and with what "
        "outcome, to attend non-mandatory training, to leave, to have a grievance upheld and "
        "to reach each grade, in the manner of the NHS Workforce Race Equality Standard and "
        "the Social Care WRES. Each relative likelihood is oriented so that a figure above 1 "
        "is adverse to ethnic-minority staff. A figure outside the "
        f"{bands} band is large enough to matter in practice; whether it is statistically "
        "significant (its interval excludes 1) is reported separately. Only results outside "
        "the band or statistically significant get a sentence below; the tables hold every "
        "figure. Staff whose ethnicity is not known are left out of both sides.",
    ])
    if year != data.period:
        sec.paragraphs.append(f"The HR data loaded runs to {lab.period_label(year)}, so this "
                              "section reports that year.")
    sec.findings = workforce_findings(df, year, groups=COMPARED)
    if not sec.findings:
        sec.paragraphs.append(f"No relative likelihood in {lab.period_label(year)} was outside "
                              f"the {bands} band or statistically significant.")
    sec.figures.append(charts.relative_likelihood_figure(df, period=year))
    if len(years) > 1:
        sec.figures.append(charts.relative_likelihood_trend_figure(df))
    else:
        sec.paragraphs.append("Only one year of HR data is loaded, so there is no trend yet.")
    sec.tables.append(Table(f"Relative likelihood of each ethnic group against White staff, "
                            f"{lab.period_label(year)} (above 1 is adverse to the group)",
                            group_table(df, year)))
    rep = representation_table(df, year)
    if len(rep):
        sec.tables.append(Table(f"Representation by grade at 31 March {year}: each group's "
                                "share of the grade against its share of the workforce",
                                rep))
    return sec
