"""Reader for the Ofsted Annex A workbook (the child-level lists an inspection asks for).

Why a dedicated reader: Annex A is a hand-assembled Excel workbook, not a validated return, so its
sheet names, header spellings and cell values drift between authorities and years
(docs/formats.md §3 and §6).  This reader therefore

* opens the workbook with openpyxl in read-only, ``data_only`` mode so formulas yield the value
  Excel cached; a formula without a cached value is reported, never evaluated (§3.4).  Those
  are found by scanning the sheet XML (only when it holds any formula at all) rather than by a
  second openpyxl pass, which would double the read time;
* matches sheets leniently (``List 1``, ``List1``, ``list 1``, ``List 1 - Contacts``) and says
  which of Lists 1-11 were found and which are missing (§6.3);
* finds the header row within the first :data:`HEADER_SEARCH_ROWS` rows and matches headers by
  careful per-column patterns kept as data in :data:`HEADER_PATTERNS` (§3.1, §6.2, §6.4);
* reads lettered values (``q) 6: Police``), Excel and ``dd/mm/yyyy`` dates and ids stored as
  numbers with the shared parsers in :mod:`arpkit.engine.values` (§3.2, §6.5, §6.11);
* passes on only what the statistics need: worker names, personal advisers, postcodes, placement
  locations and URNs, family identifiers and UPNs are never read, and List 11 (adopters, who are
  adults) is only counted.

Every problem is logged (file, ``List 3!F7`` cell or ``List 3 row 7``, field, value); nothing
raises for bad content.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from arpkit.engine.records import ChildRecord, Chunk, EventRecord, Reader, ReadSettings, event
from arpkit.engine.values import (
    EARLIEST_PLAUSIBLE,
    clean_identifier,
    clean_text,
    leading_code,
    normalise_sex,
    parse_bool,
    parse_uk_date,
    strip_letter,
)

__all__ = [
    "HEADER_PATTERNS",
    "HEADER_SEARCH_ROWS",
    "REQUIRED_FIELDS",
    "AnnexAReader",
    "list_number",
    "normalise_header",
]

# ------------------------------------------------------------------------------------------------
# Header patterns (data).  Each pattern is a regular expression that must match the WHOLE header
# after normalise_header() (lower case, trimmed, runs of spaces collapsed, curly quotes made
# straight, a doubled "))" made single).  Patterns are deliberately narrow: LIIA's loose
# ``.*age.*`` also matches "Stage", "Average" and "Percentage" (formats.md §3.1).
# Fields that are recognised only so they are not reported as unknown (and are never read) are
# listed in PRIVATE_FIELDS.
# ------------------------------------------------------------------------------------------------

_CHILD: dict[str, list[str]] = {
    "child_id": [
        r"(la )?(child unique|unique child|child'?s?) (id|identifier|ref|reference)"
        r"( (number|no\.?))?",
        r"lachildid",
        r"childid",
    ],
    "gender": [r"(child'?s? )?(gender|sex)( current)?", r"gender ?/ ?sex", r"sex ?/ ?gender"],
    "ethnicity": [r"(child'?s? )?ethnicity( code)?", r"ethnic (group|origin|code)"],
    "birth_date": [r"(child'?s? )?(date of birth|birth ?date|dob)( \(dd/mm/yyyy\))?"],
    "age": [r"(child'?s? )?age( of child)?( \((years|yrs)\))?", r"age in years"],
    "upn": [r"upn", r"unique pupil number"],
}
_DISABILITY: dict[str, list[str]] = {
    "disability": [
        r"does the child have a disability\??",
        r"disabilit(y|ies)( \(y/n\))?",
        r"disabled( \(y/n\))?",
    ],
}
_TEAM: dict[str, list[str]] = {
    "team": [r"(allocated )?team( name)?"],
    "worker": [r"(allocated )?(social )?worker( name)?"],
}
_UASC_8 = [r"unaccompanied asylum seeking child \(uasc\) within the last 12 months( \(y/n\))?",
           r"uasc( within the last 12 months)?( \(y/n\))?"]
_UASC_9 = [r"unaccompanied asylum seeking child \(uasc\),? or formerly uasc if 18 or over"
           r"( \(y/n\))?",
           r"uasc,? or formerly uasc( if 18 or over)?( \(y/n\))?",
           r"uasc( \(y/n\))?"]

#: List number -> field name -> accepted header patterns (full match on the normalised header).
HEADER_PATTERNS: dict[int, dict[str, list[str]]] = {
    1: {
        **_CHILD,
        "contact_date": [r"date of contact", r"contact date"],
        "contact_source": [r"contact source", r"source of contact"],
    },
    2: {
        **_CHILD,
        "eh_start": [r"(early help )?assessment start date",
                     r"date (early help )?assessment started"],
        "eh_end": [r"(early help )?assessment (completion|completed|end) date",
                   r"date (early help )?assessment (completed|ended)"],
        "organisation": [r"organisation completing (the )?assessment"],
    },
    3: {
        **_CHILD,
        "referral_date": [r"date of referral", r"referral date"],
        "referral_source": [r"referral source", r"source of referral"],
        "referral_nfa": [r"referral nfa\??", r"referral no further action\??"],
        "referrals_12m": [r"number of referrals in (the )?last 12 months"],
        **_TEAM,
    },
    4: {
        **_CHILD,
        **_DISABILITY,
        "assessment_start": [r"continuous assessment start date",
                             r"(continuous )?assessment start date"],
        "child_seen": [r"child seen during (continuous )?assessment\??"],
        "assessment_end": [r"continuous assessment date of authori[sz]ation",
                           r"(continuous )?assessment (authori[sz]ation|authori[sz]ed) date",
                           r"date of authori[sz]ation"],
        "requires_support": [r"was the child assessed as requiring la children'?s social care"
                             r" support\??"],
        **_TEAM,
    },
    5: {
        **_CHILD,
        **_DISABILITY,
        "s47_start": [r"strategy discussion initiating section 47 enquiry start date",
                      r"(section|s) ?47 enquiry start date",
                      r"date of strategy discussion( initiating (section|s) ?47 enquiry)?"],
        "icpc_unnecessary": [r"was an initial child protection conference deemed unnecessary\??",
                             r"icpc (deemed )?unnecessary\??"],
        "icpc_date": [r"date of initial child protection conference", r"date of icpc",
                      r"icpc date"],
        "icpc_plan": [r"did the initial child protection conference result in a child protection"
                      r" plan\??",
                      r"did the icpc result in a (child protection|cp) plan\??"],
        "s47_12m": [r"number of section 47 enquiries in the last 12 months"],
        "icpc_12m": [r"number of icpcs in the last 12 months"],
        **_TEAM,
    },
    6: {
        **_CHILD,
        **_DISABILITY,
        "cin_start": [r"cin start date", r"child in need start date"],
        "need_code": [r"primary need( code)?"],
        "last_seen": [r"date child was last seen"],
        "cin_end": [r"cin closure date", r"child in need closure date", r"cin end date"],
        "closure_reason": [r"reason for closure", r"closure reason"],
        "case_status": [r"case status"],
        **_TEAM,
    },
    7: {
        **_CHILD,
        **_DISABILITY,
        "cpp_start": [r"child protection plan start date", r"(cp|cpp) (plan )?start date"],
        "initial_category": [r"initial category of abuse"],
        "latest_category": [r"latest category of abuse"],
        "last_visit": [r"date of (the )?last statutory visit"],
        "seen_alone": [r"was the child seen alone\??"],
        "latest_review": [r"date of (the )?latest review conference"],
        "cpp_end": [r"child protection plan end date", r"(cp|cpp) (plan )?end date"],
        "epo": [r"subject to emergency protection order or protected under police powers in last"
                r" six months( \(y/n\))?"],
        "previous_plans": [r"number of previous child protection plans"],
        **_TEAM,
    },
    8: {
        **_CHILD,
        "uasc": _UASC_8,
        **_DISABILITY,
        "cla_start": [r"date started to be looked after", r"date (child )?became looked after"],
        "cla_need": [r"child'?s category of need", r"category of need"],
        "second_period": [r"is this a second or subsequent period of being a looked after child"
                          r" within the last 12 months( \(y/n\))?"],
        "legal_status_start": [r"start date of (the )?current legal status"],
        "legal_status": [r"child'?s legal status", r"legal status"],
        "latest_review": [r"date of (the )?latest statutory review"],
        "last_sw_visit": [r"date of (the )?last social work visit"],
        "permanence_plan": [r"what is the permanence plan for this child\??"],
        "last_iro": [r"date of (the )?last iro visit ?/ ?contact to the child"],
        "health_assessment": [r"date of (the )?last health assessment"],
        "dental_check": [r"date of (the )?last dental check"],
        "placements_12m": [r"number of placements in the last 12 months"],
        "cla_end": [r"date ceased to be looked after"],
        "reason_ceased": [r"reason ceased to be looked after"],
        "placement_start": [r"start date of (the )?most recent placement"],
        "placement_type": [r"placement type", r"type of placement"],
        "placement_provider": [r"placement provider"],
        "placement_postcode": [r"placement post ?code"],
        "placement_urn": [r"urn of placement", r"placement urn"],
        "placement_location": [r"placement location"],
        "placement_la": [r"la of placement"],
        "missing_12m": [r"number of episodes the child has been \"?'?missing'?\"? from their"
                        r" placement in the last 12 months"],
        "absent_12m": [r"number of episodes the child has been \"?'?absent'?\"? from their"
                       r" placement in the last 12 months"],
        "return_offered": [r"was the child offered a return interview after their last missing"
                           r" episode( \(y/n\))?\??"],
        "return_accepted": [r"did the child accept a return interview after their last missing"
                            r" episode( \(y/n\))?\??"],
        **_TEAM,
    },
    9: {
        **_CHILD,
        "uasc": _UASC_9,
        **_DISABILITY,
        **_TEAM,
        "personal_adviser": [r"(allocated )?personal advis[eo]r( name)?"],
        "eligibility": [r"eligibility category"],
        "pathway_review": [r"latest pathway plan review date"],
        "in_touch": [r"la in touch"],
        "latest_contact": [r"latest date of contact"],
        "accommodation": [r"type of accommodation"],
        "accommodation_suitable": [r"suitability of accommodation"],
        "activity": [r"activity status"],
    },
    10: {
        **_CHILD,
        "family_id": [r"family (id|identifier|ref|reference)"],
        **_DISABILITY,
        "entered_care": [r"date the child entered care"],
        "adm_decision": [r"date of decision that (the )?child should be placed for adoption"],
        "placement_order": [r"date of placement order"],
        "matched": [r"date of matching (the )?child and prospective adopters"],
        "placed_for_adoption": [r"date placed for adoption"],
        "adoption_order": [r"date of adoption order"],
        "no_longer_decision": [r"date of decision that (the )?child should no longer be placed for"
                               r" adoption"],
        "no_longer_reason": [r"reason why (the )?child (is )?no longer placed for adoption"],
        "ffa_placed": [r"date the child was placed for fostering in ffa or concurrent planning"
                       r" placement"],
    },
    # List 11 is about adopters (adults).  Only the header is matched, to find where the rows
    # start so they can be counted; no cell below it is ever interpreted.
    11: {
        "adopter_id": [r"individual adopter (id|identifier)"],
        "family_id": [r"family (id|identifier|ref|reference)"],
        "enquiry_date": [r"date (of )?enquiry received"],
        "stage1_start": [r"date stage 1 started"],
        "application_approved": [r"date application approved"],
    },
}

#: The standard header text for each field, used in messages ("expected a 'Date of Referral'
#: column").  Fields without an entry are named by their field name.
HEADER_LABELS: dict[str, str] = {
    "child_id": "Child Unique ID", "gender": "Gender", "ethnicity": "Ethnicity",
    "birth_date": "Date of Birth", "age": "Age", "disability": "Does the Child have a Disability",
    "team": "Allocated Team", "worker": "Allocated Worker",
    "contact_date": "Date of Contact", "contact_source": "Contact Source",
    "eh_start": "Assessment start date", "eh_end": "Assessment completion date",
    "organisation": "Organisation completing assessment",
    "referral_date": "Date of Referral", "referral_source": "Referral Source",
    "referral_nfa": "Referral NFA?",
    "assessment_start": "Continuous Assessment Start Date",
    "assessment_end": "Continuous Assessment Date of Authorisation",
    "requires_support": "Was the child assessed as requiring LA children's social care support?",
    "s47_start": "Strategy discussion initiating Section 47 Enquiry Start Date",
    "icpc_unnecessary": "Was an Initial Child Protection Conference deemed unnecessary?",
    "icpc_date": "Date of Initial Child Protection Conference",
    "icpc_plan": "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "cin_start": "CIN Start Date", "need_code": "Primary Need Code",
    "cin_end": "CIN Closure Date", "closure_reason": "Reason for Closure",
    "case_status": "Case Status",
    "cpp_start": "Child Protection Plan Start Date",
    "initial_category": "Initial Category of Abuse",
    "latest_category": "Latest Category of Abuse", "cpp_end": "Child Protection Plan End Date",
    "uasc": "Unaccompanied Asylum Seeking Child (UASC)",
    "cla_start": "Date Started to be Looked After", "cla_need": "Child's Category of Need",
    "legal_status": "Child's Legal Status", "cla_end": "Date Ceased to be Looked After",
    "reason_ceased": "Reason Ceased to be Looked After", "placement_type": "Placement Type",
    "placement_provider": "Placement Provider",
}

#: Columns without which a list cannot be counted: the child id, the ethnicity and the date that
#: puts the child on the list (Lists 9-10 produce no events, so they need no key date).
REQUIRED_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("child_id", "ethnicity", "contact_date"),
    2: ("child_id", "ethnicity", "eh_start"),
    3: ("child_id", "ethnicity", "referral_date"),
    4: ("child_id", "ethnicity", "assessment_start"),
    5: ("child_id", "ethnicity", "s47_start"),
    6: ("child_id", "ethnicity", "cin_start"),
    7: ("child_id", "ethnicity", "cpp_start"),
    8: ("child_id", "ethnicity", "cla_start"),
    9: ("child_id", "ethnicity"),
    10: ("child_id", "ethnicity"),
    11: (),
}

#: Recognised so they are not reported as unknown, but never read: names of staff, adopter and
#: family links, postcodes, placement locations and URNs, and UPNs (data minimisation).
PRIVATE_FIELDS: frozenset[str] = frozenset({
    "worker", "personal_adviser", "family_id", "upn", "placement_postcode", "placement_location",
    "placement_urn",
})

#: Date columns.  Every one is validated (an unreadable date is an error naming the cell), also
#: in lists and columns that produce no records, because a bad date signals a bad export.
DATE_FIELDS: frozenset[str] = frozenset({
    "birth_date", "contact_date", "eh_start", "eh_end", "referral_date", "assessment_start",
    "assessment_end", "s47_start", "icpc_date", "cin_start", "last_seen", "cin_end", "cpp_start",
    "last_visit", "latest_review", "cpp_end", "cla_start", "legal_status_start", "last_sw_visit",
    "last_iro", "health_assessment", "dental_check", "cla_end", "placement_start",
    "pathway_review", "latest_contact", "entered_care", "adm_decision", "placement_order",
    "matched", "placed_for_adoption", "adoption_order", "no_longer_decision", "ffa_placed",
})

#: The date that puts a row on its list, and the stage of the event it becomes.
KEY_DATE: dict[int, str] = {
    1: "contact_date", 2: "eh_start", 3: "referral_date", 4: "assessment_start",
    5: "s47_start", 6: "cin_start", 7: "cpp_start", 8: "cla_start",
}
STAGE_OF_LIST: dict[int, str] = {
    1: "contact", 2: "early_help", 3: "referral", 4: "assessment", 5: "s47", 6: "cin",
    7: "cp_plan", 8: "cla",
}

#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 10
#: Lists that must be present unless ``allow_partial`` (Lists 9-11 are reported if missing).
CORE_LISTS: tuple[int, ...] = tuple(range(1, 9))
ALL_LISTS: tuple[int, ...] = tuple(range(1, 12))

# ------------------------------------------------------------------------------------------------
# Code lists (formats.md §1.5 and §2.4).  Values are checked after the letter prefix is removed
# and the leading code read (``q) 6: Police`` -> ``6``); the letter itself is never trusted.
# ------------------------------------------------------------------------------------------------

def _codes(text: str) -> frozenset[str]:
    """A code list written as one space-separated string (easier to check against the spec)."""
    return frozenset(text.split(" "))


REFERRAL_SOURCES = _codes("1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10")
CIN_NEED_CODES = frozenset(f"N{i}" for i in range(10))
CLA_NEED_CODES = frozenset(f"N{i}" for i in range(1, 9))
CLOSURE_REASONS = frozenset(f"RC{i}" for i in range(1, 10))
LEGAL_STATUSES = _codes("C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3")
PLACEMENT_TYPES = _codes(
    "A3 A4 A5 A6 H5 K1 K2 K3 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1 Z11"
    " Z12 Z13 Z14")
REASONS_CEASED = _codes(
    "X1 E11 E12 E13 E14 E15 E16 E17 E2 E3 E41 E43 E44 E45 E46 E47 E48 E4A E4B E5 E6 E7 E8 E9")
PLACEMENT_PROVIDERS = frozenset(f"PR{i}" for i in range(6))
ABUSE_CODES = frozenset({"NEG", "PHY", "SAB", "EMO", "MUL"})
#: Category-of-abuse labels (Annex A letters a-e, and plain labels as in the samples).
ABUSE_LABELS: dict[str, str] = {
    "neglect": "NEG", "physical": "PHY", "physical abuse": "PHY", "sexual": "SAB",
    "sexual abuse": "SAB", "emotional": "EMO", "emotional abuse": "EMO", "multiple": "MUL",
    "multiple/not recommended": "MUL", "multiple / not recommended": "MUL",
    "not recommended": "MUL",
}

#: Team cells that mean "no team" (formats.md §3.3); they become None and are counted.
TEAM_PLACEHOLDERS = frozenset({"#n/a", "n/a", "nan", "-", ".", "<blank>", "null", "none"})

#: Yes/no cells meaning "not known" (lettered c) Unknown on disability and ICPC outcome).
_UNKNOWN_ANSWERS = frozenset({"unknown", "not known", "c) unknown", "nobt", "refu", "refused",
                              "not obtained", "nobt - information not yet obtained"})
_NFA_WORDS: dict[str, bool] = {"nfa": True, "no further action": True, "fa": False,
                               "further action": False}
_DISABILITY_WORDS: dict[str, bool] = {
    "none": False, "no disability": False, "mob": True, "hand": True, "pc": True, "inc": True,
    "comm": True, "ld": True, "hear": True, "vis": True, "beh": True, "con": True, "aut": True,
    "dda": True,
}
_UASC_WORDS: dict[str, bool] = {"uasc": True, "non-uasc": False}

_LIST_SHEET = re.compile(r"\blist\s*[-_.]?\s*(\d{1,2})(?!\d)")
_CURLY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                        "“": '"', "”": '"', "„": '"', "\u00a0": " ", "_": " "})
_BRACKET_CODE = re.compile(r"[\[(]([A-Za-z0-9]{1,5})[\])]\s*$")
_DASHED = re.compile(r"^\s*(\S+)\s*[-–:]\s*(.+?)\s*$")

#: What a damaged sheet part raises while openpyxl streams it (bad zip entry, bad XML).
_CORRUPT = (OSError, KeyError, EOFError, SyntaxError, zipfile.BadZipFile, zlib.error)

_COMPILED: dict[int, list[tuple[str, list[re.Pattern[str]]]]] = {
    n: [(name, [re.compile(p) for p in pats]) for name, pats in fields.items()]
    for n, fields in HEADER_PATTERNS.items()
}


def list_number(sheet_name: str) -> int | None:
    """The Annex A list a sheet holds (1-11), from a leniently matched name: ``List 1``,
    ``List1``, ``list 1``, ``List_1``, ``List 1 - Contacts`` (formats.md §3.4, LIIA issue 5)."""
    m = _LIST_SHEET.search(" ".join(sheet_name.lower().split()))
    if not m:
        return None
    n = int(m[1])
    return n if 1 <= n <= 11 else None


def normalise_header(value: object) -> str:
    """A header cell as matched against :data:`HEADER_PATTERNS`: trimmed, lower case, runs of
    white space collapsed, curly quotes and non-breaking spaces made plain, ``))`` made ``)``
    (the List 8 UASC header has a doubled parenthesis in the samples, formats.md §3.1)."""
    text = " ".join(str(value).translate(_CURLY).split()).lower()
    return re.sub(r"\){2,}", ")", text)


def _match_field(list_no: int, header: str) -> str | None:
    for name, patterns in _COMPILED[list_no]:
        if any(p.fullmatch(header) for p in patterns):
            return name
    return None


# ------------------------------------------------------------------------------------------------
# Cell value conversion.  Each raises ValueError with a plain-English reason.
# ------------------------------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) is None)


def _as_text(value: object) -> str | None:
    """A cell as trimmed text; integral numbers without the ``.0`` Excel gives them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean_text(str(value))


def _to_date(value: object) -> dt.date | None:
    """Excel dates as they are; text as ``dd/mm/yyyy`` (or ISO after an Excel re-save), never
    month-first; a bare number means the cell is not formatted as a date (formats.md §3.4)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("is a true/false value, not a date")
    if isinstance(value, int | float):
        raise ValueError(
            "is a number in a cell that is not formatted as a date (an Excel serial number?); "
            "format the column as a date or type the date as dd/mm/yyyy")
    if isinstance(value, str):
        text = clean_text(value)
        if text is None:
            return None
        return parse_uk_date(text)
    raise ValueError("is not a date (expected an Excel date or dd/mm/yyyy text)")


def _to_identifier(value: object) -> str:
    if _is_blank(value):
        raise ValueError("is blank")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise ValueError("is a date, not an identifier")
    return clean_identifier(value)


def _to_yes_no(value: object, words: dict[str, bool] | None = None) -> bool | None:
    """Yes/no in any of Annex A's forms: ``Yes``/``No``, ``Y``/``N``, ``a) Yes``/``b) No``,
    ``1 - Yes``/``0 - No``, Excel TRUE/FALSE; ``c) Unknown`` and similar are None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _as_text(value)
    if text is None:
        return None
    folded = text.lower()
    bare = strip_letter(text).lower()
    if folded in _UNKNOWN_ANSWERS or bare in _UNKNOWN_ANSWERS:
        return None
    if words:
        for key in (folded, bare):
            if key in words:
                return words[key]
    candidates = [text, bare]
    m = _DASHED.match(bare)
    if m:
        candidates += [m[1], m[2]]
    for candidate in candidates:
        try:
            return parse_bool(candidate)
        except ValueError:
            continue
    raise ValueError(f"is not a yes/no value: {text!r}")


def _to_code(text: str, valid: frozenset[str]) -> str | None:
    """The code in a lettered or labelled value (``a) U1: Foster ...`` -> ``U1``), or None if no
    valid code can be read from it."""
    code = leading_code(text)
    if code in valid:
        return code
    m = _BRACKET_CODE.search(text)
    if m and m[1].upper() in valid:
        return m[1].upper()
    return None


def _to_abuse_category(text: str) -> str | None:
    label = strip_letter(text).strip().lower()
    if label in ABUSE_LABELS:
        return ABUSE_LABELS[label]
    for suffix in (" only",):
        if label.endswith(suffix) and label[: -len(suffix)] in ABUSE_LABELS:
            return ABUSE_LABELS[label[: -len(suffix)]]
    return _to_code(text, ABUSE_CODES)


def _to_sex(text: str) -> str:
    try:
        return normalise_sex(strip_letter(text))
    except ValueError:
        return normalise_sex(text)


def _detail(**items: Any) -> str | None:
    kept = {k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in items.items() if v is not None}
    return json.dumps(kept, sort_keys=True, separators=(",", ":")) if kept else None


def _march_31_on_or_after(day: dt.date) -> int:
    """The collection year (named by the year it ends) whose 31 March is on or after ``day``."""
    return day.year if (day.month, day.day) <= (3, 31) else day.year + 1


# ------------------------------------------------------------------------------------------------
# The reader
# ------------------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One list sheet once its header row is known."""

    list_no: int
    title: str
    header_row: int
    columns: dict[str, int]
    header_text: dict[int, str]


@dataclass
class _Child:
    """What the lists say about one child so far, and where the kept values came from."""

    values: list[Any]  # ethnicity, sex, birth_date, disabled, uasc
    where: str

    @property
    def completeness(self) -> int:
        return sum(v is not None for v in self.values[:3])


@dataclass
class _Tally:
    """Unrecognised values of one column: counts and the first cell, reported once each."""

    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, str] = field(default_factory=dict)
    label_kept: bool = False


class AnnexAReader(Reader):
    """Reads one Ofsted Annex A workbook into children and pathway events.

    Lists 1-8 each give one event per row (contact, early help, referral, assessment, s47,
    cin, cp_plan, cla); Lists 9-10 are validated and counted and contribute to the children
    only; List 11 (adopters) is counted and nothing else.  See the module docstring for the
    rules and docs/formats.md §3 for the format.
    """

    kind: ClassVar[str] = "annex_a"

    def __init__(self, paths: Sequence[Path], settings: ReadSettings | None = None) -> None:
        super().__init__(paths, settings)
        self._file = self.paths[0].name if self.paths else ""
        self._children: dict[str, _Child] = {}
        self._pending: list[EventRecord] = []
        self._tallies: dict[tuple[str, str, str], _Tally] = {}
        self._latest_contact: dt.date | None = None
        self._latest_any: dt.date | None = None
        self._stage_counts: Counter[str] = Counter()
        self._details: dict[str, Any] = self.meta.details

    # -- detection --------------------------------------------------------------------------

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        """True for an .xlsx (a zip) with at least one sheet recognisable as ``List N``.

        Reads only the workbook part that lists the sheets, so sniffing is cheap."""
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            names = _sheet_names(Path(path))
        except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
            return False
        return any(list_number(name) is not None for name in names)

    # -- reading ----------------------------------------------------------------------------

    def chunks(self) -> Iterator[Chunk]:
        if len(self.paths) != 1:
            self.problems.error(", ".join(p.name for p in self.paths), "", "", None,
                                f"an Annex A import takes exactly one workbook, "
                                f"not {len(self.paths)} files")
            return
        path = self.paths[0]
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            why = "it is not a zip file" if isinstance(exc, zipfile.BadZipFile) else str(exc)
            self.problems.error(
                self._file, "", "", None,
                f"is not an Excel .xlsx workbook ({why}); if it is a CSV or an old .xls file, "
                "open it in Excel and save it as an Excel Workbook (.xlsx)")
            return
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # any reason openpyxl cannot open it is one problem, not a crash
            archive.close()
            self.problems.error(self._file, "", "", None,
                                f"cannot be opened as an Excel .xlsx workbook: {exc}")
            return
        try:
            yield from self._read_workbook(workbook, archive)
        finally:
            workbook.close()
            archive.close()

    def _read_workbook(self, workbook: Any, archive: zipfile.ZipFile) -> Iterator[Chunk]:
        found = self._map_sheets(workbook.sheetnames)
        try:
            parts = _sheet_parts(archive)
        except _CORRUPT:
            parts = {}
        rows_per_list: dict[str, int] = {}
        self._details.update({"rows_per_list": rows_per_list, "header_rows": {},
                              "blank_rows": {}, "extra_columns": {}, "team_placeholders": {}})
        for n in sorted(found):
            title = found[n]
            try:
                worksheet = workbook[title]
                if not hasattr(worksheet, "iter_rows"):
                    self.problems.error(self._file, title, "", None,
                                        "is a chart, not a worksheet; Annex A lists must be "
                                        "worksheets")
                    continue
                worksheet.reset_dimensions()  # some exporters write a wrong <dimension>
                uncached: list[tuple[int, int, str]] = []
                if n != 11:  # List 11 is never interpreted, so its formulas do not matter
                    if title in parts:
                        uncached = _uncached_formulas(archive, parts[title])
                    else:
                        self.problems.warning(self._file, title, "", None,
                                              "could not locate this sheet inside the file to "
                                              "check its formulas have saved values")
                count = self._read_sheet(n, title, worksheet.iter_rows(values_only=True),
                                         uncached)
            except _CORRUPT as exc:  # a corrupt sheet is one problem; the others still read
                self.problems.error(self._file, title, "", None,
                                    f"this sheet could not be read: {exc}")
                continue
            if count is not None:
                rows_per_list[f"List {n}"] = count
                self.meta.rows += count
            while len(self._pending) >= self.settings.chunk_size:
                batch = self._pending[: self.settings.chunk_size]
                del self._pending[: self.settings.chunk_size]
                yield Chunk(events=batch)
        self._report_tallies()
        self._set_period()
        children = [
            ChildRecord(cid, *c.values) for cid, c in self._children.items()
        ]
        self._details["children"] = len(children)
        self._details["events_per_stage"] = dict(self._stage_counts)
        if self._pending or children:
            size = self.settings.chunk_size
            for start in range(0, max(len(children), len(self._pending)), size):
                yield Chunk(children=children[start:start + size],
                            events=self._pending[start:start + size])
        self._pending = []

    def _map_sheets(self, names: Sequence[str]) -> dict[int, str]:
        found: dict[int, str] = {}
        extra: list[str] = []
        for name in names:
            n = list_number(name)
            if n is None:
                extra.append(name)
            elif n in found:
                self.problems.error(self._file, name, "", name,
                                    f"sheets {found[n]!r} and {name!r} both look like List {n}; "
                                    f"keep one of them (only {found[n]!r} was read)")
            else:
                found[n] = name
        missing = [n for n in ALL_LISTS if n not in found]
        self._details.update({
            "lists_found": sorted(found), "lists_missing": missing,
            "sheets": {f"List {n}": t for n, t in sorted(found.items())},
            "extra_sheets": extra,
        })
        if not found:
            self.problems.error(self._file, "", "", None,
                                "has no sheet named like 'List 1' ... 'List 11', so it is not an "
                                f"Annex A workbook (its sheets are: {', '.join(names)})")
            return found
        core_missing = [n for n in missing if n in CORE_LISTS]
        other_missing = [n for n in missing if n not in CORE_LISTS]
        if core_missing:
            names_missing = ", ".join(f"List {n}" for n in core_missing)
            if self.settings.allow_partial:
                self.problems.warning(self._file, "", "", None,
                                      f"is missing {names_missing}; loaded as a partial workbook "
                                      "(allow_partial), so stages from those lists are absent")
            else:
                self.problems.error(self._file, "", "", None,
                                    f"is missing {names_missing}; add the missing sheets, or "
                                    "load a partial workbook on purpose with allow_partial")
        if other_missing:
            self.problems.warning(self._file, "", "", None,
                                  "has no " + ", ".join(f"List {n}" for n in other_missing)
                                  + " (not needed for counting)")
        if extra:
            self.problems.warning(self._file, "", "", None,
                                  "sheets ignored because they are not Annex A lists: "
                                  + ", ".join(repr(e) for e in extra))
        return found

    # -- one sheet --------------------------------------------------------------------------

    def _read_sheet(self, n: int, title: str, rows: Iterator[tuple],
                    uncached: list[tuple[int, int, str]]) -> int | None:
        """Find the header, check the columns, read the rows.  Returns the data-row count."""
        head: list[tuple] = []
        for values in rows:
            head.append(values)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        sheet = self._find_header(n, title, head)
        self._report_uncached(title, sheet, uncached)
        if sheet is None:
            return None
        data = _data_rows(head, sheet.header_row, rows)
        if n == 11:
            return self._count_rows(sheet, data)
        if not self._check_required(sheet):
            return self._count_rows(sheet, data)
        return self._read_rows(sheet, data)

    def _find_header(self, n: int, title: str, head: list[tuple]) -> _Sheet | None:
        best: tuple[int, int, dict[str, list[int]], dict[int, str]] | None = None
        for index, values in enumerate(head):
            columns: dict[str, list[int]] = {}
            texts: dict[int, str] = {}
            for col, cell in enumerate(values):
                if _is_blank(cell):
                    continue
                texts[col] = clean_text(str(cell)) or ""
                name = _match_field(n, normalise_header(cell))
                if name is not None:
                    columns.setdefault(name, []).append(col)
            if len(columns) >= 2 and (best is None or len(columns) > best[1]):
                best = (index, len(columns), columns, texts)
        if best is None:
            expected = ", ".join(
                repr(HEADER_LABELS.get(f, f)) for f in REQUIRED_FIELDS[n]) or "its usual headers"
            log = self.problems.warning if n == 11 else self.problems.error  # 11 is never read
            log(self._file, title, "", None,
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows of this sheet "
                f"(List {n}); expected columns such as {expected}")
            return None
        index, _, columns, texts = best
        header_row = index + 1
        self._details["header_rows"][f"List {n}"] = header_row
        if index:
            blank = sum(all(_is_blank(c) for c in values) for values in head[:index])
            other = f", {index - blank} with other text such as a title" if index > blank else ""
            self.problems.warning(self._file, f"{title} row {header_row}", "", None,
                                  f"the header is on row {header_row}, not row 1; the {index} "
                                  f"row(s) above it were skipped ({blank} blank{other})")
            self._details.setdefault("skipped_leading_rows", {})[f"List {n}"] = index
        known = {col for cols in columns.values() for col in cols}
        extras = [texts[c] for c in sorted(texts) if c not in known]
        if extras and n != 11:
            self._details["extra_columns"][f"List {n}"] = extras
        self._check_duplicates(n, title, header_row, columns, texts)
        # Private columns are recognised (so not reported as unknown) but left out of the map
        # that row access goes through, so no code path can read them.
        readable = {f: cols[0] for f, cols in columns.items() if f not in PRIVATE_FIELDS}
        return _Sheet(n, title, header_row, readable, texts)

    def _check_duplicates(self, n: int, title: str, header_row: int,
                          columns: dict[str, list[int]], texts: dict[int, str]) -> None:
        for name, cols in columns.items():
            if len(cols) < 2 or n == 11:
                continue
            cells = [f"{title}!{get_column_letter(c + 1)}{header_row}" for c in cols]
            headers = " and ".join(repr(texts[c]) for c in cols)
            label = HEADER_LABELS.get(name, name)
            if name in REQUIRED_FIELDS[n]:
                self.problems.error(self._file, ", ".join(cells), label, None,
                                    f"the headers {headers} in cells {' and '.join(cells)} both "
                                    f"look like {label!r}; keep one so it is clear which to read")
            else:
                self.problems.warning(self._file, ", ".join(cells), label, None,
                                      f"the headers {headers} in cells {' and '.join(cells)} both"
                                      f" look like {label!r}; only {cells[0]} was read")

    def _check_required(self, sheet: _Sheet) -> bool:
        ok = True
        for name in REQUIRED_FIELDS[sheet.list_no]:
            if name not in sheet.columns:
                label = HEADER_LABELS.get(name, name)
                self.problems.error(self._file, f"{sheet.title} row {sheet.header_row}", label,
                                    None, f"List {sheet.list_no} has no {label!r} column (the "
                                    f"header row is row {sheet.header_row}); it is required")
                ok = False
        return ok

    def _count_rows(self, sheet: _Sheet, data: Iterator[tuple[int, tuple]]) -> int:
        """Count non-blank rows without interpreting any cell (List 11, or a list that cannot be
        read because a required column is missing)."""
        count = blank = 0
        for _, values in data:
            if all(_is_blank(v) for v in values):
                blank += 1
            else:
                count += 1
        self._details["blank_rows"][f"List {sheet.list_no}"] = blank
        if count == 0:
            self.problems.warning(self._file, sheet.title, "", None,
                                  f"List {sheet.list_no} has a header but no rows")
        return count

    def _read_rows(self, sheet: _Sheet, data: Iterator[tuple[int, tuple]]) -> int:
        n, title = sheet.list_no, sheet.title
        dates = [(name, col) for name, col in sheet.columns.items() if name in DATE_FIELDS]
        id_col = sheet.columns["child_id"]
        build = _BUILDERS.get(n)
        count = blank = placeholders = 0
        for row_no, values in data:
            if all(_is_blank(v) for v in values):
                blank += 1
                continue
            count += 1
            row = _Row(self, sheet, row_no, values)
            try:
                child_id = _to_identifier(row.get("child_id"))
            except ValueError as exc:  # the cell is named; the id itself is not repeated
                why = str(exc).partition(":")[0]
                if _is_blank(row.get("child_id")):
                    why = "is blank, but the row has data; every row needs a child id"
                self.problems.error(self._file, row.cell(id_col),
                                    sheet.header_text.get(id_col, "Child Unique ID"), None,
                                    f"the child id {why} ({title} row {row_no})")
                continue
            parsed: dict[str, dt.date | None] = {}
            for name, col in dates:
                parsed[name] = row.date(name, col)
            self._add_child(child_id, row, parsed.get("birth_date"))
            if build is None:
                continue
            start = parsed.get(KEY_DATE[n])
            if start is None:  # an unreadable date was reported by row.date()
                if _is_blank(row.get(KEY_DATE[n])):
                    label = HEADER_LABELS[KEY_DATE[n]]
                    self.problems.error(self._file, row.cell(sheet.columns[KEY_DATE[n]]), label,
                                        None, f"{label} is blank; it is needed to count this row")
                continue
            if n == 1 and (self._latest_contact is None or start > self._latest_contact):
                self._latest_contact = start
            team = None
            if "team" in sheet.columns:
                team, was_placeholder = row.team()
                placeholders += was_placeholder
            record = build(row, child_id, start, parsed, team)
            self._pending.append(record)
            self._stage_counts[record.stage] += 1
        self._details["blank_rows"][f"List {n}"] = blank
        if "team" in sheet.columns:
            self._details["team_placeholders"][f"List {n}"] = placeholders
        if count == 0:
            self.problems.warning(self._file, title, "", None,
                                  f"List {n} has a header but no rows")
        return count

    def _report_uncached(self, title: str, sheet: _Sheet | None,
                         uncached: list[tuple[int, int, str]]) -> None:
        """A formula whose value Excel never saved (files written by scripts, or saved with
        calculation off) reads as blank in data_only mode; report it rather than evaluate it
        (formats.md §3.4), naming the sheet, the cell and the column."""
        for row_no, col, formula in uncached:
            letter = get_column_letter(col + 1)
            header = sheet.header_text.get(col, letter) if sheet else letter
            self.problems.error(self._file, f"{title}!{letter}{row_no}", header, None,
                                f"the formula ={formula} in column {header!r} has no saved "
                                "value; open the workbook in Excel, let it recalculate, and "
                                "save it")

    # -- children -----------------------------------------------------------------------------

    def _add_child(self, child_id: str, row: _Row, birth_date: dt.date | None) -> None:
        """Keep one record per child across the lists: the most complete one (ethnicity, sex,
        date of birth), filling gaps from the others; a disagreement is a warning naming both
        rows (formats.md §6.9).  Disability and UASC are true if any list says so."""
        sheet = row.sheet
        eth = row.text("ethnicity")
        sex = row.sex() if "gender" in sheet.columns else None
        disabled = row.yes_no("disability", _DISABILITY_WORDS)
        uasc = row.yes_no("uasc", _UASC_WORDS)
        new = _Child([eth, sex, birth_date, disabled, uasc], f"{sheet.title} row {row.row_no}")
        old = self._children.get(child_id)
        if old is None:
            self._children[child_id] = new
            return
        differs = [label for i, label in enumerate(("ethnicity", "sex", "date of birth"))
                   if old.values[i] is not None and new.values[i] is not None
                   and _comparable(old.values[i]) != _comparable(new.values[i])]
        keep, other = (new, old) if new.completeness > old.completeness else (old, new)
        merged = [k if k is not None else o for k, o in zip(keep.values, other.values, strict=True)]
        for i in (3, 4):  # a flag recorded as yes on any list stays yes
            if old.values[i] or new.values[i]:
                merged[i] = True
        if differs:  # name the rows, not the values: they are special-category data
            self.problems.warning(
                self._file, f"{old.where}; {new.where}", ", ".join(differs), None,
                f"the same child appears on {old.where} and {new.where} with a different "
                f"{' and '.join(differs)}; kept the values from {keep.where}, the more complete "
                "record (or the first, if equally complete)")
        self._children[child_id] = _Child(merged, keep.where)

    # -- unrecognised values, period ------------------------------------------------------------

    def _tally(self, sheet: _Sheet, name: str, raw: str, cell: str, *,
               label_kept: bool = False) -> None:
        key = (sheet.title, HEADER_LABELS.get(name, name), name)
        tally = self._tallies.setdefault(key, _Tally(label_kept=label_kept))
        tally.counts[raw] += 1
        tally.first.setdefault(raw, cell)

    def _report_tallies(self) -> None:
        summary: dict[str, dict[str, int]] = {}
        for (title, label, _), tally in self._tallies.items():
            summary[f"{title}: {label}"] = dict(tally.counts)
            kept = "; the text is kept in the event detail" if tally.label_kept else ""
            for raw, count in tally.counts.items():
                self.problems.warning(self._file, tally.first[raw], label, raw,
                                      f"not a recognised value for {label!r} in {count} row(s) "
                                      f"(first at {tally.first[raw]}); read as not recorded"
                                      f"{kept}")
        self._details["unrecognised_values"] = summary

    def _set_period(self) -> None:
        """Collection year: the setting, else the 31 March on or after the latest List 1 contact
        date, else on or after the latest date anywhere in Lists 1-10 (formats.md §6.6)."""
        derived: int | None = None
        source = None
        if self._latest_contact is not None:
            derived, source = _march_31_on_or_after(self._latest_contact), "latest contact date"
        elif self._latest_any is not None:
            derived, source = _march_31_on_or_after(self._latest_any), "latest date in workbook"
        period = self.settings.period
        if period is not None:
            if derived is not None and derived != period:
                self.problems.warning(self._file, "", "", str(period),
                                      f"the workbook's {source} suggests the collection year "
                                      f"ending 31 March {derived}, but {period} was given; "
                                      f"using {period}")
            source = "settings"
        elif derived is not None:
            period = derived
        else:
            self.problems.error(self._file, "", "", None,
                                "cannot tell the collection year: the workbook has no dates; "
                                "give the year (period) explicitly")
        self.meta.period = period
        self.meta.reference_date = dt.date(period, 3, 31) if period else None
        self.meta.la_code = self.settings.la_code
        self._details["period_source"] = source

    def _note_date(self, day: dt.date) -> None:
        if self._latest_any is None or day > self._latest_any:
            self._latest_any = day


# ------------------------------------------------------------------------------------------------
# Row access
# ------------------------------------------------------------------------------------------------


class _Row:
    """One data row of one sheet: typed access to its cells, logging problems as it goes."""

    __slots__ = ("reader", "row_no", "sheet", "values")

    def __init__(self, reader: AnnexAReader, sheet: _Sheet, row_no: int, values: tuple) -> None:
        self.reader, self.sheet, self.row_no, self.values = reader, sheet, row_no, values

    def cell(self, col: int) -> str:
        return f"{self.sheet.title}!{get_column_letter(col + 1)}{self.row_no}"

    def get(self, name: str) -> object:
        col = self.sheet.columns.get(name)
        if col is None or col >= len(self.values):
            return None
        return self.values[col]

    def text(self, name: str) -> str | None:
        return _as_text(self.get(name))

    def _problem(self, name: str, value: object, message: str, *, error: bool = True) -> None:
        col = self.sheet.columns[name]
        header = self.sheet.header_text.get(col, HEADER_LABELS.get(name, name))
        log = self.reader.problems.error if error else self.reader.problems.warning
        log(self.reader._file, self.cell(col), header, _as_text(value), message)

    def date(self, name: str, col: int) -> dt.date | None:
        value = self.values[col] if col < len(self.values) else None
        try:
            day = _to_date(value)
        except ValueError as exc:
            self._problem(name, value, f"this date {exc}")
            return None
        if day is not None:
            if day < EARLIEST_PLAUSIBLE:
                self._problem(name, value, f"this date is before {EARLIEST_PLAUSIBLE:%Y}, "
                              "which is not plausible for a child's record", error=False)
            self.reader._note_date(day)
        return day

    def yes_no(self, name: str, words: dict[str, bool] | None = None) -> bool | None:
        if name not in self.sheet.columns:
            return None
        value = self.get(name)
        try:
            return _to_yes_no(value, words)
        except ValueError:
            self.reader._tally(self.sheet, name, _as_text(value) or "", self.cell(
                self.sheet.columns[name]))
            return None

    def code(self, name: str, valid: frozenset[str],
             convert: Callable[[str], str | None] | None = None) -> tuple[str | None, str | None]:
        """(code, label): the code when one can be read, else None and the cleaned label."""
        text = self.text(name)
        if text is None:
            return None, None
        code = convert(text) if convert else _to_code(text, valid)
        if code is not None:
            return code, None
        self.reader._tally(self.sheet, name, text, self.cell(self.sheet.columns[name]),
                           label_kept=True)
        return None, text

    def sex(self) -> str | None:
        text = self.text("gender")
        if text is None:
            return None
        try:
            return _to_sex(text)
        except ValueError:
            self.reader._tally(self.sheet, "gender", text,
                               self.cell(self.sheet.columns["gender"]))
            return None

    def team(self) -> tuple[str | None, bool]:
        text = self.text("team")
        if text is not None and text.lower() in TEAM_PLACEHOLDERS:
            return None, True
        return text, False


# ------------------------------------------------------------------------------------------------
# One builder per list: row -> EventRecord
# ------------------------------------------------------------------------------------------------

_Dates = dict[str, dt.date | None]


def _contact(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    source, label = row.code("contact_source", REFERRAL_SOURCES)
    return event(cid, "contact", start, team=team, referral_source=source,
                 detail=_detail(source_label=label))


def _early_help(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    return event(cid, "early_help", start, d.get("eh_end"), team=team,
                 detail=_detail(organisation=row.text("organisation")))


def _referral(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    source, label = row.code("referral_source", REFERRAL_SOURCES)
    return event(cid, "referral", start, team=team, referral_source=source,
                 referral_nfa=row.yes_no("referral_nfa", _NFA_WORDS),
                 detail=_detail(source_label=label))


def _assessment(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    return event(cid, "assessment", start, d.get("assessment_end"), team=team,
                 detail=_detail(requires_support=row.yes_no("requires_support")))


def _s47(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    return event(cid, "s47", start, team=team, detail=_detail(
        icpc_date=d.get("icpc_date"),
        icpc_unnecessary=row.yes_no("icpc_unnecessary"),
        resulted_in_plan=row.yes_no("icpc_plan")))


def _cin(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    need, need_label = row.code("need_code", CIN_NEED_CODES)
    text = row.text("closure_reason")
    closure = _to_code(text, CLOSURE_REASONS) if text else None
    status = row.text("case_status")
    return event(cid, "cin", start, d.get("cin_end"), team=team, need_code=need,
                 closure_reason=closure, detail=_detail(
                     need_label=need_label,
                     closure_reason_label=text if closure is None else None,
                     case_status=strip_letter(status) if status else None))


def _cp_plan(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    initial, initial_label = row.code("initial_category", ABUSE_CODES, _to_abuse_category)
    latest, latest_label = row.code("latest_category", ABUSE_CODES, _to_abuse_category)
    return event(cid, "cp_plan", start, d.get("cpp_end"), team=team, category_of_abuse=initial,
                 detail=_detail(initial_category_label=initial_label, latest_category=latest,
                                latest_category_label=latest_label))


def _cla(row: _Row, cid: str, start: dt.date, d: _Dates, team: str | None) -> EventRecord:
    legal, legal_label = row.code("legal_status", LEGAL_STATUSES)
    place, place_label = row.code("placement_type", PLACEMENT_TYPES)
    rec, rec_label = row.code("reason_ceased", REASONS_CEASED)
    need, need_label = row.code("cla_need", CLA_NEED_CODES)
    provider, provider_label = row.code("placement_provider", PLACEMENT_PROVIDERS)
    return event(cid, "cla", start, d.get("cla_end"), team=team, rne="S", legal_status=legal,
                 placement=place, closure_reason=rec, need_code=need, detail=_detail(
                     legal_status_label=legal_label, placement_label=place_label,
                     reason_ceased_label=rec_label, need_label=need_label,
                     placement_provider=provider, placement_provider_label=provider_label))


_Builder = Callable[[_Row, str, dt.date, _Dates, str | None], EventRecord]
_BUILDERS: dict[int, _Builder] = {
    1: _contact, 2: _early_help, 3: _referral, 4: _assessment, 5: _s47, 6: _cin, 7: _cp_plan,
    8: _cla,
}


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------


def _data_rows(head: list[tuple], header_row: int,
               rest: Iterator[tuple]) -> Iterator[tuple[int, tuple]]:
    """Rows below the header as (row number, values): first the rows already read while
    looking for the header (``head`` holds rows 1..len(head)), then the rest."""
    row_no = header_row
    for values in head[header_row:]:
        row_no += 1
        yield row_no, values
    for values in rest:
        row_no += 1
        yield row_no, values


def _comparable(value: object) -> object:
    if isinstance(value, str):
        return strip_letter(value).strip().casefold()
    return value


def _sheet_names(path: Path) -> list[str]:
    """Sheet names, from ``xl/workbook.xml`` without loading the workbook where that part
    exists (it does in files from Excel, LibreOffice and openpyxl), else via openpyxl."""
    with zipfile.ZipFile(path) as archive:
        if "xl/workbook.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            return [el.get("name", "") for el in root.iter() if el.tag.endswith("}sheet")]
    try:
        workbook = load_workbook(path, read_only=True)
    except Exception:  # not a workbook openpyxl can open: not ours
        return []
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")
_OFFICE_DOCUMENT = "/officeDocument"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> the zip member holding its XML, from the package relationships (the same
    route openpyxl takes), so formulas can be checked without a second openpyxl pass."""
    root_rels = ElementTree.fromstring(archive.read("_rels/.rels"))
    book = next((r.get("Target", "") for r in root_rels
                 if r.get("Type", "").endswith(_OFFICE_DOCUMENT)), "xl/workbook.xml")
    book = book.lstrip("/")
    folder, _, name = book.rpartition("/")
    rels = ElementTree.fromstring(archive.read(f"{folder}/_rels/{name}.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out: dict[str, str] = {}
    for el in ElementTree.fromstring(archive.read(book)).iter():
        if not el.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        if target:
            out[el.get("name", "")] = (target.lstrip("/") if target.startswith("/")
                                       else posixpath.normpath(f"{folder}/{target}"))
    return out


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formula(archive: zipfile.ZipFile, part: str, block: int = 1 << 20) -> bool:
    """Whether a sheet's XML holds any formula element, by a streaming byte search."""
    tail = b""
    with archive.open(part) as stream:
        while data := stream.read(block):
            if _FORMULA_TAG.search(tail + data):
                return True
            tail = data[-32:]
    return False


def _uncached_formulas(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, str]]:
    """(row number, 0-based column, formula) of every formula cell with no saved value.

    A ``<v>`` that is missing, or empty on a non-text cell, is no value (openpyxl writes
    ``<v></v>``); an empty ``<v>`` on a ``t="str"`` cell is a saved empty string, e.g. from
    ``=IF(A2="","",A2+5)``, and is fine."""
    found: list[tuple[int, int, str]] = []
    if not _has_formula(archive, part):  # the usual case: skip the per-cell scan
        return found
    row_no = next_col = 0
    with archive.open(part) as stream:
        for event, el in etree.iterparse(stream, events=("start", "end"),
                                         tag=("{*}row", "{*}c")):
            if etree.QName(el).localname == "row":
                if event == "start":  # r is optional in the format: count when it is absent
                    row_no = int(el.get("r") or row_no + 1)
                    next_col = 0
                else:
                    el.clear(keep_tail=False)
                continue
            if event == "start":
                continue
            ref = _CELL_REF.match(el.get("r") or "")
            col = column_index_from_string(ref[1]) - 1 if ref else next_col
            next_col = col + 1
            formula = el.find("{*}f")
            if formula is None:
                continue
            value = el.find("{*}v")
            if value is None or (not value.text and el.get("t") != "str"):
                found.append((int(ref[2]) if ref else row_no, col, formula.text or ""))
    return found
