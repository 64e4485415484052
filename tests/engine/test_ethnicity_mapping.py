"""The authority's ethnicity mapping decisions: recording, versioning, history, and the next
normaliser applying them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import EthnicityNormaliser
from arpkit.engine.ethnicity_mapping import (
    DEFAULT_FILE,
    ENV_MAPPING,
    default_path,
    history,
    load_overrides,
    record_decision,
)

WHEN = dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return tmp_path / "arpkit-ethnicity-map.yml"


def test_a_mapping_file_that_does_not_exist_yet_is_an_empty_version_zero(mapping):
    ov = load_overrides(mapping)
    assert (ov.version, ov.mappings, ov.history) == (0, {}, [])
    assert history(mapping) == []
    assert not mapping.exists()


def test_recording_a_decision_bumps_the_version_and_records_who_when_and_why(mapping):
    ov = record_decision(mapping, "XXXX", "NOBT", by="asmith", note="system placeholder",
                         when=WHEN)
    assert ov.version == 1
    assert ov.mappings == {"XXXX": "NOBT"}
    assert ov.history == [{"version": 1, "label": "XXXX", "code": "NOBT", "previous": None,
                           "by": "asmith", "at": "2025-05-01T09:30:00+00:00",
                           "note": "system placeholder"}]
    again = load_overrides(mapping)
    assert (again.version, again.mappings, again.history) == (1, ov.mappings, ov.history)
    assert [p.name for p in mapping.parent.iterdir()] == [mapping.name]  # no temp file left


def test_a_decision_without_a_time_is_stamped_now_in_utc(mapping):
    before = dt.datetime.now(dt.UTC)
    record_decision(mapping, "XXXX", "NOBT", by="asmith")
    at = dt.datetime.fromisoformat(history(mapping)[0]["at"])
    assert before <= at <= dt.datetime.now(dt.UTC)


def test_the_next_normaliser_built_from_the_file_applies_the_decision(mapping):
    assert not EthnicityNormaliser(overrides=mapping).normalise("XXXX").recognised
    record_decision(mapping, "XXXX", "NOBT", by="asmith", when=WHEN)
    norm = EthnicityNormaliser(overrides=mapping)
    for raw in ("XXXX", " xxxx ", "Xxxx"):
        result = norm.normalise(raw)
        assert (result.code, result.group, result.recognised) == ("NOBT", "NOT_OBTAINED", True)
    assert not norm.unmapped
    assert norm.mapping_version.endswith("local 1")


def test_a_local_decision_beats_the_shipped_default(mapping):
    assert EthnicityNormaliser().normalise("Gypsy Traveller").code is None  # shipped: group-only
    assert EthnicityNormaliser().normalise("Afghan").code == "OOTH"
    record_decision(mapping, "Gypsy Traveller", "WROM", by="asmith", when=WHEN)
    record_decision(mapping, "Afghan", "AOTH", by="asmith", when=WHEN)
    norm = EthnicityNormaliser(overrides=mapping)
    assert norm.normalise("Gypsy Traveller").code == "WROM"
    assert norm.normalise("Afghan").code == "AOTH"


def test_a_local_decision_also_applies_after_a_heading(mapping):
    assert EthnicityNormaliser().normalise("Asian or Asian British - Sikh").code is None
    record_decision(mapping, "Sikh", "AIND", by="asmith", when=WHEN)
    assert EthnicityNormaliser(overrides=mapping).normalise(
        "Asian or Asian British - Sikh").code == "AIND"


def test_history_is_returned_in_order_with_each_previous_code(mapping):
    record_decision(mapping, "XXXX", "OOTH", by="asmith", when=WHEN)
    record_decision(mapping, "Qwerty", "REFU", by="bjones", when=WHEN + dt.timedelta(days=1))
    record_decision(mapping, "xxxx", "NOBT", by="bjones", note="asked the system supplier",
                    when=WHEN + dt.timedelta(days=2))
    rows = history(mapping)
    assert [(r["version"], r["label"], r["code"], r["previous"], r["by"]) for r in rows] == [
        (1, "XXXX", "OOTH", None, "asmith"),
        (2, "Qwerty", "REFU", None, "bjones"),
        (3, "xxxx", "NOBT", "OOTH", "bjones"),
    ]
    ov = load_overrides(mapping)
    assert ov.version == 3
    assert ov.mappings == {"Qwerty": "REFU", "xxxx": "NOBT"}  # one entry per label
    assert ov.code_for("XXXX") == "NOBT"


def test_a_code_given_in_lower_case_is_stored_in_capitals(mapping):
    assert record_decision(mapping, "Qwerty", "wbri", by="asmith").mappings == {
        "Qwerty": "WBRI"}


@pytest.mark.parametrize("code", ["WHITE", "WBRX", "UNKNOWN", "", "OTHER"])
def test_a_code_that_is_not_a_dfe_code_is_refused_and_nothing_is_written(mapping, code):
    record_decision(mapping, "XXXX", "NOBT", by="asmith", when=WHEN)
    before = mapping.read_bytes()
    with pytest.raises(ConfigError, match="is not a DfE ethnicity code; use one of WBRI"):
        record_decision(mapping, "Qwerty", code, by="asmith", when=WHEN)
    assert mapping.read_bytes() == before


def test_a_decision_needs_a_label_and_a_person(mapping):
    with pytest.raises(ConfigError, match="label to map is empty"):
        record_decision(mapping, "  ", "NOBT", by="asmith")
    with pytest.raises(ConfigError, match="who made the decision"):
        record_decision(mapping, "XXXX", "NOBT", by=" ")
    assert not mapping.exists()


def test_a_hand_edited_file_with_an_unquoted_no_label_is_refused_naming_the_fix(mapping):
    mapping.write_text("version: 1\nmappings:\n  no: NOBT\n  Qwerty: WBRX\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_overrides(mapping)
    message = str(info.value)
    assert str(mapping) in message
    assert "label False is not text; put it in quotes" in message
    assert "label 'Qwerty': 'WBRX' is not a DfE ethnicity code" in message  # all problems


def test_two_spellings_of_one_label_mapped_to_different_codes_are_refused(mapping):
    mapping.write_text("version: 2\nmappings:\n  XXXX: NOBT\n  ' xxxx': REFU\n",
                       encoding="utf-8")
    with pytest.raises(ConfigError, match="same label"):
        EthnicityNormaliser(overrides=mapping)


def test_a_hand_edit_is_applied_but_reported_as_unrecorded(mapping):
    record_decision(mapping, "XXXX", "NOBT", by="asmith", when=WHEN)
    text = mapping.read_text(encoding="utf-8").replace("XXXX: NOBT", "XXXX: REFU")
    mapping.write_text(text, encoding="utf-8")
    ov = load_overrides(mapping)
    assert ov.unrecorded == ["XXXX"]
    assert EthnicityNormaliser(overrides=mapping).normalise("XXXX").code == "REFU"


def test_a_failed_write_leaves_the_previous_file_whole(mapping, monkeypatch):
    record_decision(mapping, "XXXX", "NOBT", by="asmith", when=WHEN)
    before = mapping.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        record_decision(mapping, "Qwerty", "REFU", by="asmith", when=WHEN)
    assert mapping.read_bytes() == before
    assert [p.name for p in mapping.parent.iterdir()] == [mapping.name]


def test_the_default_file_comes_from_the_environment_or_the_working_directory(monkeypatch,
                                                                               tmp_path):
    monkeypatch.delenv(ENV_MAPPING, raising=False)
    assert default_path() == Path(DEFAULT_FILE)
    monkeypatch.setenv(ENV_MAPPING, str(tmp_path / "la-map.yml"))
    assert default_path() == tmp_path / "la-map.yml"
