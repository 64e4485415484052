"""DfE ethnicity codes, their top-level groups, and the mapping of labels onto them.

The 20 DfE codes are shared by the CIN census (``Ethnicity``), the SSDA903 (``ETHNIC``) and,
lettered, Ofsted Annex A.  Top-level groups follow DfE statistics and ONS Census 2021, with one
documented switch: Chinese (CHNE) is ASIAN by default and OTHER when the authority uses the
Annex A convention (``chinese_group="other"``).  That is a setting, never a guess.

REFU and NOBT are not ethnic groups: they map to REFUSED and NOT_OBTAINED and are excluded from
rate numerators.  A missing or unrecognisable label is UNKNOWN (reported, never folded into
Other).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Top-level groups, in reporting order.  The last three are not ethnic groups.
GROUPS: tuple[str, ...] = (
    "WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "REFUSED", "NOT_OBTAINED", "UNKNOWN",
)
#: Groups that have a population denominator.
KNOWN_GROUPS: tuple[str, ...] = GROUPS[:5]
NOT_KNOWN_GROUPS: frozenset[str] = frozenset(GROUPS[5:])

CHINESE_GROUP_SETTINGS: tuple[str, ...] = ("asian", "other")


@dataclass(frozen=True, slots=True)
class EthnicityCode:
    code: str
    label: str
    group: str  # group under the default (DfE/ONS) convention


#: The 20 DfE codes, in DfE publication order, with the CIN XSD labels.
DFE_CODES: dict[str, EthnicityCode] = {
    c.code: c
    for c in (
        EthnicityCode("WBRI", "White British", "WHITE"),
        EthnicityCode("WIRI", "White Irish", "WHITE"),
        EthnicityCode("WIRT", "Traveller of Irish heritage", "WHITE"),
        EthnicityCode("WOTH", "Any other White background", "WHITE"),
        EthnicityCode("WROM", "Gypsy/Roma", "WHITE"),
        EthnicityCode("MWBC", "White and Black Caribbean", "MIXED"),
        EthnicityCode("MWBA", "White and Black African", "MIXED"),
        EthnicityCode("MWAS", "White and Asian", "MIXED"),
        EthnicityCode("MOTH", "Any other mixed background", "MIXED"),
        EthnicityCode("AIND", "Indian", "ASIAN"),
        EthnicityCode("APKN", "Pakistani", "ASIAN"),
        EthnicityCode("ABAN", "Bangladeshi", "ASIAN"),
        EthnicityCode("AOTH", "Any other Asian background", "ASIAN"),
        EthnicityCode("CHNE", "Chinese", "ASIAN"),
        EthnicityCode("BCRB", "Caribbean", "BLACK"),
        EthnicityCode("BAFR", "African", "BLACK"),
        EthnicityCode("BOTH", "Any other Black background", "BLACK"),
        EthnicityCode("OOTH", "Any other ethnic group", "OTHER"),
        EthnicityCode("REFU", "Refused", "REFUSED"),
        EthnicityCode("NOBT", "Information not yet obtained", "NOT_OBTAINED"),
    )
}

#: Codes that are ethnic groups (the 18 that have a population denominator).
KNOWN_CODES: tuple[str, ...] = tuple(c for c, v in DFE_CODES.items() if v.group in KNOWN_GROUPS)

#: Human labels for the top-level groups, as DfE publishes them (2025 CLA wording).
GROUP_LABELS: dict[str, str] = {
    "WHITE": "White",
    "MIXED": "Mixed or Multiple ethnic groups",
    "ASIAN": "Asian or Asian British",
    "BLACK": "Black, African, Caribbean or Black British",
    "OTHER": "Other ethnic group",
    "REFUSED": "Refused",
    "NOT_OBTAINED": "Information not yet obtained",
    "UNKNOWN": "Not recorded or not recognised",
}


def check_chinese_group(setting: str) -> str:
    if setting not in CHINESE_GROUP_SETTINGS:
        from arpkit.engine.errors import ConfigError

        raise ConfigError(
            f"chinese group setting must be one of {', '.join(CHINESE_GROUP_SETTINGS)}, "
            f"not {setting!r}"
        )
    return setting


def group_for_code(code: str | None, chinese_group: str = "asian") -> str:
    """Top-level group of a DfE code; UNKNOWN for ``None`` or a non-DfE code."""
    if code is None:
        return "UNKNOWN"
    info = DFE_CODES.get(code)
    if info is None:
        return "UNKNOWN"
    if code == "CHNE":
        return "ASIAN" if check_chinese_group(chinese_group) == "asian" else "OTHER"
    return info.group


#: ONS Census 2021 TS021 categories (20-category classification, by code) -> DfE code, or None
#: where no one-to-one DfE code exists (15 Gypsy or Irish Traveller spans WIRT and WROM; 16 Roma
#: is part of WROM).  18 Arab and 19 Any other both fall in DfE OOTH.  -8 "Does not apply" is
#: not a population category and is dropped by readers.
ONS_2021_CATEGORIES: dict[int, tuple[str, str | None, str]] = {
    # code: (ONS label after the colon, DfE code or None, top-level group)
    1: ("Bangladeshi", "ABAN", "ASIAN"),
    2: ("Chinese", "CHNE", "ASIAN"),
    3: ("Indian", "AIND", "ASIAN"),
    4: ("Pakistani", "APKN", "ASIAN"),
    5: ("Other Asian", "AOTH", "ASIAN"),
    6: ("African", "BAFR", "BLACK"),
    7: ("Caribbean", "BCRB", "BLACK"),
    8: ("Other Black", "BOTH", "BLACK"),
    9: ("White and Asian", "MWAS", "MIXED"),
    10: ("White and Black African", "MWBA", "MIXED"),
    11: ("White and Black Caribbean", "MWBC", "MIXED"),
    12: ("Other Mixed or Multiple ethnic groups", "MOTH", "MIXED"),
    13: ("English, Welsh, Scottish, Northern Irish or British", "WBRI", "WHITE"),
    14: ("Irish", "WIRI", "WHITE"),
    15: ("Gypsy or Irish Traveller", None, "WHITE"),
    16: ("Roma", None, "WHITE"),
    17: ("Other White", "WOTH", "WHITE"),
    18: ("Arab", "OOTH", "OTHER"),
    19: ("Any other ethnic group", "OOTH", "OTHER"),
}
