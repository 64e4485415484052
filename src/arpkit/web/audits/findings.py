"""Findings of an audit round: grades by ethnic group (for the case as a whole and for each
section of the questionnaire), disparity against the reference group, themes from tagged
comments, and the Excel export.

All statistics come from the engine: Wilson score intervals for the share of cases graded Good
or better (:func:`arpkit.engine.intervals.wilson_limits`, methods.md section 1.2) and the
disparity ratio of that share against the reference group with its Katz log interval and zero
rules (:func:`arpkit.engine.ratios.katz_ratio`, methods.md section 1.4).  Because the sample is
stratified by ethnic group, each group's share is estimated within its own stratum; the
all-cases figure is re-weighted to the frame with each stratum's design weight N_h / n_h.

Suppression for anyone but an analyst (methods.md section 3): counts of 1 to 5 are shown as
``c``, and a share, interval or ratio built on a suppressed count (the group's or the reference
group's) is suppressed too.

``findings_frame`` is the tidy table the report pack includes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.conf import settings

from arpkit.engine.ethnicity import GROUP_LABELS, GROUPS
from arpkit.engine.intervals import wilson_limits
from arpkit.engine.ratios import katz_ratio
from arpkit.engine.suppression import primary_suppress, render, split_value_symbol
from arpkit.web.audits.models import (
    AuditCase,
    AuditRound,
    CaseStatus,
    Response,
    Section,
    SectionGrade,
)


def _threshold() -> int:
    return int(getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))


def findings_frame(audit_round: AuditRound, *, unsuppressed: bool = False) -> pd.DataFrame:
    """One row per ethnic group in the sample (and an ``ALL`` row): cases with a final grade,
    cases graded Good or better, the share with its Wilson interval, and the disparity ratio of
    the share against the round's reference group (Katz).  Tidy, for the report pack.
    """
    cases = AuditCase.objects.filter(round=audit_round, status=CaseStatus.AGREED)
    outcome = dict(cases.values_list("pk", "final_grade__good_or_better"))
    return _graded_findings(audit_round, outcome, unsuppressed=unsuppressed)


def section_findings_frame(audit_round: AuditRound, *,
                           unsuppressed: bool = False) -> pd.DataFrame:
    """:func:`findings_frame` for each section of the round's questionnaire, from the final
    section grades of agreed cases, with the section's title and order in front.  Cases
    agreed before sections were graded have no section grades and are not counted here."""
    frames = []
    for section in Section.objects.filter(questionnaire=audit_round.questionnaire):
        graded = SectionGrade.objects.filter(section=section, case__round=audit_round,
                                             case__status=CaseStatus.AGREED,
                                             final_grade__isnull=False)
        outcome = dict(graded.values_list("case_id", "final_grade__good_or_better"))
        table = _graded_findings(audit_round, outcome, unsuppressed=unsuppressed)
        table.insert(0, "section", section.title)
        table.insert(0, "section_order", section.order)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["section_order", "section"])
    return pd.concat(frames, ignore_index=True)


def _graded_findings(audit_round: AuditRound, outcome: dict[int, bool], *,
                     unsuppressed: bool) -> pd.DataFrame:
    """The findings table from ``outcome``: case id -> graded Good or better, for every case
    with a final grade (of the case, or of one section)."""
    strata = {s["stratum"]: s for s in audit_round.strata}
    stratum_of = dict(AuditCase.objects.filter(round=audit_round).values_list("pk", "stratum"))
    rows = []
    for group in [g for g in GROUPS if g in strata]:
        graded = [good for pk, good in outcome.items() if stratum_of.get(pk) == group]
        rows.append({"group": group, "frame_size": strata[group]["frame_size"],
                     "sampled": strata[group]["sample_size"], "graded": len(graded),
                     "good_or_better": sum(bool(g) for g in graded)})
    table = pd.DataFrame(rows, columns=["group", "frame_size", "sampled", "graded",
                                        "good_or_better"])
    x, n = table["good_or_better"].to_numpy(float), table["graded"].to_numpy(float)
    table["share"] = np.divide(x, n, out=np.full_like(x, np.nan), where=n > 0)
    table["lower"], table["upper"] = wilson_limits(x, n)
    ref = audit_round.reference_group
    ref_row = table[table["group"] == ref]
    if ref_row.empty:
        c, n2 = np.nan, np.nan
    else:
        c, n2 = float(ref_row["good_or_better"].iloc[0]), float(ref_row["graded"].iloc[0])
    ratio = katz_ratio(x, n, np.full_like(x, c), np.full_like(x, n2))
    table["ratio"], table["ratio_lower"], table["ratio_upper"] = (ratio.value, ratio.lower,
                                                                  ratio.upper)
    table["ratio_method"], table["ratio_reason"] = ratio.method, ratio.reason
    table.loc[table["group"] == ref, ["ratio", "ratio_lower", "ratio_upper", "ratio_method",
                                      "ratio_reason"]] = [np.nan, np.nan, np.nan, None,
                                                          "reference_group"]
    if unsuppressed:
        table["suppressed"] = False
    else:
        own = primary_suppress(table["graded"], _threshold()) | primary_suppress(
            table["good_or_better"], _threshold())
        ref_suppressed = bool(own[table["group"] == ref].any())
        table["suppressed"] = own
        table.loc[table["group"] != ref, "ratio_suppressed"] = ref_suppressed
        table.loc[table["ratio_suppressed"].fillna(False).astype(bool),
                  ["ratio", "ratio_lower", "ratio_upper"]] = np.nan
        table = table.drop(columns="ratio_suppressed")
    weights = table["frame_size"] / table["sampled"].replace(0, np.nan)
    graded_w = (weights * table["graded"]).sum()
    weighted = (weights * table["good_or_better"]).sum() / graded_w if graded_w else np.nan
    total = {"group": "ALL", "frame_size": table["frame_size"].sum(),
             "sampled": table["sampled"].sum(), "graded": table["graded"].sum(),
             "good_or_better": table["good_or_better"].sum(), "share": weighted,
             "suppressed": (not unsuppressed
                            and bool(primary_suppress(table["graded"].sum(), _threshold())))}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table["group_label"] = table["group"].map({**GROUP_LABELS, "ALL": "All cases (weighted)"})
    table.insert(0, "round", audit_round.name)
    table.insert(0, "round_id", audit_round.pk)
    table.insert(2, "period", audit_round.period)
    table["reference_group"] = ref
    table["measure"] = "graded_good_or_better"
    return table


def for_display(table: pd.DataFrame) -> list[dict]:
    """Rows with text for the page: ``c`` for suppressed figures, per cent to 1 dp."""
    out = table.copy()
    sup = out["suppressed"].astype(bool)
    for col in ("graded", "good_or_better"):
        out[f"{col}_text"] = render(out[col].astype(float), sup)
    for col in ("share", "lower", "upper"):
        out[f"{col}_text"] = render(out[col].astype(float) * 100, sup, decimals=1,
                                    missing="not_applicable")
    ratio_sup = sup | (out["ratio"].isna() & out["ratio_reason"].isna()
                       & (out["group"] != "ALL") & (out["group"] != out["reference_group"]))
    for col in ("ratio", "ratio_lower", "ratio_upper"):
        out[f"{col}_text"] = render(out[col].astype(float), ratio_sup, decimals=2,
                                    missing="not_applicable")
    return out.to_dict("records")


def sections_for_display(table: pd.DataFrame) -> list[dict]:
    """:func:`section_findings_frame` for the page: ``[{"title", "rows"}]`` in section order,
    rows as :func:`for_display` makes them."""
    if table.empty:
        return []
    rows = for_display(table)
    out: dict[str, dict] = {}
    for row in rows:
        out.setdefault(row["section"], {"title": row["section"], "rows": []})["rows"].append(row)
    return list(out.values())


def themes_frame(audit_round: AuditRound, *, unsuppressed: bool = False) -> pd.DataFrame:
    """Cases with at least one comment tagged with each theme, by ethnic group."""
    pairs = (Response.objects.filter(case__round=audit_round, themes__isnull=False)
             .values_list("themes__label", "case__stratum", "case_id").distinct())
    df = pd.DataFrame(list(pairs), columns=["theme", "group", "case"])
    if df.empty:
        return pd.DataFrame(columns=["theme", "group", "group_label", "cases", "suppressed"])
    counts = (df.drop_duplicates().groupby(["theme", "group"]).size()
              .reset_index(name="cases"))
    order = {g: i for i, g in enumerate(GROUPS)}
    counts = counts.sort_values(["theme", "group"], key=lambda s: s.map(order)
                                if s.name == "group" else s).reset_index(drop=True)
    counts["group_label"] = counts["group"].map(GROUP_LABELS)
    counts["suppressed"] = (False if unsuppressed
                            else primary_suppress(counts["cases"], _threshold()))
    counts["cases_text"] = render(counts["cases"].astype(float), counts["suppressed"])
    return counts


def workbook(audit_round: AuditRound, *, unsuppressed: bool) -> bytes:
    """The findings as an Excel workbook; suppressed cells hold no number (symbol columns)."""
    from openpyxl import Workbook

    wb = Workbook()
    sections = section_findings_frame(audit_round, unsuppressed=unsuppressed)
    sheets = {"Findings": _export_findings(findings_frame(audit_round,
                                                          unsuppressed=unsuppressed)),
              "Sections": (pd.concat([sections[["section"]],
                                      _export_findings(sections)], axis=1)
                           if len(sections) else pd.DataFrame(columns=["section"])),
              "Themes": _export_themes(themes_frame(audit_round, unsuppressed=unsuppressed))}
    first = True
    for title, frame in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _export_findings(table: pd.DataFrame) -> pd.DataFrame:
    sup = table["suppressed"].astype(bool)
    keep = table[["round", "period", "group", "group_label", "reference_group"]].copy()
    parts = [keep]
    for col in ("graded", "good_or_better", "share", "lower", "upper"):
        parts.append(split_value_symbol(table[col].astype(float), sup, name=col))
    ratio_sup = sup.copy()
    for col in ("ratio", "ratio_lower", "ratio_upper"):
        parts.append(split_value_symbol(table[col].astype(float), ratio_sup, name=col,
                                        missing="not_applicable"))
    parts.append(table[["ratio_method", "ratio_reason"]])
    return pd.concat(parts, axis=1)


def _export_themes(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=["theme", "group", "cases", "cases_symbol"])
    counts = split_value_symbol(table["cases"].astype(float), table["suppressed"], name="cases")
    return pd.concat([table[["theme", "group", "group_label"]], counts], axis=1)
