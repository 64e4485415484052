"""Code lists of the statutory returns, shared by the readers and the validators.

One section per return.  Each list is a ``dict`` of code -> label (labels as the DfE/LIIA
schemas word them, shortened where the schema text is a paragraph) plus a ``frozenset`` of the
codes for fast membership tests.  Codes that are valid only in some collection years have a
``..._YEARS`` map of code -> :data:`YearRange`; :func:`valid_in_year` answers "may this code
appear in the return for this year?".

Years are collection years named by the year they end (2023 = 1 April 2022 to 31 March 2023),
the convention of ``../shared/docs/formats.md`` and of the LIIA schema file names.
"""

from __future__ import annotations

from collections.abc import Mapping

#: ``(first, last)`` collection years in which a code is valid, inclusive; ``None`` = open end.
YearRange = tuple[int | None, int | None]


def valid_in_year(code: str, year: int, years: Mapping[str, YearRange]) -> bool:
    """True when ``code`` may appear in the return for collection ``year``.

    Codes absent from ``years`` are valid in every year; callers check membership of the code
    list itself separately (an unknown code and a code from the wrong year are different
    problems with different severities).
    """
    span = years.get(code)
    if span is None:
        return True
    first, last = span
    return (first is None or year >= first) and (last is None or year <= last)


# ---------------------------------------------------------------------------------------------
# CIN census (formats.md section 2.4; enumerations of ../data/cin_census/xsd/CIN_schema_*.xsd)
# ---------------------------------------------------------------------------------------------

#: ReferralSource.  5D (LA services: early help) exists from the 2023 collection.
CIN_REFERRAL_SOURCES: dict[str, str] = {
    "1A": "Individual: family member, relative or carer",
    "1B": "Individual: acquaintance (including neighbours and child minders)",
    "1C": "Individual: self",
    "1D": "Individual: other (including strangers)",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health services: general practitioner (GP)",
    "3B": "Health services: health visitor",
    "3C": "Health services: school nurse",
    "3D": "Health services: other primary health services",
    "3E": "Health services: A&E (accident and emergency department)",
    "3F": "Health services: other (for example hospice)",
    "4": "Housing: local authority housing or housing association",
    "5A": "LA services: social care (for example adult social care services)",
    "5B": "LA services: other internal (for example youth offending, excluding housing)",
    "5C": "LA services: external (for example another LA's adult social care services)",
    "5D": "LA services: early help",
    "6": "Police",
    "7": "Other legal agency (courts, probation, immigration, Cafcass or prison)",
    "8": "Other (children's centres, independent agency providers, voluntary organisations)",
    "9": "Anonymous",
    "10": "Unknown",
}
CIN_REFERRAL_SOURCE_CODES: frozenset[str] = frozenset(CIN_REFERRAL_SOURCES)
CIN_REFERRAL_SOURCE_YEARS: dict[str, YearRange] = {"5D": (2023, None)}

#: ReasonForClosure.  RC9 (closed after assessment, referred to early help) from 2023.
CIN_CLOSURE_REASONS: dict[str, str] = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Transferred to services of another local authority",
    "RC6": "Transferred to adult social care services",
    "RC7": "Services ceased for any other reason, including child no longer in need",
    "RC8": "Case closed after assessment, no further action",
    "RC9": "Case closed after assessment, referred to early help",
}
CIN_CLOSURE_REASON_CODES: frozenset[str] = frozenset(CIN_CLOSURE_REASONS)
CIN_CLOSURE_REASON_YEARS: dict[str, YearRange] = {"RC9": (2023, None)}

#: PrimaryNeedCode.  N9 and N0 exist only in the CIN census (the SSDA903 CIN column is N1-N8).
CIN_PRIMARY_NEEDS: dict[str, str] = {
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental disability or illness",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
    "N9": "Cases other than children in need",
    "N0": "Not stated",
}
CIN_PRIMARY_NEED_CODES: frozenset[str] = frozenset(CIN_PRIMARY_NEEDS)
#: Labels that changed: the 2026 schema relabels N1 (the code and its meaning for counting
#: are unchanged, so this is a label for reports only).
CIN_PRIMARY_NEED_LABELS_FROM_2026: dict[str, str] = {"N1": "Abuse, neglect and exploitation"}

#: InitialCategoryOfAbuse and LatestCategoryOfAbuse on child protection plans.
CIN_ABUSE_CATEGORIES: dict[str, str] = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "EMO": "Emotional abuse",
    "MUL": "Multiple/not recommended",
}
CIN_ABUSE_CATEGORY_CODES: frozenset[str] = frozenset(CIN_ABUSE_CATEGORIES)

#: Disability.  NONE means "no disability"; any other code means the child is disabled.
CIN_DISABILITIES: dict[str, str] = {
    "NONE": "No disability",
    "MOB": "Mobility",
    "HAND": "Hand function",
    "PC": "Personal care",
    "INC": "Incontinence",
    "COMM": "Communication",
    "LD": "Learning",
    "HEAR": "Hearing",
    "VIS": "Vision",
    "BEH": "Behaviour",
    "CON": "Consciousness",
    "AUT": "Autism",
    "DDA": "Other",
}
CIN_DISABILITY_CODES: frozenset[str] = frozenset(CIN_DISABILITIES)
CIN_NO_DISABILITY = "NONE"

#: AssessmentFactors (factors identified at the end of an assessment).
CIN_ASSESSMENT_FACTORS: dict[str, str] = {
    "1A": "Alcohol misuse by the child",
    "1B": "Alcohol misuse by the parent(s)/carer(s)",
    "1C": "Alcohol misuse by another person living in the household",
    "2A": "Drug misuse by the child",
    "2B": "Drug misuse by the parent(s)/carer(s)",
    "2C": "Drug misuse by another person living in the household",
    "3A": "Domestic violence: the child is the subject",
    "3B": "Domestic violence: the parent(s)/carer(s) are the subject",
    "3C": "Domestic violence: another person living in the household is the subject",
    "4A": "Mental health of the child",
    "4B": "Mental health of the parent(s)/carer(s)",
    "4C": "Mental health of another person in the family/household",
    "5A": "Learning disability of the child",
    "5B": "Learning disability of the parent(s)/carer(s)",
    "5C": "Learning disability of another person in the family/household",
    "6A": "Physical disability or illness of the child",
    "6B": "Physical disability or illness of the parent(s)/carer(s)",
    "6C": "Physical disability or illness of another person in the family/household",
    "7A": "Young carer",
    "8B": "Privately fostered: overseas children who intend to return",
    "8C": "Privately fostered: overseas children who intend to stay",
    "8D": "Privately fostered: UK children in educational placements",
    "8E": "Privately fostered: UK children making alternative family arrangements",
    "8F": "Privately fostered: other",
    "9A": "Unaccompanied asylum-seeking child (UASC)",
    "10A": "Going or being missing",
    "11A": "Child sexual exploitation",
    "12A": "Trafficking",
    "13A": "Gangs",
    "14A": "Socially unacceptable behaviour",
    "15A": "Self-harm",
    "16A": "Abuse or neglect: neglect",
    "17A": "Abuse or neglect: emotional abuse",
    "18A": "Abuse or neglect: physical abuse",
    "18B": "Abuse or neglect: physical abuse (child on child)",
    "18C": "Abuse or neglect: physical abuse (adult on child)",
    "19A": "Abuse or neglect: sexual abuse",
    "19B": "Abuse or neglect: sexual abuse (child on child)",
    "19C": "Abuse or neglect: sexual abuse (adult on child)",
    "20": "Other",
    "21": "No factors identified",
    "22A": "Female genital mutilation (FGM)",
    "23A": "Abuse linked to faith or belief",
    "24A": "Child criminal exploitation",
}
CIN_ASSESSMENT_FACTOR_CODES: frozenset[str] = frozenset(CIN_ASSESSMENT_FACTORS)
#: 18B/18C/19B/19C replaced 18A/19A in the 2021 schema (LIIA keeps 18A/19A "due to client
#: request 08/25", which is why they stay in the code list but are out of year from 2021);
#: 24A arrived in 2022.
CIN_ASSESSMENT_FACTOR_YEARS: dict[str, YearRange] = {
    "18A": (None, 2020),
    "19A": (None, 2020),
    "18B": (2021, None),
    "18C": (2021, None),
    "19B": (2021, None),
    "19C": (2021, None),
    "24A": (2022, None),
}
#: The factor that marks an unaccompanied asylum-seeking child.
CIN_UASC_FACTOR = "9A"

#: UPNunknown: reasons a UPN is not given.  The XSDs carry no labels for these.
CIN_UPN_UNKNOWN_CODES: frozenset[str] = frozenset(f"UN{i}" for i in range(1, 8))

#: GenderCurrent (to 2024) and Sex (2025 on).  Both map to M/F/U via values.normalise_sex.
CIN_GENDER_CURRENT: dict[str, str] = {
    "1": "Male",
    "2": "Female",
    "0": "Not recorded or unborn",
    "9": "Indeterminate",
}
CIN_GENDER_CURRENT_CODES: frozenset[str] = frozenset(CIN_GENDER_CURRENT)
CIN_SEX: dict[str, str] = {"M": "Male", "F": "Female", "U": "Unknown"}
CIN_SEX_CODES: frozenset[str] = frozenset(CIN_SEX)
#: First collection year whose schema has ``Sex`` instead of ``GenderCurrent``.
CIN_SEX_FROM_YEAR = 2025

#: First collection year whose schema allows ``CINPlanDates``.
CIN_PLAN_DATES_FROM_YEAR = 2022
