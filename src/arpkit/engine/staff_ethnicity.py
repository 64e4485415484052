"""Staff ethnicity: the GOV.UK equality-information list (England) and its five groups.

Why a second vocabulary: children are recorded on the DfE's 20 CIN/SSDA903 codes, but staff,
applicants and the public are asked the GOV.UK equality-information question, which has 19
options under 5 headings plus "Prefer not to say" (web.md §8).  The categories are kept under
stable string ids (as the NHS breast-screening service does), never renamed without a
migration.  The five top-level groups are those of :data:`arpkit.engine.ethnicity.GROUPS`, so
staff and child tables group the same way.

Two things that are *not* ethnic groups are kept apart, never folded into NULL or "Other"
(methods.md §0; web.md §8):

* ``prefer_not_to_say`` - the person was asked and declined: group ``REFUSED`` (DfE ``REFU``);
* ``not_recorded`` - nobody recorded an answer (a blank cell, "Not known", "Not stated"):
  group ``NOT_OBTAINED`` (DfE ``NOBT``, which has no GOV.UK equivalent).

Labels are read by exact lookups on :func:`arpkit.engine.ethnicity.label_key` (GOV.UK wording,
with or without its heading, or the stable id), then by the child normaliser
(:class:`arpkit.engine.ethnicity.EthnicityNormaliser`), so an HR system that exports DfE codes
or census-style labels is understood without a second label table.  A DfE code maps one-to-one
except ``WROM`` (Gypsy/Roma spans two GOV.UK options: the group, WHITE, is kept and the
category left unknown) and the GOV.UK "Arab", which has no DfE code (DfE ``OOTH``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from arpkit.engine.ethnicity import (
    GROUP_LABELS,
    KNOWN_GROUPS,
    EthnicityNormaliser,
    label_key,
)


@dataclass(frozen=True, slots=True)
class StaffCategory:
    """One GOV.UK option: stable id, label as GOV.UK words it, top-level group, DfE code."""

    id: str
    label: str
    group: str
    dfe_code: str | None


#: GOV.UK headings, by top-level group.
GOVUK_HEADINGS: dict[str, str] = {
    "WHITE": "White",
    "MIXED": "Mixed or Multiple ethnic groups",
    "ASIAN": "Asian or Asian British",
    "BLACK": "Black, Black British, Caribbean or African",
    "OTHER": "Other ethnic group",
}

#: The 19 GOV.UK options and the two "not an ethnic group" answers, in GOV.UK order.
STAFF_CATEGORIES: dict[str, StaffCategory] = {
    c.id: c
    for c in (
        StaffCategory("english_welsh_scottish_ni_british",
                      "English, Welsh, Scottish, Northern Irish or British", "WHITE", "WBRI"),
        StaffCategory("irish", "Irish", "WHITE", "WIRI"),
        StaffCategory("gypsy_or_irish_traveller", "Gypsy or Irish Traveller", "WHITE", None),
        StaffCategory("roma", "Roma", "WHITE", "WROM"),
        StaffCategory("any_other_white_background", "Any other White background", "WHITE",
                      "WOTH"),
        StaffCategory("white_and_black_caribbean", "White and Black Caribbean", "MIXED", "MWBC"),
        StaffCategory("white_and_black_african", "White and Black African", "MIXED", "MWBA"),
        StaffCategory("white_and_asian", "White and Asian", "MIXED", "MWAS"),
        StaffCategory("any_other_mixed_background", "Any other Mixed or Multiple ethnic "
                      "background", "MIXED", "MOTH"),
        StaffCategory("indian", "Indian", "ASIAN", "AIND"),
        StaffCategory("pakistani", "Pakistani", "ASIAN", "APKN"),
        StaffCategory("bangladeshi", "Bangladeshi", "ASIAN", "ABAN"),
        StaffCategory("chinese", "Chinese", "ASIAN", "CHNE"),
        StaffCategory("any_other_asian_background", "Any other Asian background", "ASIAN",
                      "AOTH"),
        StaffCategory("caribbean", "Caribbean", "BLACK", "BCRB"),
        StaffCategory("african", "African", "BLACK", "BAFR"),
        StaffCategory("any_other_black_background", "Any other Black, Black British or "
                      "Caribbean background", "BLACK", "BOTH"),
        StaffCategory("arab", "Arab", "OTHER", None),
        StaffCategory("any_other_ethnic_group", "Any other ethnic group", "OTHER", "OOTH"),
        StaffCategory("prefer_not_to_say", "Prefer not to say", "REFUSED", "REFU"),
        StaffCategory("not_recorded", "Not recorded", "NOT_OBTAINED", "NOBT"),
    )
}

#: The 19 ethnic-group options (without the two "not an ethnic group" answers).
GOVUK_OPTIONS: tuple[str, ...] = tuple(
    c.id for c in STAFF_CATEGORIES.values() if c.group in KNOWN_GROUPS)

#: Groups of staff tables: the five ethnic groups, then refused and not recorded.
STAFF_GROUPS: tuple[str, ...] = (*KNOWN_GROUPS, "REFUSED", "NOT_OBTAINED")

#: Human labels of the staff groups (GOV.UK headings; child wording for the last two).
STAFF_GROUP_LABELS: dict[str, str] = {**GOVUK_HEADINGS, "REFUSED": "Prefer not to say",
                                      "NOT_OBTAINED": "Not recorded"}

#: WRES compares White staff with all ethnic-minority staff: the known groups other than White.
MINORITY_GROUPS: tuple[str, ...] = tuple(g for g in KNOWN_GROUPS if g != "WHITE")

#: DfE code -> GOV.UK id, where one-to-one (WROM spans Gypsy and Roma; WIRT is a Traveller of
#: Irish heritage, which GOV.UK files under "Gypsy or Irish Traveller").
_FROM_DFE: dict[str, str] = {
    **{c.dfe_code: c.id for c in STAFF_CATEGORIES.values() if c.dfe_code and
       c.dfe_code != "WROM"},
    "WIRT": "gypsy_or_irish_traveller",
}

#: Answers that mean nobody recorded the person's ethnicity.
_NOT_RECORDED = ("not recorded", "not known", "unknown", "not stated", "not specified",
                 "blank", "none recorded", "no data", "not yet obtained",
                 "information not yet obtained")
_PREFER_NOT = ("prefer not to say", "i prefer not to say", "preferred not to say",
               "prefers not to say", "declined", "refused", "do not wish to disclose",
               "not declared", "undisclosed")


@dataclass(frozen=True, slots=True)
class StaffEthnicity:
    """The outcome for one raw label: GOV.UK id (None for a group-only label such as
    "Mixed"), group (one of :data:`STAFF_GROUPS`, or None when unrecognised)."""

    category: str | None
    group: str | None

    @property
    def recognised(self) -> bool:
        return self.group is not None


@functools.cache
def _exact() -> dict[str, str]:
    """label_key -> GOV.UK id, for the GOV.UK wording with and without its heading."""
    out: dict[str, str] = {}
    for c in STAFF_CATEGORIES.values():
        out[label_key(c.id.replace("_", " "))] = c.id
        out[label_key(c.label)] = c.id
        heading = GOVUK_HEADINGS.get(c.group)
        if heading:
            for head in (heading, GROUP_LABELS[c.group], c.group.title()):
                out[label_key(f"{head}: {c.label}")] = c.id
    for text in _NOT_RECORDED:
        out[label_key(text)] = "not_recorded"
    for text in _PREFER_NOT:
        out[label_key(text)] = "prefer_not_to_say"
    out[label_key("Gypsy or Irish Traveller")] = "gypsy_or_irish_traveller"
    out[label_key("Gypsy")] = "gypsy_or_irish_traveller"
    out[label_key("Irish Traveller")] = "gypsy_or_irish_traveller"
    out[label_key("Any other Mixed background")] = "any_other_mixed_background"
    out[label_key("Any other Black background")] = "any_other_black_background"
    return out


@functools.cache
def _headings() -> dict[str, str]:
    """label_key of a GOV.UK (or DfE) heading -> its group, for group-level labels."""
    out = {label_key(h): g for g, h in GOVUK_HEADINGS.items()}
    out.update({label_key(GROUP_LABELS[g]): g for g in KNOWN_GROUPS})
    return out


class StaffEthnicityNormaliser:
    """GOV.UK labels (and anything the child normaliser understands) -> :class:`StaffEthnicity`.

    A blank label is ``not_recorded``.  Results are cached per raw label.
    """

    def __init__(self) -> None:
        self._children = EthnicityNormaliser(chinese_group="asian")
        self._cache: dict[str | None, StaffEthnicity] = {}

    def normalise(self, label: str | None) -> StaffEthnicity:
        try:
            return self._cache[label]
        except KeyError:
            out = self._cache[label] = self._resolve(label)
            return out

    def _resolve(self, label: str | None) -> StaffEthnicity:
        key = label_key(label) if label is not None else ""
        if not key or key == "nan":
            return StaffEthnicity("not_recorded", "NOT_OBTAINED")
        hit = _exact().get(key)
        if hit is not None:
            return StaffEthnicity(hit, STAFF_CATEGORIES[hit].group)
        group = _headings().get(key)
        if group is not None:  # a heading alone: the group is known, the option is not
            return StaffEthnicity(None, group)
        res = self._children.normalise(label)
        if not res.recognised:
            return StaffEthnicity(None, None)
        if res.code is None:  # a group-only label: "Mixed", "Black or Black British"
            return StaffEthnicity(None, res.group)
        category = _FROM_DFE.get(res.code)
        return StaffEthnicity(category, STAFF_CATEGORIES[category].group if category else
                              res.group)


def staff_group(category: str | None) -> str:
    """Top-level group of a GOV.UK id; ``NOT_OBTAINED`` for None (nothing recorded)."""
    if category is None:
        return "NOT_OBTAINED"
    try:
        return STAFF_CATEGORIES[category].group
    except KeyError:
        raise ValueError(f"is not a GOV.UK ethnicity id; expected one of "
                         f"{', '.join(STAFF_CATEGORIES)}: {category!r}") from None


def is_minority(group: str) -> bool | None:
    """True for an ethnic-minority group, False for WHITE, None when ethnicity is not known
    (refused or not recorded are excluded from both sides of a WRES comparison, methods §2.2)."""
    if group == "WHITE":
        return False
    if group in MINORITY_GROUPS:
        return True
    return None
