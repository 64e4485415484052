"""The pack's numbers as an Excel workbook for analysts to paste into their own packs.

One sheet per measure family in the tidy metrics layout (docs/metrics.md "The output contract":
the same columns in the same order, one row per measure × stage × basis × period × breakdown ×
group), sheets for the pathway, team funnels, ethnicity recording and benchmarks in the engine's
own layouts, and a "Read me" sheet first with the period, definitions, sources, denominators
and their vintage, and the GSS symbols.  Optional sheets follow when the pack has their data
(:data:`OPTIONAL_SHEETS`): the regional comparison, workforce equity and audit findings, each in
its source's own tidy columns; the "Read me" lists them, or says why they are absent.

Suppression: a row the engine hid keeps its blank numbers as the GSS symbol ``c`` (the GSS
guidance for spreadsheets: a symbol in the cell, explained in the notes), so a pasted table
cannot be mistaken for zeros; every other blank means "does not apply" and stays empty.
Written with openpyxl in write-only mode (rows streamed, memory flat).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from arpkit.reports import labels as lab
from arpkit.reports.pack import ReportData

#: Metrics sheets: (sheet name, measures on it).
METRIC_SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Rates", ("rate_per_10k",)),
    ("Disproportionality index", ("disproportionality_index",)),
    ("Disparity ratio", ("disparity_ratio",)),
    ("Stage conversion", ("stage_conversion",)),
    ("Relative rate index", ("rri",)),
    ("Changes", ("rate_per_10k_change", "disproportionality_index_change",
                 "disparity_ratio_change", "stage_conversion_change", "rri_change")),
)
#: Columns that hold numbers a suppressed row hides (they get ``c``).
HIDDEN_COLUMNS: frozenset[str] = frozenset(
    {"numerator", "value", "ci_lower", "ci_upper", "significant", "denominator",
     "benchmark", "classification"})
#: The same for the workforce sheet (docs/workforce.md "Output contract").
WORKFORCE_HIDDEN: frozenset[str] = frozenset(
    {"events", "base", "comparator_events", "comparator_base", "rate", "comparator_rate",
     "value", "ci_lower", "ci_upper", "band", "significant"})
#: Optional sheets, each written only when the pack has the data: (sheet, what it holds).
OPTIONAL_SHEETS: tuple[tuple[str, str], ...] = (
    ("Regional comparison", "compare_with_peers rows for the headline measures (rates per "
                            "10,000 and disparity ratios at 31 March of CIN, CP plans and CLA) "
                            "in its columns (docs/aggregates.md): area_type authority, peer, "
                            "region (the pool, with authorities pooled and excluded_suppressed) "
                            "or england"),
    ("Workforce equity", "arpkit.engine.workforce rows in its columns (docs/workforce.md, "
                         "'Output contract'): relative likelihoods (above 1 adverse to "
                         "ethnic-minority staff), band, significance and representation, "
                         "authority-wide and by grade, for each HR year"),
    ("Audit findings", "findings_frame rows of each audit round, in its columns: cases graded "
                       "and graded good or better by ethnic group, the share with its Wilson "
                       "interval (lower, upper) and the ratio to the reference group's share "
                       "with its Katz interval"),
    ("Audit themes", "themes_frame rows: cases with a comment tagged with each theme, by "
                     "ethnic group"),
)

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("rate_per_10k", "Children at the stage per 10,000 children aged 0-17 in the group's "
                     "population; exact Poisson (Garwood) limits below 10 children, Byar's "
                     "approximation above (PHE/OHID Fingertips)."),
    ("disproportionality_index", "Children observed / children expected from the group's "
                                 "share of the population (denominator = expected); Poisson "
                                 "limits of the observed count / expected."),
    ("disparity_ratio", "The group's rate / the reference group's rate (reference_group); "
                        "Katz log interval."),
    ("stage_conversion", "Of the children with a 'stage' event in the year, the share with a "
                         "'to_stage' event on or after it by 31 March; Wilson interval."),
    ("rri", "Relative rate index: the group's stage conversion / the reference group's; Katz "
            "interval (OJJDP decision-point method)."),
    ("<measure>_change", "Against the previous period present: a rate ratio, a difference of "
                         "shares, or a ratio of ratios; denominator = last year's count."),
    ("significant", "TRUE when the interval excludes 1 (0 for a difference of shares)."),
    ("suppressed", "TRUE when disclosure control hid the row's numbers (shown as c)."),
    ("basis", "in_year: an event of the stage dated in the year; at_31_march: open on "
              "31 March."),
    ("period", "Collection year, by the year it ends (2025 = 1 April 2024 to 31 March 2025)."),
)


def _value(v: object) -> object:
    """A cell value openpyxl can write (NA and NaN become empty)."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()  # numpy scalars
    return v


def tidy_rows(frame: pd.DataFrame, columns: Sequence[str],
              hidden_columns: frozenset[str] = HIDDEN_COLUMNS) -> Iterable[list[object]]:
    """The rows of a tidy engine table, with ``c`` in the hidden cells of suppressed rows."""
    hide = [c in hidden_columns for c in columns]
    data = frame[list(columns)].astype(object).to_numpy()
    suppressed = (frame["suppressed"].fillna(False).to_numpy(dtype=bool)
                  if "suppressed" in frame else [False] * len(frame))
    for values, hidden in zip(data, suppressed, strict=True):
        row = [_value(v) for v in values]
        if hidden:
            row = [lab.SUPPRESSED if (h and v is None) else v
                   for v, h in zip(row, hide, strict=True)]
        yield row


def write_workbook(data: ReportData, path: str | Path) -> Path:
    """Write the workbook and return its path."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from arpkit.engine.metrics import COLUMNS

    path = Path(path)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(ws, names: Sequence[str]) -> None:
        cells = []
        for n in names:
            c = WriteOnlyCell(ws, value=n)
            c.font = bold
            cells.append(c)
        ws.append(cells)

    readme = wb.create_sheet("Read me")
    _read_me(readme, data, header)
    m = data.metrics
    for name, measures in METRIC_SHEETS:
        part = m[m["measure"].isin(measures)]
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        header(ws, COLUMNS)
        for row in tidy_rows(part, COLUMNS):
            ws.append(row)
    for name, frame in (("Pathway", data.pathway), ("Team funnels", data.funnel),
                        ("Ethnicity recording", data.quality),
                        ("Benchmarks", data.benchmarks)):
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        columns = list(frame.columns)
        header(ws, columns)
        for row in tidy_rows(frame, columns):
            ws.append(row)
    for name, frame, columns, hidden in _optional_sheets(data):
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        header(ws, columns)
        for row in tidy_rows(frame, columns, hidden):
            ws.append(row)
    wb.save(path)
    return path


def _optional_sheets(data: ReportData
                     ) -> list[tuple[str, pd.DataFrame, list[str], frozenset[str]]]:
    """(sheet, frame, columns, hidden columns) for each optional sheet the pack has data for."""
    out = []
    if data.peers is not None and not data.peers.empty:
        from arpkit.engine.aggregates import COMPARE_COLUMNS

        out.append(("Regional comparison", data.peers, list(COMPARE_COLUMNS),
                    frozenset({"numerator", "value", "ci_lower", "ci_upper", "significant"})))
    if data.workforce is not None and not data.workforce.empty:
        from arpkit.engine.workforce import COLUMNS as WF_COLUMNS

        out.append(("Workforce equity", data.workforce, list(WF_COLUMNS), WORKFORCE_HIDDEN))
    if data.audit_findings is not None and not data.audit_findings.empty:
        from arpkit.reports import audit

        found, cells = audit.protect(data.audit_findings, threshold=data.threshold,
                                     suppression=data.suppression)
        out.append(("Audit findings", audit.workbook_frame(found, cells),
                    list(audit.FINDINGS_COLUMNS), frozenset()))
        if data.audit_themes is not None:
            themes = audit.themes_workbook_frame(audit.protect_themes(
                data.audit_themes, threshold=data.threshold, suppression=data.suppression))
            out.append(("Audit themes", themes, list(themes.columns), frozenset()))
    return out


def _omitted(data: ReportData) -> dict[str, str]:
    """Optional sheets left out of this workbook, and why."""
    out = {}
    if data.peers is None or data.peers.empty:
        out["Regional comparison"] = data.peers_note or "no peer aggregates are imported"
    if data.workforce is None or data.workforce.empty:
        out["Workforce equity"] = data.workforce_note or "no HR data is loaded"
    if data.audit_findings is None or data.audit_findings.empty:
        out["Audit findings"] = "no audit findings were given"
    if data.audit_themes is None:
        out["Audit themes"] = "no audit themes were given"
    return out


def _read_me(ws, data: ReportData, header) -> None:  # type: ignore[no-untyped-def]
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 110
    rows: list[Sequence[object]] = [
        (data.title,),
        ("Period", f"{lab.period_label(data.period)} (1 April {data.period - 1} to 31 March "
                   f"{data.period}); trend sheets hold every year loaded: "
                   f"{', '.join(lab.period_label(p) for p in data.periods)}"),
        ("Authority (LA code)", ", ".join(data.la_codes) or "not recorded"),
        ("Produced", data.generated.strftime("%d %B %Y %H:%M")),
        ("Disclosure control",
         f"DfE rules, threshold {data.threshold}: hidden cells show c" if data.suppression
         == "dfe" else "none: internal analyst pack, must not leave the authority"),
        (),
        ("Sheets",),
    ]
    for name, measures in METRIC_SHEETS:
        rows.append((name, f"metrics rows with measure {', '.join(measures)} (columns as "
                           "docs/metrics.md, 'The output contract')"))
    rows += [
        ("Pathway", "first-contact outcomes, indicators, RRIs and journey links "
                    "(docs/pathway.md)"),
        ("Team funnels", "each team against the authority with 95% and 99.8% funnel limits"),
        ("Ethnicity recording", "completeness, cross-return conflicts and labels "
                                "(docs/quality.md)"),
        ("Benchmarks", "the authority's overall rates beside published DfE figures (England, "
                       "region, statistical neighbours); rate_source says whether DfE "
                       "published the rate or it was computed from ONS mid-year estimates"),
    ]
    omitted = _omitted(data)
    rows += [(name, f"not included: {omitted[name]}" if name in omitted else what)
             for name, what in OPTIONAL_SHEETS]
    rows += [
        (),
        ("Definitions",),
        *DEFINITIONS,
        (),
        ("Denominators (population, by period)",),
    ]
    population = data.metrics.attrs.get("population") or {}
    rows += [(lab.period_label(int(p)), str(v)) for p, v in population.items()] or [
        ("", "no population loaded: no rates")]
    rows += [(), ("Sources (returns imported)",)]
    for r in data.imports.itertuples(index=False):
        when = r.imported_at.strftime("%d %B %Y") if isinstance(
            r.imported_at, dt.datetime | pd.Timestamp) else str(r.imported_at)
        rows.append((f"{r.kind} {r.period}", f"{r.file_name} ({r.rows:,} rows, imported "
                                             f"{when})"))
    rows += [(), ("Symbols (GSS)",)]
    rows += [(k, v) for k, v in lab.SYMBOL_MEANINGS.items()]
    rows.append(("(empty)", "does not apply to this row (for example to_stage on a rate)"))
    for row in rows:
        ws.append(list(row))
