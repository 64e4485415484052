"""The "Regional comparison" section: the authority beside each peer, the regional pool and
England, from the peers' shared aggregates (docs/aggregates.md).

The figures are :func:`arpkit.engine.aggregates.compare_with_peers` exactly as the engine
returns them, for the headline measures only: the rate per 10,000 of children in need, on a
child protection plan and looked after at 31 March (all children and by ethnic group) and the
disparity ratio of each group against White children.  The authority's own figures there are
its *published* (DfE-suppressed) ones, so every member of the region computes the same pool;
the pool is recomputed from summed published counts and leaves out an authority whose cell is
suppressed (``excluded_suppressed``), never guessing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from arpkit.reports import charts
from arpkit.reports import labels as lab
from arpkit.reports.findings import (
    COMPARISON,
    HEADLINE_STAGES,
    Finding,
    limit_text,
    ratio_sentence,
    ratio_text,
)

if TYPE_CHECKING:
    from arpkit.reports.pack import ReportData, Section

#: (measure, breakdowns) compared with peers, for every headline stage at 31 March.
PEER_MEASURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rate_per_10k", ("all", "ethnicity_group")),
    ("disparity_ratio", ("ethnicity_group",)),
)
BASIS = "at_31_march"


def headline_rows(compare_df: pd.DataFrame) -> pd.DataFrame:
    """The headline measures of a :func:`compare_with_peers` table (its columns and order)."""
    keep = pd.Series(False, index=compare_df.index)
    for measure, breakdowns in PEER_MEASURES:
        keep |= ((compare_df["measure"] == measure) & compare_df["breakdown"].isin(breakdowns)
                 & compare_df["stage"].isin(HEADLINE_STAGES) & (compare_df["basis"] == BASIS))
    return compare_df[keep].reset_index(drop=True)


def gather_peers(warehouse: str | Path, period: int, *, la_codes: list[str], threshold: int,
                 reference_dir: str | Path | None) -> tuple[pd.DataFrame | None, str]:
    """The comparison for the pack, or ``None`` and why it is left out."""
    from arpkit.engine import warehouse as wh
    from arpkit.engine.aggregates import compare_with_peers

    con = wh.connect(warehouse)
    t = con.table("peer_aggregates")
    if int(t.count().execute()) == 0:
        return None, "no peer aggregates are imported (arpkit import-aggregates)"
    if int(t.filter((t.dataset == "metrics") & (t.period == period)).count().execute()) == 0:
        return None, (f"the peer aggregates imported have no figures for "
                      f"{lab.period_label(period)}")
    if len(la_codes) != 1:
        return None, ("the warehouse holds more than one authority "
                      f"({', '.join(la_codes)}), so there is no single authority to compare")
    df = compare_with_peers(warehouse, period, la_code=la_codes[0], dataset="metrics",
                            threshold=threshold, reference_dir=reference_dir)
    out = headline_rows(df)
    out.attrs.update(df.attrs)
    return out, ""


def _get(rows: pd.DataFrame, area_type: str) -> pd.Series | None:
    pick = rows[rows["area_type"] == area_type]
    return pick.iloc[0] if len(pick) else None


def _num(x: object) -> float | None:
    return charts._num(x)


def _pool_note(pool: pd.Series) -> str:
    n, out = int(pool["authorities"] or 0), int(pool["excluded_suppressed"] or 0)
    note = f"{n} authorit{'y' if n == 1 else 'ies'}"
    if out:
        note += (f", leaving out {out} whose figure is suppressed, which weights the pool "
                 "towards larger authorities")
    return note


def rate_finding(df: pd.DataFrame, stage: str, period: int) -> Finding | None:
    """'Children looked after at 31 March 2025: 80.3 per 10,000 children in this authority
    (95% CI 69.0 to 93.1), 79.5 across the regional pool of 2 authorities … and 67.0 in
    England.'"""
    rows = df[(df["measure"] == "rate_per_10k") & (df["stage"] == stage)
              & (df["breakdown"] == "all") & (df["period"] == period)]
    own, pool, eng = (_get(rows, k) for k in ("authority", "region", "england"))
    if own is None:
        return None
    head = f"{lab.stage_title(stage, BASIS)} {period}"
    if bool(own["suppressed"]) or _num(own["value"]) is None:
        text = f"{head}: this authority's rate could not be reported because the numbers are small"
    else:
        text = (f"{head}: {own['value']:,.1f} per 10,000 children in this authority "
                f"(95% CI {own['ci_lower']:,.1f} to {own['ci_upper']:,.1f})")
    if pool is not None and not bool(pool["suppressed"]) and _num(pool["value"]) is not None:
        text += (f", {pool['value']:,.1f} across the regional pool (95% CI "
                 f"{pool['ci_lower']:,.1f} to {pool['ci_upper']:,.1f}; {_pool_note(pool)})")
    elif pool is not None:
        text += ", and the regional pool could not be computed because every authority's "
        text += "figure is suppressed"
    if eng is not None and _num(eng["value"]) is not None:
        text += f", and {eng['value']:,.1f} in England"
    return Finding("rate_per_10k", stage, BASIS, period, "all", "ALL", None, COMPARISON,
                   text + ".")


def disparity_findings(df: pd.DataFrame, stage: str, period: int) -> list[Finding]:
    """One sentence per ethnic group whose disparity ratio is significant here or across the
    pool, or could not be reported here, with the pool's figure beside it."""
    rows = df[(df["measure"] == "disparity_ratio") & (df["stage"] == stage)
              & (df["breakdown"] == "ethnicity_group") & (df["period"] == period)]
    gorder = {g: i for i, g in enumerate(lab.group_order("ethnicity_group"))}
    out = []
    for group in sorted(set(rows["group"]), key=lambda g: gorder.get(g, 99)):
        part = rows[rows["group"] == group]
        own, pool = _get(part, "authority"), _get(part, "region")
        if own is None:
            continue
        own_hidden = bool(own["suppressed"])
        pool_sig = pool is not None and bool(pool["significant"] is True)
        own_sig = not own_hidden and own["significant"] is True
        if not (own_hidden or own_sig or pool_sig):
            continue
        tail = ""
        if pool is not None and not bool(pool["suppressed"]) and _num(pool["value"]) is not None:
            tail = (f"; across the regional pool the ratio was "
                    f"{ratio_text(float(pool['value']))} (")
            if _num(pool["ci_lower"]) is not None and _num(pool["ci_upper"]) is not None:
                tail += (f"95% CI {limit_text(float(pool['ci_lower']))} to "
                         f"{limit_text(float(pool['ci_upper']))}; ")
            tail += f"{_pool_note(pool)})"
        reference = str(own["reference_group"]) or "WHITE"
        status, text = ratio_sentence(
            lab.children_of(group), lab.children_of(reference),
            "be " + lab.stage_phrase(stage, BASIS, period) + " in this authority",
            None if own_hidden else own["value"], own["ci_lower"], own["ci_upper"],
            suppressed=own_hidden, measure_name="disparity ratio", tail=tail)
        out.append(Finding("disparity_ratio", stage, BASIS, period, "ethnicity_group", group,
                           reference, status, text))
    return out


def peers_section(data: ReportData) -> Section:
    """The section, or an omitted one naming why (no peer aggregates)."""
    from arpkit.reports.pack import Section

    title = "Regional comparison"
    df = data.peers
    if df is None or df.empty:
        return Section("regional", title, omitted=data.peers_note or
                       "no peer aggregates are imported")
    period = data.period
    peers = sorted(str(a) for a in df.loc[df["area_type"] == "peer", "area"].unique())
    sec = Section("regional", title, paragraphs=[
        "The authority beside each peer authority that shared its aggregate tables ("
        + ", ".join(peers) + "), the regional pool and England. Every authority's figures "
        "are its published, suppressed ones. The regional pool is worked out again from the "
        "summed published counts, not by averaging ratios; an authority whose figure is "
        "suppressed is left out of that figure's pool, and the tables say how many were. "
        "DfE publishes no rates by ethnicity, so England appears only beside the rates for "
        "all children.",
    ])
    for stage in HEADLINE_STAGES:
        found = rate_finding(df, stage, period)
        if found is not None:
            sec.findings.append(found)
    for stage in HEADLINE_STAGES:
        sec.findings.extend(disparity_findings(df, stage, period))
    sec.figures.append(charts.peer_figure(df, "rate_per_10k", HEADLINE_STAGES, basis=BASIS,
                                          breakdown="all", period=period))
    for stage in HEADLINE_STAGES:
        if ((df["measure"] == "disparity_ratio") & (df["stage"] == stage)).any():
            sec.figures.append(charts.peer_figure(df, "disparity_ratio", (stage,), basis=BASIS,
                                                  breakdown="ethnicity_group", period=period))
    return sec
