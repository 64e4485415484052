"""The "Audit findings" section: a thematic audit round's grades by ethnic group, from tidy
frames the caller supplies.

The engine-side pack never imports Django: the web app's
:func:`arpkit.web.audits.findings.findings_frame` and ``themes_frame`` produce the tables, an
analyst saves them as CSV (``frame.to_csv(path, index=False)``), and ``arpkit report
--audit-findings FILE.csv [--audit-themes FILE.csv]`` reads them here.  :func:`read_findings`
and :func:`read_themes` check every row and name the file, row and field of each problem.

Statistics are the web app's own (Wilson intervals for the share graded good or better, the
Katz interval for the ratio against the reference group: methods.md §1.2, §1.4); nothing is
recomputed.  Disclosure control (methods.md §3) is applied again here, because the CSV keeps
the counts of a suppressed row (only its ``suppressed`` flag says to hide them) and an analyst
may have exported it unsuppressed: with DfE suppression every graded or good-or-better count
from 1 to the threshold hides its row; when exactly one group of a round is hidden, the
next-smallest group is hidden too, so the all-cases total cannot give it away by subtraction
(DfE's secondary rule); a ratio is hidden when its group's or the reference group's row is.
Frame sizes and sample sizes (counts of children) are hidden cell by cell on the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from arpkit.engine.errors import InputError, Problem
from arpkit.engine.ethnicity import GROUPS
from arpkit.reports import charts
from arpkit.reports import labels as lab
from arpkit.reports.findings import Finding, ratio_sentence

if TYPE_CHECKING:
    from arpkit.reports.pack import ReportData, Section

#: The columns of ``findings_frame`` (arpkit.web.audits.findings), in its order.
FINDINGS_COLUMNS: tuple[str, ...] = (
    "round_id", "round", "period", "group", "frame_size", "sampled", "graded",
    "good_or_better", "share", "lower", "upper", "ratio", "ratio_lower", "ratio_upper",
    "ratio_method", "ratio_reason", "suppressed", "group_label", "reference_group", "measure",
)
#: The columns of ``themes_frame`` the pack needs (``group_label``, ``cases_text`` optional).
THEMES_COLUMNS: tuple[str, ...] = ("theme", "group", "cases", "suppressed")
THEMES_OPTIONAL: tuple[str, ...] = ("group_label", "cases_text")

_COUNTS = ("frame_size", "sampled", "graded", "good_or_better")
_SHARES = ("share", "lower", "upper")
_RATIOS = ("ratio", "ratio_lower", "ratio_upper")
_FLAGS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


# --------------------------------------------------------------------------- reading


def _problem(problems: list[Problem], name: str, line: int | None, field: str, value: object,
             message: str) -> None:
    problems.append(Problem(name, f"row {line}" if line else "header", field,
                            None if value is None else str(value), message))


def _columns(frame: pd.DataFrame, required: Sequence[str], optional: Sequence[str], name: str,
             exact: bool) -> list[Problem]:
    problems: list[Problem] = []
    have = [str(c) for c in frame.columns]
    missing = [c for c in required if c not in have]
    extra = [c for c in have if c not in required and c not in optional]
    if missing:
        _problem(problems, name, None, ", ".join(missing), None,
                 "missing column(s); the columns must be those of findings_frame: "
                 + ", ".join(required) if exact else
                 "missing column(s); expected " + ", ".join(required))
    if exact and extra:
        _problem(problems, name, None, ", ".join(extra), None,
                 "unexpected column(s); the columns must be exactly those of findings_frame")
    return problems


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def _number(v: object, problems: list[Problem], name: str, line: int, field: str, *,
            integer: bool = False, low: float | None = 0.0, high: float | None = None,
            blank: bool = True) -> float | None:
    if _is_blank(v):
        if not blank:
            _problem(problems, name, line, field, v, "a number is required")
        return None
    try:
        x = float(str(v).strip()) if isinstance(v, str) else float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        _problem(problems, name, line, field, v, "not a number")
        return None
    if math.isnan(x) or math.isinf(x):
        if not (math.isnan(x) and blank):
            _problem(problems, name, line, field, v, "must be a finite number")
        return None
    if integer and not x.is_integer():
        _problem(problems, name, line, field, v, "must be a whole number")
    if (low is not None and x < low) or (high is not None and x > high):
        _problem(problems, name, line, field, v,
                 f"must be between {low:g} and {high:g}" if high is not None else
                 f"must be at least {low:g}")
    return x


def _flag(v: object, problems: list[Problem], name: str, line: int, field: str) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    key = str(v).strip().lower()
    if key not in _FLAGS:
        _problem(problems, name, line, field, v, "must be True or False")
        return True
    return _FLAGS[key]


def check_findings(frame: pd.DataFrame, name: str = "audit findings") -> pd.DataFrame:
    """Check a findings frame (from ``findings_frame`` or its CSV) and return it typed, in
    ``findings_frame``'s column order.  Raises :class:`InputError` naming every problem's
    file, row (the CSV line) and field."""
    problems = _columns(frame, FINDINGS_COLUMNS, (), name, exact=True)
    if problems:
        raise InputError(problems, summary=f"{name}: not a findings_frame table")
    out: dict[str, list[object]] = {c: [] for c in FINDINGS_COLUMNS}
    groups = {*GROUPS, "ALL"}
    for i, row in enumerate(frame[list(FINDINGS_COLUMNS)].to_dict("records")):
        line = i + 2  # the header is line 1
        out["round_id"].append(_number(row["round_id"], problems, name, line, "round_id",
                                       integer=True, blank=False))
        for col in ("round", "measure"):
            if _is_blank(row[col]):
                _problem(problems, name, line, col, row[col], "must not be blank")
            out[col].append(None if _is_blank(row[col]) else str(row[col]))
        if not _is_blank(row["measure"]) and str(row["measure"]) != "graded_good_or_better":
            _problem(problems, name, line, "measure", row["measure"],
                     "must be graded_good_or_better")
        out["period"].append(_number(row["period"], problems, name, line, "period",
                                     integer=True, low=1900, high=2200, blank=False))
        group = str(row["group"]).strip()
        if group not in groups:
            _problem(problems, name, line, "group", row["group"],
                     f"must be one of {', '.join(sorted(groups))}")
        out["group"].append(group)
        ref = str(row["reference_group"]).strip()
        if ref not in GROUPS:
            _problem(problems, name, line, "reference_group", row["reference_group"],
                     f"must be one of {', '.join(GROUPS)}")
        out["reference_group"].append(ref)
        for col in _COUNTS:
            out[col].append(_number(row[col], problems, name, line, col, integer=True,
                                    blank=False))
        for col in _SHARES:
            out[col].append(_number(row[col], problems, name, line, col, high=1.0))
        for col in _RATIOS:
            out[col].append(_number(row[col], problems, name, line, col))
        for col in ("ratio_method", "ratio_reason", "group_label"):
            out[col].append(None if _is_blank(row[col]) else str(row[col]))
        out["suppressed"].append(_flag(row["suppressed"], problems, name, line, "suppressed"))
        g, n = out["good_or_better"][-1], out["graded"][-1]
        if g is not None and n is not None and g > n:  # type: ignore[operator]
            _problem(problems, name, line, "good_or_better", row["good_or_better"],
                     f"is more than graded ({row['graded']})")
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in {name}; the pack "
                                           "was not built")
    typed = pd.DataFrame(out, columns=list(FINDINGS_COLUMNS))
    for col in ("round_id", "period", *_COUNTS):
        typed[col] = typed[col].astype("int64")
    for col in (*_SHARES, *_RATIOS):
        typed[col] = typed[col].astype(float)
    typed["suppressed"] = typed["suppressed"].astype(bool)
    return typed


def check_themes(frame: pd.DataFrame, name: str = "audit themes") -> pd.DataFrame:
    """Check a themes frame (from ``themes_frame`` or its CSV) and return it typed."""
    problems = _columns(frame, THEMES_COLUMNS, THEMES_OPTIONAL, name, exact=False)
    if problems:
        raise InputError(problems, summary=f"{name}: not a themes_frame table")
    rows = []
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        if _is_blank(row["theme"]):
            _problem(problems, name, line, "theme", row["theme"], "must not be blank")
        group = str(row["group"]).strip()
        if group not in GROUPS:
            _problem(problems, name, line, "group", row["group"],
                     f"must be one of {', '.join(GROUPS)}")
        cases = _number(row["cases"], problems, name, line, "cases", integer=True, blank=False)
        rows.append({"theme": str(row["theme"]), "group": group,
                     "cases": 0 if cases is None else int(cases),
                     "suppressed": _flag(row["suppressed"], problems, name, line,
                                         "suppressed")})
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in {name}; the pack "
                                           "was not built")
    return pd.DataFrame(rows, columns=list(THEMES_COLUMNS))


def _read_csv(path: str | Path) -> pd.DataFrame:
    from arpkit.engine.errors import ArpkitError

    path = Path(path)
    if not path.is_file():
        raise ArpkitError(f"{path}: no such file")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError([Problem(path.name, "", "", None, f"not a readable CSV file: {exc}")],
                         summary=f"{path}: not a readable CSV file") from exc


def read_findings(path: str | Path) -> pd.DataFrame:
    """Read and check the CSV of ``findings_frame`` (``frame.to_csv(path, index=False)``)."""
    return check_findings(_read_csv(path), Path(path).name)


def read_themes(path: str | Path) -> pd.DataFrame:
    """Read and check the CSV of ``themes_frame``."""
    return check_themes(_read_csv(path), Path(path).name)


# --------------------------------------------------------------------------- disclosure control


def _small(values: pd.Series, threshold: int) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce")
    return (v > 0) & (v <= threshold)


def _secondary(hidden: pd.Series, sizes: pd.Series) -> pd.Series:
    """DfE's secondary rule over one round's groups (which add up to the all-cases row): a
    lone hidden group takes the next-smallest shown non-zero group with it."""
    hidden = hidden.copy()
    if int(hidden.sum()) == 1:
        candidates = sizes[~hidden & (sizes > 0)]
        if len(candidates):
            hidden[candidates.idxmin()] = True
    return hidden


def protect(findings: pd.DataFrame, *, threshold: int, suppression: str = "dfe"
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The findings with disclosure control applied for the pack.

    Returns ``(frame, hidden_cells)``: ``frame`` has ``findings_frame``'s columns with
    ``suppressed`` final and every hidden number blanked (so it can go straight to the chart
    builders); ``hidden_cells`` is a boolean frame of the same shape saying which cells show
    ``c``.  The CSV's own ``suppressed`` flags are always honoured.
    """
    out = findings.copy().reset_index(drop=True)
    hide_row = out["suppressed"].astype(bool).copy()
    cell = pd.DataFrame(False, index=out.index, columns=list(FINDINGS_COLUMNS))
    for _, part in out.groupby("round_id", sort=False):
        idx = part.index
        groups = idx[part["group"] != "ALL"]
        total = idx[part["group"] == "ALL"]
        if suppression == "dfe":
            rows = hide_row[groups] | _small(out.loc[groups, "graded"], threshold) | _small(
                out.loc[groups, "good_or_better"], threshold)
            rows = _secondary(rows, out.loc[groups, "graded"])
            hide_row[groups] = rows
            hide_row[total] = hide_row[total] | _small(out.loc[total, "graded"], threshold) \
                | _small(out.loc[total, "good_or_better"], threshold)
            for col in ("frame_size", "sampled"):
                small = _secondary(_small(out.loc[groups, col], threshold),
                                   out.loc[groups, col])
                cell.loc[groups, col] = small
                cell.loc[total, col] = _small(out.loc[total, col], threshold)
        refs = part[part["group"] == part["reference_group"]].index
        ref_hidden = bool(hide_row[refs].any())
        for i in groups:
            ratio_hidden = hide_row[i] or (ref_hidden and i not in refs)
            cell.loc[i, list(_RATIOS)] = ratio_hidden
    for col in ("graded", "good_or_better", *_SHARES):
        cell[col] = cell[col] | hide_row
    cell["ratio"] = cell["ratio"] | hide_row
    cell["ratio_lower"] = cell["ratio_lower"] | hide_row
    cell["ratio_upper"] = cell["ratio_upper"] | hide_row
    out["suppressed"] = hide_row.astype(bool)
    for col in (*_COUNTS, *_SHARES, *_RATIOS):
        out[col] = out[col].astype(float).where(~cell[col], np.nan)
    # A hidden ratio with no reason reads as hidden (the web app's convention).
    out.loc[cell["ratio"], "ratio_reason"] = None
    return out, cell


def protect_themes(themes: pd.DataFrame, *, threshold: int, suppression: str = "dfe"
                   ) -> pd.DataFrame:
    """Themes with ``suppressed`` final: the CSV's flag, or a count from 1 to the threshold."""
    out = themes.copy().reset_index(drop=True)
    hidden = out["suppressed"].astype(bool)
    if suppression == "dfe":
        hidden = hidden | _small(out["cases"], threshold)
    out["suppressed"] = hidden
    out["cases"] = out["cases"].astype(float).where(~hidden, np.nan)
    return out


# --------------------------------------------------------------------------- tables and text


def workbook_frame(findings: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The findings in ``findings_frame``'s columns with ``c`` in every hidden cell."""
    out = findings[list(FINDINGS_COLUMNS)].astype(object).copy()
    for col in _COUNTS:  # whole numbers stay whole in the sheet
        out[col] = pd.Series([None if _is_blank(v) else int(v) for v in out[col]],
                             index=out.index, dtype=object)
    for col in FINDINGS_COLUMNS:
        if cells[col].any():
            out.loc[cells[col], col] = lab.SUPPRESSED
    return out


def themes_workbook_frame(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes with ``c`` for a hidden count."""
    out = themes[list(THEMES_COLUMNS)].astype(object).copy()
    out.insert(2, "group_label", [lab.group_label(g) for g in themes["group"]])
    out["cases"] = [lab.SUPPRESSED if hidden else int(v)
                    for v, hidden in zip(themes["cases"], themes["suppressed"], strict=True)]
    return out


def design_table(findings: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The sample design of a round: frame and sample size of each group."""
    rows = []
    gorder = {g: i for i, g in enumerate([*GROUPS, "ALL"])}
    part = findings.assign(_g=findings["group"].map(gorder)).sort_values("_g")
    for i, r in part.iterrows():
        rows.append({
            "Ethnic group": "All cases" if r["group"] == "ALL" else lab.group_label(r["group"]),
            "Children in the sampling frame": charts._count(
                r["frame_size"], suppressed=bool(cells.loc[i, "frame_size"])),
            "Cases sampled": charts._count(r["sampled"],
                                           suppressed=bool(cells.loc[i, "sampled"]))})
    return pd.DataFrame(rows)


def themes_table(themes: pd.DataFrame) -> pd.DataFrame:
    """Cases with a comment tagged with each theme, by ethnic group."""
    gorder = {g: i for i, g in enumerate(GROUPS)}
    part = themes.assign(_g=themes["group"].map(gorder)).sort_values(["theme", "_g"])
    return pd.DataFrame([{"Theme": r.theme, "Ethnic group": lab.group_label(r.group),
                          "Cases": charts._count(r.cases, suppressed=bool(r.suppressed))}
                         for r in part.itertuples(index=False)],
                        columns=["Theme", "Ethnic group", "Cases"])


def audit_findings(findings: pd.DataFrame) -> list[Finding]:
    """One sentence per group of a (protected) round: its share graded good or better against
    the reference group's (the ratio's interval excluding 1 is significant, methods.md §1.6)."""
    out: list[Finding] = []
    gorder = {g: i for i, g in enumerate(GROUPS)}
    rows = findings[(findings["group"] != "ALL")
                    & (findings["group"] != findings["reference_group"])]
    rows = rows.assign(_g=rows["group"].map(gorder)).sort_values("_g")
    for r in rows.itertuples(index=False):
        hidden = charts.audit_ratio_hidden(r)
        status, text = ratio_sentence(
            f"audited cases of {lab.children_of(r.group)}",
            f"cases of {lab.children_of(r.reference_group)}", "be graded good or better",
            r.ratio, r.ratio_lower, r.ratio_upper, suppressed=hidden,
            measure_name="ratio of shares")
        if status == "not_available" and isinstance(r.ratio_reason, str):
            text = text[:-1] + f" ({r.ratio_reason.replace('_', ' ')})."
        out.append(Finding("graded_good_or_better", "audit", "", int(r.period), "ethnicity_group",
                           r.group, r.reference_group, status, text))
    return out


def audit_section(data: ReportData) -> Section:
    """The section: one subsection per audit round in the frames given, or an omitted one."""
    from arpkit.reports.pack import Section, Table

    title = "Audit findings"
    if data.audit_findings is None or data.audit_findings.empty:
        return Section("audit", title, omitted="no audit findings were given (arpkit report "
                                                "--audit-findings FILE.csv)")
    protected, cells = protect(data.audit_findings, threshold=data.threshold,
                               suppression=data.suppression)
    sec = Section("audit", title, paragraphs=[
        "Findings of thematic case audits: for a sample of cases drawn separately from each "
        "ethnic group, the share graded good or better (with Wilson intervals) and how that "
        "share compares with the reference group's (a ratio with its Katz interval; "
        "significant when the interval excludes 1). The all-cases share is weighted to the "
        "sampling frame. Themes count the cases with at least one comment tagged with the "
        "theme.",
    ])
    themes = (protect_themes(data.audit_themes, threshold=data.threshold,
                             suppression=data.suppression)
              if data.audit_themes is not None else None)
    for i, (_, part) in enumerate(protected.groupby("round_id", sort=False)):
        name, period = str(part["round"].iloc[0]), int(part["period"].iloc[0])
        sub = Section(f"audit-{i + 1}", f"{name} ({lab.period_label(period)})")
        sub.findings = audit_findings(part)
        sub.figures = [charts.audit_share_figure(part), charts.audit_ratio_figure(part)]
        sub.tables = [Table(f"{name}: the sample by ethnic group",
                            design_table(part, cells.loc[part.index]))]
        sec.subsections.append(sub)
    if themes is not None and len(themes):
        sec.subsections.append(Section("audit-themes", "Themes", paragraphs=[
            "How many audited cases had at least one comment tagged with each theme, by "
            "ethnic group. A theme describes what auditors noticed; it is not a grade."],
            tables=[Table("Cases with a comment tagged with each theme, by ethnic group",
                          themes_table(themes))]))
    return sec
