"""SSDA903 (children looked after) code lists and table layouts, with the years each is valid.

Sources: ``../shared/docs/formats.md`` sections 1.1 (tables), 1.5 (codes) and 1.6 (year-by-year
changes), which summarise the LIIA column schema (``SSDA903_schema_2017.yml`` and its
``*.diff.yml`` patches) and the rule sets of ``data-to-insight/csc-validator-be-903``.  Where
the two disagree about when a code stops being valid (H5, P2, Z1) this module follows the 903
validator, because that is what DfE's own return checks and what authorities see.

Years are collection years named by the year they end (2025 = 1 April 2024 to 31 March 2025).
A code list answers two different questions, and readers treat the answers differently:
"is this a 903 code at all?" (an unknown code cannot be interpreted: an error) and "is it valid
in this return's year?" (a known code from the wrong year still has a clear meaning).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

#: ``(first, last)`` collection years in which a code is valid, inclusive; ``None`` = open end.
YearRange = tuple[int | None, int | None]


class CodeStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    NOT_YET = "not_yet"  # the code exists only from a later return year
    NO_LONGER = "no_longer"  # the code was withdrawn before this return year


@dataclass(frozen=True)
class CodeList:
    """One 903 code list: code -> label, plus validity years for codes that came or went."""

    name: str
    labels: Mapping[str, str]
    years: Mapping[str, YearRange] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return code in self.labels

    def status(self, code: str, year: int | None) -> CodeStatus:
        """Whether ``code`` may appear in the return for collection ``year`` (``None`` = any
        year, used when the year is not known)."""
        if code not in self.labels:
            return CodeStatus.UNKNOWN
        if year is None:
            return CodeStatus.OK
        first, last = self.years.get(code, (None, None))
        if first is not None and year < first:
            return CodeStatus.NOT_YET
        if last is not None and year > last:
            return CodeStatus.NO_LONGER
        return CodeStatus.OK

    def codes_for(self, year: int | None) -> tuple[str, ...]:
        """The codes valid in ``year`` (all codes when ``year`` is ``None``), in list order."""
        return tuple(c for c in self.labels if self.status(c, year) is CodeStatus.OK)

    def span(self, code: str) -> YearRange:
        return self.years.get(code, (None, None))


def _codes(*codes: str) -> dict[str, str]:
    """A code list whose labels are not needed (tables arpkit validates but does not count)."""
    return {c: "" for c in codes}


# ---------------------------------------------------------------------------------------------
# Episodes (formats.md 1.5): the lists arpkit counts on
# ---------------------------------------------------------------------------------------------

LS = CodeList("LS", {
    "C1": "Interim care order",
    "C2": "Full care order",
    "D1": "Freeing order granted",
    "E1": "Placement order granted",
    "V2": "Single period of accommodation under section 20",
    "V3": "Agreed series of short-term breaks, individual episodes recorded",
    "V4": "Agreed series of short-term breaks, agreements recorded",
    "L1": "Under police protection and in LA accommodation",
    "L2": "Emergency protection order",
    "L3": "Under child assessment order and in LA accommodation",
    "J1": "Remanded to LA accommodation or youth detention accommodation",
    "J2": "Placed in LA accommodation under PACE",
    "J3": "Sentenced to a youth rehabilitation order with residence or intensive fostering",
})

#: Legal statuses of agreed short-break series: DfE excludes these episodes from CLA counts.
SHORT_BREAK_LS: frozenset[str] = frozenset({"V3", "V4"})

PLACE = CodeList("PLACE", {
    "A3": "Placed for adoption with consent, with current foster carer(s)",
    "A4": "Placed for adoption with consent, not with current foster carer(s)",
    "A5": "Placed for adoption with placement order, with current foster carer(s)",
    "A6": "Placed for adoption with placement order, not with current foster carer(s)",
    "H5": "Semi-independent living not subject to children's homes regulations",
    "K1": "Secure children's home",
    "K2": "Children's home subject to Children's Homes Regulations",
    "K3": "Supported accommodation not subject to children's homes regulations",
    "P1": "Placed with own parent(s) or others with parental responsibility",
    "P2": "Independent living (flat, lodgings, bedsit, B&B, with friends)",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS/health trust or other establishment providing medical or nursing care",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution",
    "S1": "Residential school (not dual-registered as a children's home)",
    "T0": "All types of temporary move",
    "T1": "Temporary period in hospital",
    "T2": "Temporary absence on holiday",
    "T3": "Temporary accommodation while the foster carer is on holiday",
    "T4": "Temporary accommodation of seven days or less, not T1-T3",
    "U1": "Foster placement with relative or friend, long-term",
    "U2": "Foster placement with relative or friend who is an approved adopter",
    "U3": "Foster placement with relative or friend, not long-term or FFA",
    "U4": "Foster placement with other carer, long-term",
    "U5": "Foster placement with other carer who is an approved adopter",
    "U6": "Foster placement with other carer, not long-term or FFA",
    "Z1": "Other placements",
    # formats.md 1.5: the meanings of Z11-Z14 are not in the public sources; take the labels
    # from the DfE 903 guide before showing them to users.
    "Z11": "Other placements (subdivision 1; label to be confirmed)",
    "Z12": "Other placements (subdivision 2; label to be confirmed)",
    "Z13": "Other placements (subdivision 3; label to be confirmed)",
    "Z14": "Other placements (subdivision 4; label to be confirmed)",
}, years={
    # H5, P2 and Z1: the 903 validator accepts them to lac2024_25 and drops them in lac2025_26
    # (LIIA already drops H5 and P2 in 2025 and keeps Z1 in 2026).
    "H5": (None, 2025), "P2": (None, 2025), "Z1": (None, 2025),
    "K3": (2025, None),
    "Z11": (2026, None), "Z12": (2026, None), "Z13": (2026, None), "Z14": (2026, None),
})

#: Temporary moves (formats.md 1.2): counted as part of the surrounding placement.
TEMPORARY_PLACE: frozenset[str] = frozenset({"T0", "T1", "T2", "T3", "T4"})

PLACE_PROVIDER = CodeList("PLACE_PROVIDER", {
    "PR0": "Parent(s) or others with parental responsibility",
    "PR1": "Own LA",
    "PR2": "Other LA",
    "PR3": "Other public provision",
    "PR4": "Private provision",
    "PR5": "Voluntary/third sector provision",
})

RNE = CodeList("RNE", {
    "S": "Started to be looked after",
    "L": "Change of legal status only",
    "P": "Change of placement and carer(s) only",
    "T": "Change of placement, same carer(s)",
    "B": "Change of legal status and placement and carer(s) at the same time",
    "U": "Change of legal status and placement, same carer(s)",
})

REC = CodeList("REC", {
    "X1": "Episode ceases and a new one begins the same day",
    "E11": "Adopted, application unopposed",
    "E12": "Adopted, consent dispensed with by the court",
    "E13": "Left care to live with parent(s), relative(s) or others without parental "
           "responsibility",
    "E14": "Accommodation on remand ended",
    "E15": "Age assessment found the young person to be 18 or over",
    "E16": "Child moved abroad",
    "E17": "Aged 18 or over and remained with current carers (staying put)",
    "E2": "Died",
    "E3": "Care taken over by another LA in the UK",
    "E41": "Residence order / child arrangements order granted",
    "E43": "Special guardianship order to former foster carers",
    "E44": "Special guardianship order to other carers",
    "E45": "Special guardianship order to former foster carer(s) who are relatives or friends",
    "E46": "Special guardianship order to former foster carer(s) who are not relatives or "
           "friends",
    "E47": "Special guardianship order to relatives or friends who were not foster carers",
    "E48": "Special guardianship order to other carers",
    "E4A": "Returned home to parents or others with parental responsibility, as planned",
    "E4B": "Returned home, not part of care planning",
    "E5": "Moved to independent living with formalised support",
    "E6": "Moved to independent living without formalised support",
    "E7": "Transferred to residential care funded by adult social care",
    "E8": "Ceased for any other reason",
    "E9": "Sentenced to custody",
}, years={
    # LIIA SSDA903_schema_2019.diff.yml: E43/E44 replaced by E45-E48 from the 2019 return.
    "E43": (None, 2018), "E44": (None, 2018),
    "E45": (2019, None), "E46": (2019, None), "E47": (2019, None), "E48": (2019, None),
})

#: REC meaning "the child stays looked after": any other REC means the child left care.
REC_CONTINUES = "X1"

REASON_PLACE_CHANGE = CodeList("REASON_PLACE_CHANGE", {
    "CARPL": "Change to or implementation of the care plan",
    "CLOSE": "Provider resigned or provision closed",
    "ALLEG": "Allegation (section 47)",
    "STAND": "Standards of care concern",
    "APPRR": "Carer approval removed",
    "CREQB": "Carer request, child's behaviour",
    "CREQO": "Carer request, other reasons",
    "CHILD": "Child's request",
    "LAREQ": "Responsible or area authority request",
    "PLACE": "Change of placement status only",
    "CUSTOD": "Custody arrangement",
    "OTHER": "Other",
}, years={"CUSTOD": (2019, None)})

#: Category of need on episodes (N9 and N0 exist only in the CIN census).
EPISODE_CIN = CodeList("CIN", {
    "N1": "Abuse or neglect",
    "N2": "Child's disability",
    "N3": "Parental illness or disability",
    "N4": "Family in acute stress",
    "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour",
    "N7": "Low income",
    "N8": "Absent parenting",
})

# ---------------------------------------------------------------------------------------------
# Header and UASC
# ---------------------------------------------------------------------------------------------

#: First return year in which SEX is coded M/F/U instead of 1/2 (formats.md 1.6).
SEX_LETTERS_FROM_YEAR = 2025

#: Header SEX: 1/2 to 2024, M/F/U from 2025 (LIIA ``SSDA903_schema_2025.diff.yml``, 903
#: validator ``lac2024_25`` rule 101).  A numeric SEX in a 2025+ return is an error.
SEX = CodeList("SEX", {
    "1": "Male", "2": "Female", "M": "Male", "F": "Female", "U": "Unknown",
}, years={
    "1": (None, SEX_LETTERS_FROM_YEAR - 1), "2": (None, SEX_LETTERS_FROM_YEAR - 1),
    "M": (SEX_LETTERS_FROM_YEAR, None), "F": (SEX_LETTERS_FROM_YEAR, None),
    "U": (SEX_LETTERS_FROM_YEAR, None),
})

#: UASC SEX: the LIIA 2025 schema keeps 1/2 as synonyms of M/F in this table only.
UASC_SEX = CodeList("SEX", dict(SEX.labels), years={
    "M": (SEX_LETTERS_FROM_YEAR, None), "F": (SEX_LETTERS_FROM_YEAR, None),
    "U": (SEX_LETTERS_FROM_YEAR, None),
})

#: 0/1 flags (MOTHER, FOSTER_CARE, the OC2 flags).
FLAG = CodeList("flag", {"0": "No", "1": "Yes"})

# ---------------------------------------------------------------------------------------------
# Tables arpkit validates but does not count on (formats.md 1.5, "Other 903 lists")
# ---------------------------------------------------------------------------------------------

REVIEW_CODE = CodeList("REVIEW_CODE", _codes(*(f"PN{i}" for i in range(8))))
SDQ_REASON = CodeList("SDQ_REASON", _codes(*(f"SDQ{i}" for i in range(1, 6))))
PREV_PERM = CodeList("PREV_PERM", _codes("P1", "P2", "P3", "P4", "Z1"))
REASON_PLACED_CEASED = CodeList("REASON_PLACED_CEASED", _codes("RD1", "RD2", "RD3", "RD4"))
SEX_ADOPTR = CodeList("SEX_ADOPTR", _codes("M1", "F1", "MM", "FF", "MF"))
LS_ADOPTR = CodeList("LS_ADOPTR", _codes("L0", "L11", "L12", "L2", "L3", "L4"))
IN_TOUCH = CodeList("IN_TOUCH", _codes("YES", "NO", "DIED", "REFU", "NREQ", "RHOM"))
ACTIV = CodeList(
    "ACTIV",
    _codes("F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5", "G4", "G5", "G6", "0"),
    # LIIA SSDA903_schema_2022.diff.yml: F3/P3 replaced by F4/P4/F5/P5 from the 2022 return.
    years={"F3": (None, 2021), "P3": (None, 2021),
           "F4": (2022, None), "P4": (2022, None), "F5": (2022, None), "P5": (2022, None)},
)
ACCOM = CodeList("ACCOM", _codes(
    *(f"{letter}{n}" for letter in "BCDEGHKRSTUVWXYZ" for n in (1, 2)), "0",
))
MISSING = CodeList("MISSING", {"M": "Missing", "A": "Away from placement without authorisation"})
SW_REASON = CodeList("SW_REASON", _codes(
    "MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "SWDIED",
    "OTHERS",
))

# ---------------------------------------------------------------------------------------------
# Tables (formats.md 1.1) and the form of each column (LIIA ``canbeblank`` and types)
# ---------------------------------------------------------------------------------------------


class ColumnKind(StrEnum):
    ID = "id"  # CHILD: text, ".0" repair per column (formats.md 6.5)
    DATE = "date"  # dd/mm/yyyy
    CODE = "code"  # checked against ``codes`` for the return year; upper-cased first
    FLAG = "flag"  # 0/1; "1.0" is repaired with a warning
    INT = "int"  # whole number in [low, high]; "21.0" is repaired with a warning
    ETHNICITY = "ethnicity"  # passed on raw: the importer's normaliser owns ethnicity
    TEXT = "text"  # free text arpkit neither checks nor keeps (UPN, postcodes, URN, ...)


class Column(NamedTuple):
    name: str
    kind: ColumnKind
    required: bool = False
    codes: CodeList | None = None
    low: int | None = None
    high: int | None = None


class TableSpec(NamedTuple):
    """One 903 table: its columns in export order, the first return year it belongs to, and
    whether the return holds at most one row per child."""

    name: str
    columns: tuple[Column, ...]
    from_year: int | None = None
    one_row_per_child: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_K = ColumnKind
_CHILD = Column("CHILD", _K.ID, required=True)
_DOB = Column("DOB", _K.DATE, required=True)


def _flag(name: str) -> Column:
    return Column(name, _K.FLAG, codes=FLAG)


#: The twelve tables, keyed by the names the importer and reports use.
TABLES: dict[str, TableSpec] = {t.name: t for t in (
    TableSpec("header", (
        _CHILD,
        Column("SEX", _K.CODE, required=True, codes=SEX),
        _DOB,
        Column("ETHNIC", _K.ETHNICITY),
        Column("UPN", _K.TEXT),
        _flag("MOTHER"),
        Column("MC_DOB", _K.DATE),
    ), one_row_per_child=True),
    TableSpec("episodes", (
        _CHILD,
        Column("DECOM", _K.DATE, required=True),
        Column("RNE", _K.CODE, required=True, codes=RNE),
        Column("LS", _K.CODE, required=True, codes=LS),
        Column("CIN", _K.CODE, required=True, codes=EPISODE_CIN),
        Column("PLACE", _K.CODE, required=True, codes=PLACE),
        Column("PLACE_PROVIDER", _K.CODE, codes=PLACE_PROVIDER),
        Column("DEC", _K.DATE),
        Column("REC", _K.CODE, codes=REC),
        Column("REASON_PLACE_CHANGE", _K.CODE, codes=REASON_PLACE_CHANGE),
        Column("HOME_POST", _K.TEXT),
        Column("PL_POST", _K.TEXT),
        Column("URN", _K.TEXT),
    )),
    TableSpec("uasc", (
        _CHILD,
        Column("SEX", _K.CODE, required=True, codes=UASC_SEX),
        _DOB,
        Column("DUC", _K.DATE),
    ), one_row_per_child=True),
    TableSpec("reviews", (
        _CHILD, _DOB,
        Column("REVIEW", _K.DATE, required=True),
        Column("REVIEW_CODE", _K.CODE, required=True, codes=REVIEW_CODE),
    )),
    TableSpec("oc2", (
        _CHILD, _DOB,
        Column("SDQ_SCORE", _K.INT, low=0, high=40),
        Column("SDQ_REASON", _K.CODE, codes=SDQ_REASON),
        *(_flag(n) for n in ("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
                             "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
                             "INTERVENTION_OFFERED")),
    ), one_row_per_child=True),
    TableSpec("oc3", (
        _CHILD, _DOB,
        Column("IN_TOUCH", _K.CODE, required=True, codes=IN_TOUCH),
        Column("ACTIV", _K.CODE, required=True, codes=ACTIV),
        Column("ACCOM", _K.CODE, required=True, codes=ACCOM),
    ), one_row_per_child=True),
    TableSpec("ad1", (
        _CHILD, _DOB,
        Column("DATE_INT", _K.DATE, required=True),
        Column("DATE_MATCH", _K.DATE, required=True),
        Column("FOSTER_CARE", _K.FLAG, required=True, codes=FLAG),
        Column("NB_ADOPTR", _K.INT, required=True, low=1, high=2),
        Column("SEX_ADOPTR", _K.CODE, required=True, codes=SEX_ADOPTR),
        Column("LS_ADOPTR", _K.CODE, required=True, codes=LS_ADOPTR),
    ), one_row_per_child=True),
    TableSpec("placed_for_adoption", (
        _CHILD, _DOB,
        Column("DATE_PLACED", _K.DATE, required=True),
        Column("DATE_PLACED_CEASED", _K.DATE),
        Column("REASON_PLACED_CEASED", _K.CODE, codes=REASON_PLACED_CEASED),
    )),
    TableSpec("previous_permanence", (
        _CHILD, _DOB,
        Column("PREV_PERM", _K.CODE, required=True, codes=PREV_PERM),
        Column("LA_PERM", _K.TEXT),
        Column("DATE_PERM", _K.DATE),
    ), one_row_per_child=True),
    TableSpec("missing", (
        _CHILD, _DOB,
        Column("MISSING", _K.CODE, required=True, codes=MISSING),
        Column("MIS_START", _K.DATE, required=True),
        Column("MIS_END", _K.DATE),
    )),
    TableSpec("sw_episodes", (
        _CHILD, _DOB,
        Column("SW_ID", _K.TEXT, required=True),
        Column("SW_DECOM", _K.DATE, required=True),
        Column("SW_DEC", _K.DATE),
        Column("SW_REASON", _K.CODE, codes=SW_REASON),
    ), from_year=2024),
    TableSpec("DoLo", (
        _CHILD, _DOB,
        Column("DOLO_START", _K.DATE, required=True),
        Column("DOLO_END", _K.DATE),
    ), from_year=2027),
)}

#: Column names of each table in export order (the sets that identify a CSV file's table).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {n: t.column_names for n, t in TABLES.items()}

#: Tables every return must have for arpkit to count anything.
REQUIRED_TABLES: tuple[str, ...] = ("header", "episodes")
