"""Plain-English names for the engine's codes, shared by the charts, sentences and workbook.

The engine speaks in codes (``cp_plan``, ``at_31_march``, ``BLACK``); a report for leaders,
Ofsted and partners must not.  Every label a reader sees comes from here, so a chart, the
sentence under it and the workbook's "Read me" always use the same words.  Group labels follow
DfE's 2025 CLA publication (:data:`arpkit.engine.ethnicity.GROUP_LABELS`); code labels are the
CIN census XSD's (:data:`arpkit.engine.ethnicity.DFE_CODES`).
"""

from __future__ import annotations

from arpkit.engine.ethnicity import DFE_CODES, GROUP_LABELS, GROUPS

#: GSS symbols used in the pack (methods.md §3; the Government Statistical Service list).
SUPPRESSED = "c"  # confidential: hidden by disclosure control
NOT_AVAILABLE = "x"  # not available: no published figure / nothing to compare with
NOT_APPLICABLE = "z"  # not applicable: e.g. a rate for a group with no population
LOW = "k"  # would round to zero but is not zero (published DfE tables)

SYMBOL_MEANINGS: dict[str, str] = {
    SUPPRESSED: "confidential: hidden so that no child can be identified (counts of 1 to 5, "
                "and any count or figure from which a hidden count could be worked out)",
    LOW: "low: a figure that would round to zero but is not zero (published DfE tables)",
    NOT_AVAILABLE: "not available: the figure does not exist for this period or area, or "
                   "the reference group has no children to compare with",
    NOT_APPLICABLE: "not applicable: for example a rate for a group with no population "
                    "denominator (refused, not obtained, not recorded)",
}

STAGE_LABELS: dict[str, str] = {
    "contact": "Contacts",
    "early_help": "Early help",
    "referral": "Referrals",
    "assessment": "Assessments",
    "s47": "Section 47 enquiries",
    "cin": "Children in need",
    "cp_plan": "Child protection plans",
    "cla": "Children looked after",
}

BASIS_LABELS: dict[str, str] = {
    "in_year": "during the year",
    "at_31_march": "at 31 March",
}

MEASURE_LABELS: dict[str, str] = {
    "rate_per_10k": "Rate per 10,000 children",
    "disproportionality_index": "Disproportionality index",
    "disparity_ratio": "Disparity ratio",
    "stage_conversion": "Stage conversion",
    "rri": "Relative rate index",
}

#: What a child "was" at each stage, for sentences: (in the year, on 31 March).
_STAGE_PHRASES: dict[str, tuple[str | None, str | None]] = {
    "contact": ("the subject of a contact with children's social care", None),
    "early_help": ("assessed for early help", "receiving early help"),
    "referral": ("referred to children's social care", None),
    "assessment": ("assessed by children's social care", None),
    "s47": ("the subject of a section 47 enquiry", None),
    "cin": ("referred and accepted as in need", "in need"),
    "cp_plan": ("made subject to a child protection plan",
                "subject to a child protection plan"),
    "cla": ("starting to be looked after", "looked after"),
}

#: How to name the children of each group in a sentence.
_GROUP_CHILDREN: dict[str, str] = {
    "WHITE": "White children",
    "MIXED": "children of Mixed or Multiple ethnicity",
    "ASIAN": "Asian or Asian British children",
    "BLACK": "Black children",
    "OTHER": "children from other ethnic groups",
}
_CODE_CHILDREN: dict[str, str] = {
    "WBRI": "White British children",
    "WIRI": "White Irish children",
    "WIRT": "Traveller of Irish heritage children",
    "WOTH": "children from any other White background",
    "WROM": "Gypsy or Roma children",
    "MWBC": "White and Black Caribbean children",
    "MWBA": "White and Black African children",
    "MWAS": "White and Asian children",
    "MOTH": "children from any other Mixed background",
    "AIND": "Indian children",
    "APKN": "Pakistani children",
    "ABAN": "Bangladeshi children",
    "AOTH": "children from any other Asian background",
    "CHNE": "Chinese children",
    "BCRB": "Black Caribbean children",
    "BAFR": "Black African children",
    "BOTH": "children from any other Black background",
    "OOTH": "children from any other ethnic group",
}


def period_label(period: int) -> str:
    """A collection year by its financial-year name: 2024 -> ``2023-24``."""
    return f"{int(period) - 1}-{int(period) % 100:02d}"


def stage_title(stage: str, basis: str | None = None) -> str:
    """A short heading: ``Child protection plans at 31 March``."""
    label = STAGE_LABELS.get(stage, stage.replace("_", " "))
    return f"{label} {BASIS_LABELS[basis]}" if basis else label


def stage_phrase(stage: str, basis: str, period: int) -> str:
    """What the children were, in words that fit "… were N times as likely … to be <phrase>":
    ``subject to a child protection plan at 31 March 2024`` or ``referred to children's social
    care during 2023-24``."""
    in_year, at_march = _STAGE_PHRASES.get(stage, (stage.replace("_", " "), None))
    if basis == "at_31_march":
        return f"{at_march or in_year} at 31 March {int(period)}"
    return f"{in_year} during {period_label(period)}"


def group_label(group: str, breakdown: str = "ethnicity_group") -> str:
    """The label of a group in tables and charts (DfE wording; codes with their code)."""
    if breakdown == "ethnicity_code" or (group in DFE_CODES and group not in GROUP_LABELS):
        code = DFE_CODES.get(group)
        return f"{code.label} ({group})" if code else GROUP_LABELS.get(group, group)
    if " | " in group:
        return " | ".join(group_label(part) for part in group.split(" | "))
    return GROUP_LABELS.get(group, group)


def children_of(group: str) -> str:
    """How a sentence names the children of a group or code: ``Black children``."""
    if group in _CODE_CHILDREN:
        return _CODE_CHILDREN[group]
    if group in _GROUP_CHILDREN:
        return _GROUP_CHILDREN[group]
    return f"children recorded as {group_label(group).lower()}"


def group_order(breakdown: str) -> list[str]:
    """The reporting order of the groups of an ethnic breakdown."""
    if breakdown == "ethnicity_code":
        return [*DFE_CODES, "UNKNOWN"]
    return list(GROUPS)


# --------------------------------------------------------------------------- workforce

#: Short names of the workforce indicators (docs/workforce.md), for tables and charts.
INDICATOR_LABELS: dict[str, str] = {
    "appointment_from_shortlisting": "Appointed from shortlisting",
    "formal_disciplinary": "Entering a formal disciplinary process",
    "disciplinary_outcome:no_case_to_answer": "Formal case: no case to answer",
    "disciplinary_outcome:management_advice": "Formal case: management advice",
    "disciplinary_outcome:written_warning": "Formal case: written warning",
    "disciplinary_outcome:final_written_warning": "Formal case: final written warning",
    "disciplinary_outcome:dismissal": "Formal case: dismissal",
    "disciplinary_outcome:resigned": "Formal case: resigned",
    "non_mandatory_training": "Attending non-mandatory training",
    "leaving": "Leaving",
    "grievance_upheld": "Grievance upheld",
    "grade_or_above": "At grade or above",
    "representation": "Representation",
}

#: What the staff did, for "… times as likely as White staff to <phrase>".
_INDICATOR_PHRASES: dict[str, str] = {
    "appointment_from_shortlisting": "be appointed from shortlisting",
    "formal_disciplinary": "enter a formal disciplinary process",
    "disciplinary_outcome:no_case_to_answer": "have a formal disciplinary case closed with "
                                              "no case to answer",
    "disciplinary_outcome:management_advice": "receive management advice after a formal "
                                              "disciplinary process",
    "disciplinary_outcome:written_warning": "receive a written warning after a formal "
                                            "disciplinary process",
    "disciplinary_outcome:final_written_warning": "receive a final written warning after a "
                                                  "formal disciplinary process",
    "disciplinary_outcome:dismissal": "be dismissed after a formal disciplinary process",
    "disciplinary_outcome:resigned": "resign during a formal disciplinary process",
    "non_mandatory_training": "attend non-mandatory training",
    "leaving": "leave the authority",
    "grievance_upheld": "have a grievance upheld",
}

_GROUP_STAFF: dict[str, str] = {
    "MINORITY": "ethnic-minority staff",
    "WHITE": "White staff",
    "MIXED": "staff of Mixed or Multiple ethnicity",
    "ASIAN": "Asian or Asian British staff",
    "BLACK": "Black staff",
    "OTHER": "staff from other ethnic groups",
    "REFUSED": "staff who preferred not to say their ethnicity",
    "NOT_OBTAINED": "staff whose ethnicity is not recorded",
}


def indicator_label(indicator: str, level: str | None = None) -> str:
    """A workforce indicator's short name; ``grade_or_above`` names its grade."""
    if indicator == "grade_or_above" and level:
        return f"At grade {level} or above"
    return INDICATOR_LABELS.get(indicator, indicator.replace("_", " "))


def indicator_phrase(indicator: str, period: int, level: str | None = None) -> str:
    """What the staff did, with the year: ``enter a formal disciplinary process in 2024-25``,
    ``be at grade SC4 or above on 31 March 2025``."""
    if indicator == "grade_or_above":
        return f"be at grade {level} or above on 31 March {int(period)}"
    phrase = _INDICATOR_PHRASES.get(indicator, indicator.replace("_", " "))
    return f"{phrase} in {period_label(period)}"


def staff_of(group: str) -> str:
    """How a sentence names the staff of a group: ``ethnic-minority staff``."""
    return _GROUP_STAFF.get(group, f"staff recorded as {group_label(group).lower()}")


def staff_group_label(group: str) -> str:
    """A group's label in workforce tables (``MINORITY`` is every known group but White)."""
    if group == "MINORITY":
        return "All ethnic-minority groups"
    return group_label(group)


def band_text(band: object) -> str:
    """``0.80-1.25`` from the engine's ``attrs['band']``."""
    low, high = (float(b) for b in band)  # type: ignore[union-attr]
    return f"{low:.2f}-{high:.2f}"


#: Area types of :func:`arpkit.engine.aggregates.compare_with_peers`, in display order.
AREA_TYPES: tuple[str, ...] = ("authority", "peer", "region", "england")


def area_label(area_type: str, area: object) -> str:
    """How a comparison row's area is named: ``This authority (999)``, ``Peer 998``."""
    if area_type == "authority":
        return f"This authority ({area})"
    if area_type == "peer":
        return f"Peer authority {area}"
    if area_type == "region":
        return "Regional pool"
    return "England"
