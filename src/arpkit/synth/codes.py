"""Code lists and labels the synthetic writers use, by collection year.

Why a separate module: the writers must only emit codes that are valid for the return year they
write (docs/formats.md §1.5–1.6 for the SSDA903, §2.4–2.6 for the CIN census, §3.2 for Annex A
lettering), and tests check that against the LIIA schemas in ``../shared/data`` independently.
Everything here is a fact about the formats, not a modelling choice; the frequencies with which
codes are drawn live in ``default.yml``.
"""

from __future__ import annotations

from arpkit.engine.ethnicity import DFE_CODES

#: First and last collection years the generator supports: the years with a CIN XSD in
#: ``../shared/data/cin_census/xsd`` (the 2027 ``PreProceedingsandFGDM`` block is in no XSD).
FIRST_PERIOD = 2017
LAST_PERIOD = 2026

#: The 20 DfE ethnicity codes in DfE publication order (index = the code's number in the model).
ETHNIC_CODES: tuple[str, ...] = tuple(DFE_CODES)
KNOWN_ETHNIC: tuple[str, ...] = tuple(c for c in ETHNIC_CODES if c not in ("REFU", "NOBT"))
REFU = ETHNIC_CODES.index("REFU")
NOBT = ETHNIC_CODES.index("NOBT")

# --- CIN census (docs/formats.md §2.4) --------------------------------------------------------

#: Referral sources; ``5D`` (early help) only from 2023.
REFERRAL_SOURCES: tuple[str, ...] = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4",
    "5A", "5B", "5C", "6", "7", "8", "9", "10",
)
EARLY_HELP_SOURCE = "5D"
PRIMARY_NEEDS: tuple[str, ...] = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0")
CATEGORIES_OF_ABUSE: tuple[str, ...] = ("NEG", "PHY", "SAB", "EMO", "MUL")
DISABILITIES: tuple[str, ...] = (
    "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA",
)

#: Assessment factors the model draws, in a fixed order (bit i of a child's factor mask).
#: 18B/18C/19B/19C exist from 2021 and are written as 18A/19A before; 24A exists from 2022.
ASSESSMENT_FACTORS: tuple[str, ...] = (
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C",
    "6A", "6B", "6C", "7A", "8E", "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A",
    "18B", "18C", "19B", "19C", "20", "22A", "23A", "24A",
)
NO_FACTORS = "21"


def factor_code(code: str, period: int) -> str | None:
    """The factor as the given year's XSD spells it, or ``None`` if it did not exist yet."""
    if period < 2021 and code in ("18B", "18C"):
        return "18A"
    if period < 2021 and code in ("19B", "19C"):
        return "19A"
    if period < 2022 and code == "24A":
        return None
    return code


# --- SSDA903 (docs/formats.md §1.5, §1.6) ------------------------------------------------------

#: Legal statuses the model uses.  D1 (freeing order, none since 2005), V3/V4 (short breaks),
#: L3 and J2 are never generated: short-break episodes are excluded from CLA counts and would
#: need their own rules (365-367, 382, 384), and PACE detention (J2) lasts hours (rule 364).
LEGAL_STATUSES: tuple[str, ...] = ("C1", "C2", "E1", "V2", "L1", "L2", "J1", "J3")
#: Legal statuses a child under 10 may not have (validator rule 358).
YOUTH_JUSTICE_LS: frozenset[str] = frozenset({"J1", "J2", "J3"})


def placements_for(period: int) -> frozenset[str]:
    """Placement codes valid in the return year (H5/P2 to 2024 as LIIA has them, K3 from 2025).

    Temporary (T*) and other (Z*) placements are never generated, so the period-of-care rules
    380, 381 and 383 cannot be broken."""
    codes = {"A3", "A4", "A5", "A6", "K1", "K2", "P1", "R1", "R2", "R3", "R5", "S1",
             "U1", "U2", "U3", "U4", "U5", "U6"}
    if period <= 2024:
        codes |= {"H5", "P2"}
    else:
        codes.add("K3")
    return frozenset(codes)


def reasons_ceased_for(period: int) -> tuple[str, ...]:
    """REC codes other than X1 valid for the year (E45-E48 replace E43/E44 from 2019)."""
    sgo = ("E45", "E46", "E47", "E48") if period >= 2019 else ("E43", "E44")
    return ("E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", *sgo, "E5", "E6", "E7",
            "E9", "E14", "E15", "E16", "E17", "E8")


#: Placement provider allowed with each placement (rules 527-531 and 550: PR0 only with P1;
#: PR1/PR2 never with P1, R2, R5; PR3 never with P1, A3-A6, K1, K2, U1-U6; PR4/PR5 never P1).
PROVIDERS: dict[str, tuple[str, ...]] = {
    "P1": ("PR0",),
    "R2": ("PR3", "PR4"),
    "R5": ("PR3", "PR4"),
    "U1": ("PR1", "PR4", "PR5"), "U2": ("PR1", "PR4"), "U3": ("PR1", "PR4", "PR5"),
    "U4": ("PR1", "PR4", "PR5"), "U5": ("PR1", "PR4"), "U6": ("PR1", "PR4", "PR5"),
    "A3": ("PR1", "PR2", "PR5"), "A4": ("PR1", "PR2", "PR5"),
    "A5": ("PR1", "PR2", "PR5"), "A6": ("PR1", "PR2", "PR5"),
    "K1": ("PR1", "PR2", "PR4"), "K2": ("PR1", "PR4", "PR5"),
    "K3": ("PR1", "PR4", "PR5"), "H5": ("PR1", "PR4", "PR5"), "P2": ("PR1", "PR4"),
    "R1": ("PR1", "PR4", "PR5"), "R3": ("PR1", "PR4", "PR5"), "S1": ("PR3", "PR4", "PR5"),
}
#: Placements with an Ofsted URN (written as SC + six digits); rule 222 forbids a URN for H5,
#: P1, P2, P3, R1, R2, R5, T* and Z1.  Others get the placeholder ``XXXXXXX``.
URN_PLACEMENTS: frozenset[str] = frozenset({"K1", "K2", "K3"})
NO_URN_PLACEMENTS: frozenset[str] = frozenset({"H5", "P1", "P2", "P3", "R1", "R2", "R5"})
PLACE_CHANGE_REASONS: tuple[str, ...] = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "OTHER",
)

# --- Annex A (docs/formats.md §3.2) -------------------------------------------------------------

LETTER_ETHNICITY: dict[str, str] = {
    code: f"{letter}) {code}"
    for letter, code in zip("abcdefghijklmnopqrs", (
        "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
        "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU"), strict=True)
}
LETTER_ETHNICITY["NOBT"] = "s) NOBT"

#: Legacy and free-text labels as case systems export them (docs/formats.md §3.3); every one
#: names exactly one DfE code, so a competent normaliser can map it.
FREE_TEXT_ETHNICITY: dict[str, tuple[str, ...]] = {
    "WBRI": ("White - British", "White British", "A1 - White British"),
    "WIRI": ("White - Irish", "White Irish"),
    "WIRT": ("White - Traveller of Irish Heritage", "Traveller of Irish heritage"),
    "WOTH": ("White - Any other White background", "Any other White background"),
    "WROM": ("White - Gypsy/Roma", "Gypsy/Roma"),
    "MWBC": ("Mixed - White and Black Caribbean", "White and Black Caribbean"),
    "MWBA": ("Mixed - White and Black African", "White and Black African"),
    "MWAS": ("Mixed - White and Asian", "White and Asian"),
    "MOTH": ("Mixed - Any other mixed background", "Any other mixed background"),
    "AIND": ("Asian or Asian British - Indian", "Asian - Indian"),
    "APKN": ("Asian or Asian British - Pakistani", "Asian - Pakistani"),
    "ABAN": ("Asian or Asian British - Bangladeshi", "Asian - Bangladeshi"),
    "AOTH": ("Asian - Any other Asian background", "Any other Asian background"),
    "CHNE": ("Chinese", "Chinese [CHNE]"),
    "BCRB": ("Black or Black British - Caribbean", "Black Caribbean"),
    "BAFR": ("Black or Black British - African", "Black African"),
    "BOTH": ("Black - Any other Black background", "Any other Black background"),
    "OOTH": ("Any other ethnic group", "Other - Any other ethnic group"),
    "REFU": ("Refused", "Information refused"),
    "NOBT": ("Information not yet obtained", "Not yet obtained"),
}
#: Extended CBDS codes (docs/formats.md §4.4) for the codes that have common ones; children
#: drawn for an extended code whose main code has none get a free-text label instead.
EXTENDED_ETHNICITY: dict[str, tuple[str, ...]] = {
    "WBRI": ("WENG", "WSCO", "WWEL"),
    "WOTH": ("WEEU", "WWEU", "WTUK"),
    "MWAS": ("MWAP", "MWAI"),
    "MOTH": ("MOTM",),
    "APKN": ("AKPA", "AMPK"),
    "AOTH": ("ANEP", "ASLT"),
    "BAFR": ("BSOM", "BNGN", "BGHA"),
    "BOTH": ("BOTB",),
    "CHNE": ("CHKC",),
    "OOTH": ("OKRD", "OARA", "OLAM"),
}
#: Junk seen in real returns (docs/formats.md §3.3, §6.8): not mappable to any code.
JUNK_ETHNICITY: tuple[str, ...] = ("XXXX", "#MULTIVALUE")

#: Annex A label styles, in the order the config lists their shares.
LABEL_STYLES: tuple[str, ...] = ("lettered", "bare_code", "free_text", "extended_code", "junk")

SEX_LABELS: dict[str, tuple[str, str]] = {
    # lettered form, bare form
    "M": ("a) Male", "Male"), "F": ("b) Female", "Female"), "U": ("c) Not stated/recorded",
                                                                  "Not stated"),
}

_SOURCE_GROUPS = {
    "1": "Individual", "2A": "Schools", "2B": "Education services", "3": "Health services",
    "4": "Housing", "5": "LA services", "6": "Police", "7": "Other legal agency", "8": "Other",
    "9": "Anonymous", "10": "Unknown",
}


def _source_group(code: str) -> str:
    for key in (code, code[:1]):
        if key in _SOURCE_GROUPS:
            return _SOURCE_GROUPS[key]
    raise KeyError(code)


#: ``q) 6: Police`` style labels (LIIA lettering: a)-d) 1A-1D ... u) 10).  5D has no letter.
ANNEX_A_SOURCE: dict[str, str] = {
    code: f"{letter}) {code}: {_source_group(code)}"
    for letter, code in zip("abcdefghijklmnopqrstu", REFERRAL_SOURCES, strict=True)
}
ANNEX_A_SOURCE["5D"] = "5D: LA services - early help"

PRIMARY_NEED_LABELS: dict[str, str] = {
    "N1": "N1 - Abuse or Neglect", "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness", "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction", "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income", "N8": "N8 - Absent parenting",
    "N9": "N9 - Cases other than children in need", "N0": "N0 - Not stated",
}
CLOSURE_LABELS: dict[str, str] = {
    "RC1": "RC1 - Adopted", "RC2": "RC2 - Died", "RC3": "RC3 - Child arrangements order",
    "RC4": "RC4 - Special guardianship order",
    "RC5": "RC5 - Transferred to services of another local authority",
    "RC6": "RC6 - Transferred to adult social care services",
    "RC7": "RC7 - Services ceased for any other reason",
    "RC8": "RC8 - Case closed after assessment, no further action",
    "RC9": "RC9 - Case closed after assessment, referred to early help",
}
ABUSE_LABELS: dict[str, str] = {
    "NEG": "a) Neglect", "PHY": "b) Physical abuse", "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse", "MUL": "e) Multiple/not recommended",
}
CASE_STATUS: dict[str, str] = {
    "cla": "a) Looked after child", "cp": "b) Child Protection plan",
    "cin": "c) Child in need plan", "assessment": "d) Open assessment",
    "closed": "e) Closed episode",
}
LEGAL_STATUS_LABELS: dict[str, str] = {
    "C1": "C1: ICO", "C2": "C2: FCO", "E1": "E1: Placement order",
    "V2": "V2: Single period under S20", "L1": "L1: Police protection", "L2": "L2: EPO",
    "J1": "J1: Remanded", "J2": "J2: PACE", "J3": "J3: Youth rehabilitation order",
}
_PLACEMENT_ORDER = ("U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6", "P1", "P2",
                    "P3", "H5", "K1", "K2", "R1", "R2", "R3", "R5", "S1", "Z1", "T0", "T1",
                    "T2", "T3", "T4")
_PLACEMENT_LETTERS = (*"abcdefghijklmnopqrstuvwxyz", "zz")
PLACEMENT_LABELS: dict[str, str] = {
    code: f"{letter}) {code}"
    for letter, code in zip(_PLACEMENT_LETTERS, _PLACEMENT_ORDER, strict=True)
}
PLACEMENT_LABELS["K3"] = "K3: Supported accommodation"  # no LIIA letter yet (formats §3.2)
PROVIDER_LABELS: dict[str, str] = {
    "PR0": "a) PR0 - Parent(s)", "PR1": "b) PR1 - Own provision",
    "PR2": "c) PR2 - Other LA provision", "PR3": "d) PR3 - Other public provision",
    "PR4": "e) PR4 - Private provision", "PR5": "f) PR5 - Voluntary/third sector provision",
}
_REC_ORDER = ("E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
              "E5", "E6", "E7", "E9", "E14", "E15", "E16", "E8", "X1", "E17")
REASON_CEASED_LABELS: dict[str, str] = {
    code: f"{letter}) {code}" for letter, code in zip("abcdefghijklmnopqrstuv", _REC_ORDER,
                                                     strict=True)
}
REASON_CEASED_LABELS.update({"E43": "E43", "E44": "E44"})  # pre-2019 codes, no letter
YES, NO = "a) Yes", "b) No"
