"""The GOV.UK staff ethnicity list and its mapping to the five groups (web.md §8)."""

from __future__ import annotations

import pytest

from arpkit.engine.staff_ethnicity import (
    GOVUK_OPTIONS,
    STAFF_CATEGORIES,
    StaffEthnicityNormaliser,
    is_minority,
    staff_group,
)


def test_the_govuk_list_has_19_options_under_five_groups():
    assert len(GOVUK_OPTIONS) == 19
    groups = {STAFF_CATEGORIES[c].group for c in GOVUK_OPTIONS}
    assert groups == {"WHITE", "MIXED", "ASIAN", "BLACK", "OTHER"}


def test_prefer_not_to_say_is_kept_apart_from_not_recorded():
    norm = StaffEthnicityNormaliser()
    refused, blank = norm.normalise("Prefer not to say"), norm.normalise("  ")
    assert (refused.category, refused.group) == ("prefer_not_to_say", "REFUSED")
    assert (blank.category, blank.group) == ("not_recorded", "NOT_OBTAINED")
    assert norm.normalise(None).group == "NOT_OBTAINED"


@pytest.mark.parametrize(("label", "category"), [
    ("English, Welsh, Scottish, Northern Irish or British", "english_welsh_scottish_ni_british"),
    ("White: Roma", "roma"),
    ("Asian or Asian British - Pakistani", "pakistani"),
    ("Black, Black British, Caribbean or African: Caribbean", "caribbean"),
    ("Other ethnic group: Arab", "arab"),
    ("gypsy_or_irish_traveller", "gypsy_or_irish_traveller"),
    ("WBRI", "english_welsh_scottish_ni_british"),  # DfE codes via the child normaliser
    ("WIRT", "gypsy_or_irish_traveller"),
    ("White and Black Caribbean", "white_and_black_caribbean"),
])
def test_govuk_wording_ids_and_dfe_codes_map_to_one_option(label, category):
    assert StaffEthnicityNormaliser().normalise(label).category == category


def test_a_heading_alone_gives_the_group_but_no_option():
    res = StaffEthnicityNormaliser().normalise("Mixed or Multiple ethnic groups")
    assert (res.category, res.group) == (None, "MIXED")


def test_romanian_is_not_read_as_roma_and_nonsense_is_unrecognised():
    norm = StaffEthnicityNormaliser()
    assert norm.normalise("Romanian").category != "roma"
    assert not norm.normalise("Banana").recognised


def test_white_staff_are_not_minority_and_unknowns_are_neither():
    assert is_minority(staff_group("irish")) is False
    assert is_minority(staff_group("arab")) is True
    assert is_minority(staff_group("prefer_not_to_say")) is None
    assert staff_group(None) == "NOT_OBTAINED"
    with pytest.raises(ValueError, match=r"GOV\.UK"):
        staff_group("martian")
