"""Plain-English sentences generated from the engine's numbers, never written by hand.

A headline sentence such as "Black children were 2.4 times as likely as White children to be
subject to a child protection plan at 31 March 2024 (95% CI 1.9 to 3.0)" is built from one row of
the metrics table: the group and reference group are named by their labels, the stage by what it
means for a child, and the interval and significance are the engine's own (methods.md §1.4 for
the disparity ratio, §1.3 for the disproportionality index, §1.6 for significance: the interval
excludes 1).  A result that is not significant gets a sentence saying so, and a suppressed one
says it "could not be reported because the numbers are small" and gives no number at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from arpkit.reports import labels as lab

SIGNIFICANT_HIGHER = "significant_higher"
SIGNIFICANT_LOWER = "significant_lower"
NOT_SIGNIFICANT = "not_significant"
SUPPRESSED = "suppressed"
NOT_AVAILABLE = "not_available"
#: Workforce statuses: the relative likelihood is oriented so that above 1 is adverse to
#: ethnic-minority staff (docs/workforce.md), so the tag names the direction, not "higher".
ADVERSE = "adverse"
FAVOURABLE = "favourable"
#: A comparison of figures with no test between them (the regional comparison's rates).
COMPARISON = "comparison"

#: Stages on the headline page, at 31 March (the DfE headline basis) then during the year.
HEADLINE_STAGES: tuple[str, ...] = ("cin", "cp_plan", "cla")


@dataclass(frozen=True)
class Finding:
    """One sentence about one comparison, with what it was built from."""

    measure: str
    stage: str
    basis: str
    period: int
    breakdown: str
    group: str
    reference_group: str | None
    status: str
    text: str

    @property
    def significant(self) -> bool:
        return self.status in (SIGNIFICANT_HIGHER, SIGNIFICANT_LOWER)


def ratio_text(value: float) -> str:
    """A ratio to two significant figures, as a reader says it: 2.4, 0.61, 12."""
    if value >= 10:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def limit_text(value: float) -> str:
    """An interval limit: as :func:`ratio_text`, with more decimals when that would round a
    limit to 1, so a significant interval never reads as if it touched 1."""
    text = ratio_text(value)
    digits = 2
    while value != 1 and text.strip("0").rstrip(".") in ("1", "1.") and digits < 5:
        text = f"{value:.{digits}f}"
        digits += 1
    return text


def _get(row: Mapping[str, object], key: str) -> object:
    value = row.get(key)
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _level(confidence: float) -> str:
    return f"{confidence * 100:.1f}".rstrip("0").rstrip(".") + "%"


def sentence(row: Mapping[str, object], *, confidence: float = 0.95) -> Finding:
    """The sentence for one metrics row: a ``disparity_ratio`` or a
    ``disproportionality_index`` (the columns of docs/metrics.md "The output contract")."""
    measure = str(row["measure"])
    if measure not in ("disparity_ratio", "disproportionality_index"):
        raise ValueError(f"no sentence for measure {measure!r}; expected disparity_ratio or "
                         "disproportionality_index")
    stage, basis, period = str(row["stage"]), str(row["basis"]), int(row["period"])  # type: ignore[call-overload]
    breakdown, group = str(row["breakdown"]), str(row["group"])
    reference = _get(row, "reference_group")
    who = lab.children_of(group)
    Who = who[0].upper() + who[1:]
    ref_who = lab.children_of(str(reference)) if reference else None
    what = lab.stage_phrase(stage, basis, period)
    ci = _level(confidence)
    value, lower, upper = (_get(row, k) for k in ("value", "ci_lower", "ci_upper"))
    significant = _get(row, "significant")

    def finding(status: str, text: str) -> Finding:
        return Finding(measure, stage, basis, period, breakdown, group,
                       str(reference) if reference else None, status, text)

    if measure == "disparity_ratio":
        subject = (f"How likely {who} were to be {what}, compared with "
                   f"{ref_who or 'the reference group'},")
    else:
        subject = f"Whether {who} were over- or under-represented among children {what}"
    if bool(_get(row, "suppressed")):
        return finding(SUPPRESSED, f"{subject} could not be reported because the numbers are "
                                   "small.")
    if value is None:
        why = (f"no {ref_who} were {what}" if measure == "disparity_ratio" and ref_who
               else "there is no population figure to compare with")
        return finding(NOT_AVAILABLE, f"{subject} could not be calculated because {why}.")
    v = float(value)  # type: ignore[arg-type]
    interval = (f" ({ci} CI {limit_text(float(lower))} to {limit_text(float(upper))})"  # type: ignore[arg-type]
                if lower is not None and upper is not None else "")
    if not significant:
        if measure == "disparity_ratio":
            return finding(NOT_SIGNIFICANT,
                           f"There was no statistically significant difference between {who} "
                           f"and {ref_who} in how likely they were to be {what} (disparity ratio "
                           f"{ratio_text(v)}{interval.replace(' (', ', ').rstrip(')')}).")
        return finding(NOT_SIGNIFICANT,
                       f"{Who} were not significantly over- or under-represented among children "
                       f"{what} (disproportionality index {ratio_text(v)}"
                       f"{interval.replace(' (', ', ').rstrip(')')}).")
    higher = v > 1
    status = SIGNIFICANT_HIGHER if higher else SIGNIFICANT_LOWER
    if measure == "disparity_ratio":
        if higher:
            text = (f"{Who} were {ratio_text(v)} times as likely as {ref_who} to be "
                    f"{what}{interval}.")
        else:
            text = (f"{Who} were less likely than {ref_who} to be {what}: {ratio_text(v)} times "
                    f"as likely{interval}.")
        return finding(status, text)
    side = "over-represented" if higher else "under-represented"
    return finding(status, f"{Who} were {side} among children {what}: {ratio_text(v)} times "
                           f"the number expected from their share of the child "
                           f"population{interval}.")


def findings(metrics_df: pd.DataFrame, *, stages: Sequence[str] = HEADLINE_STAGES,
             basis: str = "at_31_march", period: int | None = None,
             measures: Iterable[str] = ("disparity_ratio",),
             breakdown: str = "ethnicity_group") -> list[Finding]:
    """Every sentence for the given stages, basis and period (default the latest), in the
    order of the stages then the reporting order of the groups."""
    confidence = float(metrics_df.attrs.get("confidence", 0.95))
    measures = tuple(measures)
    rows = metrics_df[metrics_df["measure"].isin(measures)
                      & metrics_df["stage"].isin(stages)
                      & (metrics_df["basis"] == basis)
                      & (metrics_df["breakdown"] == breakdown)]
    if period is None:
        if rows.empty:
            return []
        period = int(rows["period"].max())
    rows = rows[rows["period"] == period]
    gorder = {g: i for i, g in enumerate(lab.group_order(breakdown))}
    sorder = {s: i for i, s in enumerate(stages)}
    morder = {m: i for i, m in enumerate(measures)}
    rows = rows.assign(_s=rows["stage"].map(sorder), _m=rows["measure"].map(morder),
                       _g=rows["group"].map(gorder)).sort_values(["_s", "_m", "_g"])
    return [sentence(r, confidence=confidence)
            for r in rows.drop(columns=["_s", "_m", "_g"]).to_dict("records")]


# --------------------------------------------------------------------------- workforce


def _is_true(value: object) -> bool:
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and math.isnan(value)) and bool(value)


def workforce_sentence(row: Mapping[str, object], *, confidence: float = 0.95,
                       band: Sequence[float] = (0.8, 1.25)) -> Finding | None:
    """The sentence for one relative likelihood (a row of :func:`arpkit.engine.workforce.
    workforce`), or ``None`` when there is nothing to say.

    Only a result that is statistically significant (the Katz interval excludes 1) or outside
    the practical-significance band gets a sentence (methods.md §2.2 reports the two
    separately, and so does the sentence); a suppressed row is handled by
    :func:`workforce_findings`, which names the groups that could not be reported.  The RL is
    oriented so that above 1 is adverse to ethnic-minority staff: for a beneficial outcome the
    sentence therefore compares White staff with the group ("White staff were 1.6 times as
    likely as ethnic-minority staff to be appointed from shortlisting"), for an adverse one the
    group with White staff.
    """
    indicator, group = str(row["indicator"]), str(row["group"])
    period = int(row["period"])  # type: ignore[call-overload]
    value, lower, upper = (_get(row, k) for k in ("value", "ci_lower", "ci_upper"))
    if _is_true(_get(row, "suppressed")) or value is None:
        return None
    position = _get(row, "band")
    significant = _is_true(_get(row, "significant"))
    if not significant and position not in ("above", "below"):
        return None
    v = float(value)  # type: ignore[arg-type]
    level = _get(row, "level")
    what = lab.indicator_phrase(indicator, period, str(level) if level else None)
    beneficial = _get(row, "orientation") == "beneficial_outcome"
    first, second = ("White staff", lab.staff_of(group)) if beneficial else (
        lab.staff_of(group), "White staff")
    First = first[0].upper() + first[1:]
    interval = (f" ({_level(confidence)} CI {limit_text(float(lower))} to "  # type: ignore[arg-type]
                f"{limit_text(float(upper))})" if lower is not None and upper is not None  # type: ignore[arg-type]
                else "")
    if v >= 1:
        text = f"{First} were {ratio_text(v)} times as likely as {second} to {what}{interval}"
    elif v == 0:
        text = (f"{First} were less likely than {second} to {what}: none of them did"
                f"{interval}")
    else:
        text = (f"{First} were less likely than {second} to {what}: {ratio_text(v)} times as "
                f"likely{interval}")
    bands = lab.band_text(band)
    if position in ("above", "below") and significant:
        text += f"; this is outside the {bands} band."
    elif position in ("above", "below"):
        text += (f"; this is outside the {bands} band, but the difference is not "
                 "statistically significant.")
    else:
        text += f"; the difference is statistically significant but within the {bands} band."
    status = ADVERSE if v > 1 else FAVOURABLE
    return Finding(indicator, "workforce", str(row.get("orientation") or ""), period,
                   str(row["breakdown"]), group, "WHITE", status, text)


def workforce_findings(workforce_df: pd.DataFrame, period: int, *,
                       groups: Sequence[str] = ("MINORITY", "MIXED", "ASIAN", "BLACK",
                                                "OTHER")) -> list[Finding]:
    """Every workforce sentence for ``period``: the significant or out-of-band relative
    likelihoods (authority-wide, and ``grade_or_above`` at each grade), then one sentence per
    indicator naming the groups whose figures were suppressed."""
    confidence = float(workforce_df.attrs.get("confidence", 0.95))
    band = workforce_df.attrs.get("band", (0.8, 1.25))
    df = workforce_df[(workforce_df["period"] == period) & workforce_df["group"].isin(groups)
                      & workforce_df["comparator"].eq("WHITE")
                      & workforce_df["breakdown"].isin(["all", "grade"])]
    out: list[Finding] = []
    hidden: dict[tuple[str, str | None], list[str]] = {}
    for row in df.to_dict("records"):
        if _is_true(row.get("suppressed")):
            level = row["level"] if row["indicator"] == "grade_or_above" else None
            hidden.setdefault((row["indicator"], level), []).append(row["group"])
            continue
        found = workforce_sentence(row, confidence=confidence, band=band)
        if found is not None:
            out.append(found)
    for (indicator, level), names in hidden.items():
        staff = [lab.staff_of(g) for g in names]
        listed = staff[0] if len(staff) == 1 else ", ".join(staff[:-1]) + " and " + staff[-1]
        text = (f"How likely {listed} were to {lab.indicator_phrase(indicator, period, level)}, "
                "compared with White staff, could not be reported because the numbers are "
                "small.")
        out.append(Finding(indicator, "workforce", "", period, "all", "|".join(names),
                           "WHITE", SUPPRESSED, text))
    return out


# --------------------------------------------------------------------------- peers and audits


def ratio_sentence(subject: str, reference: str, what: str, value: object, lower: object,
                   upper: object, *, suppressed: bool, confidence: float = 0.95,
                   measure_name: str = "ratio", tail: str = "") -> tuple[str, str]:
    """(status, sentence) for a ratio of ``subject`` to ``reference`` ("Black children",
    "White children") in how likely they were to ``what`` ("be graded good or better"), with
    the interval and the significance rule of methods.md §1.6 (the interval excludes 1).
    ``tail`` is appended inside the sentence (e.g. a comparison with the regional pool)."""
    Subject = subject[0].upper() + subject[1:]
    v, lo, hi = (_get({"x": x}, "x") for x in (value, lower, upper))
    if suppressed:
        return SUPPRESSED, (f"How likely {subject} were to {what}, compared with {reference}, "
                            f"could not be reported because the numbers are small{tail}.")
    if v is None:
        return NOT_AVAILABLE, (f"How likely {subject} were to {what}, compared with "
                               f"{reference}, could not be calculated{tail}.")
    v = float(v)  # type: ignore[arg-type]
    has_ci = lo is not None and hi is not None
    interval = (f"{_level(confidence)} CI {limit_text(float(lo))} to "  # type: ignore[arg-type]
                f"{limit_text(float(hi))}" if has_ci else "")  # type: ignore[arg-type]
    significant = has_ci and (float(lo) > 1 or float(hi) < 1)  # type: ignore[arg-type]
    if not significant:
        return NOT_SIGNIFICANT, (
            f"There was no statistically significant difference between {subject} and "
            f"{reference} in how likely they were to {what} ({measure_name} {ratio_text(v)}"
            f"{', ' + interval if interval else ''}){tail}.")
    if v > 1:
        return SIGNIFICANT_HIGHER, (f"{Subject} were {ratio_text(v)} times as likely as "
                                    f"{reference} to {what} ({interval}){tail}.")
    return SIGNIFICANT_LOWER, (f"{Subject} were less likely than {reference} to {what}: "
                               f"{ratio_text(v)} times as likely ({interval}){tail}.")
