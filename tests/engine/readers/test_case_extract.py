"""Case-system extract reader: a CSV plus a YAML mapping (column -> field, value -> code)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from arpkit.engine.errors import ConfigError, Severity
from arpkit.engine.readers.case_extract import CaseExtractReader, load_mapping
from arpkit.engine.records import ReadSettings

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "case_extract"

CSV = """Person ID,Gender,DOB,Ethnicity,Step Type,Start,End,Team,Source,NFA
0012,Male,01/02/2015,White British,Contact,01/04/2024,02/04/2024,MASH,Police,
0012,Male,01/02/2015,White British,Referral,02/04/2024,,MASH,Police,No
0345,Female,15/06/2019,Indian,Contact,05/04/2024,05/04/2024,MASH,School,
"""

MAPPING = """
date_format: "%d/%m/%Y"
child:
  id: Person ID
  ethnicity: Ethnicity
  sex: Gender
  birth_date: DOB
events:
  - stage: contact
    filter: {Step Type: Contact}
    start_date: Start
    end_date: End
    team: Team
    referral_source:
      column: Source
      values: {Police: "6", School: 2A}
  - stage: referral
    filter: {Step Type: Referral}
    start_date: Start
    end_date: End
    referral_source:
      column: Source
      values: {Police: "6", School: 2A}
    referral_nfa:
      column: NFA
      values: {Yes: true, No: false}
"""


def setup(tmp_path: Path, csv_text: str = CSV, mapping: str = MAPPING, *,
          encoding: str = "utf-8") -> tuple[Path, ReadSettings]:
    data = tmp_path / "extract.csv"
    data.write_bytes(csv_text.encode(encoding))
    yml = tmp_path / "map.yml"
    yml.write_text(mapping, encoding="utf-8")
    return data, ReadSettings(mapping=yml)


def read(path: Path, settings: ReadSettings):
    reader = CaseExtractReader([path], settings)
    children, events = [], []
    for chunk in reader.chunks():
        assert not chunk.population
        children.extend(chunk.children)
        events.extend(chunk.events)
    return reader, children, events


def errors(reader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.ERROR]


def warnings(reader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.WARNING]


# ------------------------------------------------------------------------------------------
# The shipped example
# ------------------------------------------------------------------------------------------


def test_the_shipped_mosaic_example_loads_one_child_per_person_and_one_event_per_step():
    data, yml = EXAMPLE / "contacts_and_referrals.csv", EXAMPLE / "mosaic.yml"
    reader, children, events = read(data, ReadSettings(mapping=yml))
    assert reader.problems.problems == []
    with data.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    steps = Counter(r["Step Type"] for r in rows)
    assert sorted(c.source_child_id for c in children) == sorted({r["Person ID"] for r in rows})
    assert Counter(e.stage for e in events) == {
        "contact": steps["Contact"], "referral": steps["Referral"] + steps["Re-referral"],
        "assessment": steps["Assessment (Single)"], "s47": steps["S47 Enquiry"]}
    assert reader.meta.details["rows_matching_no_event"] == steps["Strategy Discussion"]


def test_the_shipped_example_turns_contact_source_labels_into_the_codes_its_mapping_gives():
    data, yml = EXAMPLE / "contacts_and_referrals.csv", EXAMPLE / "mosaic.yml"
    mapping = yaml.safe_load(yml.read_text(encoding="utf-8"))
    codes = {str(k): str(v) for k, v in mapping["events"][0]["referral_source"]["values"].items()}
    with data.open(encoding="utf-8", newline="") as fh:
        contacts = [r for r in csv.DictReader(fh) if r["Step Type"] == "Contact"]
    _, _, events = read(data, ReadSettings(mapping=yml))
    got = sorted((e.source_child_id, e.start_date, e.referral_source)
                 for e in events if e.stage == "contact")
    expected = sorted((r["Person ID"], dt.datetime.strptime(r["Step Start Date"], "%d/%m/%Y")
                       .date(), codes[r["Contact Source"]]) for r in contacts)
    assert got == expected


def test_the_shipped_example_mapping_passes_its_own_check():
    mapping = load_mapping(EXAMPLE / "mosaic.yml")
    assert [e.stage for e in mapping.events] == ["contact", "referral", "assessment", "s47"]


# ------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------


def test_filters_let_one_wide_extract_yield_several_stages(tmp_path):
    reader, _, events = read(*setup(tmp_path))
    assert errors(reader) == []
    assert [(e.source_child_id, e.stage, e.start_date) for e in events] == [
        ("0012", "contact", dt.date(2024, 4, 1)), ("0012", "referral", dt.date(2024, 4, 2)),
        ("0345", "contact", dt.date(2024, 4, 5))]


def test_values_maps_turn_local_labels_into_codes_and_booleans(tmp_path):
    _, _, events = read(*setup(tmp_path))
    assert [(e.stage, e.referral_source, e.referral_nfa) for e in events] == [
        ("contact", "6", None), ("referral", "6", False), ("contact", "2A", None)]


def test_an_unquoted_yes_or_no_in_a_values_map_stays_a_label(tmp_path):
    # Plain YAML 1.1 would turn the key Yes into True and lose the label.
    data, settings = setup(tmp_path, CSV.replace("Police,No", "Police,Yes"))
    reader, _, events = read(data, settings)
    assert errors(reader) == []
    assert [e.referral_nfa for e in events if e.stage == "referral"] == [True]


def test_one_child_record_per_distinct_child_with_sex_and_birth_date_parsed(tmp_path):
    _, children, _ = read(*setup(tmp_path))
    assert sorted((c.source_child_id, c.sex, c.birth_date, c.ethnicity_label)
                  for c in children) == [
        ("0012", "M", dt.date(2015, 2, 1), "White British"),
        ("0345", "F", dt.date(2019, 6, 15), "Indian")]


def test_conflicting_child_values_across_rows_are_a_warning_naming_the_rows(tmp_path):
    text = CSV.replace("0012,Male,01/02/2015,White British,Referral",
                       "0012,Male,01/02/2015,Pakistani,Referral")
    reader, children, _ = read(*setup(tmp_path, text))
    assert errors(reader) == []
    [warning] = [w for w in warnings(reader) if w.field == "ethnicity"]
    assert "1" in warning.location and "2" in warning.location
    assert "White British" in warning.message and "Pakistani" in warning.message
    assert {c.source_child_id: c.ethnicity_label for c in children}["0012"] == "White British"


def test_a_value_missing_from_a_values_map_is_an_error_naming_row_column_and_value(tmp_path):
    text = CSV.replace("MASH,School,", "MASH,Postman,")
    reader, _, _ = read(*setup(tmp_path, text))
    [err] = errors(reader)
    assert (err.file, err.field, err.value) == ("extract.csv", "Source", "Postman")
    assert err.location.startswith("row 3")
    assert "events[1].referral_source.values" in err.message


def test_an_unknown_code_in_a_column_without_values_map_is_an_error_naming_the_row(tmp_path):
    mapping = MAPPING.replace("    referral_source:\n      column: Source\n      values: "
                              "{Police: \"6\", School: 2A}\n  - stage: referral",
                              "    referral_source: Source\n  - stage: referral")
    text = CSV.replace("MASH,Police,\n", "MASH,6: Police,\n").replace("MASH,School,", "MASH,66,")
    reader, _, events = read(*setup(tmp_path, text, mapping))
    [err] = errors(reader)
    assert (err.field, err.value) == ("Source", "66") and err.location.startswith("row 3")
    assert events[0].referral_source == "6"  # "6: Police" -> its leading code


def test_a_date_that_does_not_match_the_mapping_format_is_an_error_naming_the_row(tmp_path):
    text = CSV.replace("05/04/2024,05/04/2024", "2024-04-05,05/04/2024")
    reader, _, _ = read(*setup(tmp_path, text))
    [err] = errors(reader)
    assert (err.field, err.value) == ("Start", "2024-04-05") and err.location.startswith("row 3")
    assert "%d/%m/%Y" in err.message


def test_an_event_ending_before_it_starts_is_an_error(tmp_path):
    text = CSV.replace("01/04/2024,02/04/2024", "01/04/2024,02/03/2024")
    reader, _, _ = read(*setup(tmp_path, text))
    [err] = errors(reader)
    assert err.field == "End" and err.location.startswith("row 1")


def test_a_blank_child_id_is_an_error_naming_the_row(tmp_path):
    text = CSV.replace("0345,Female", ",Female")
    reader, _, _ = read(*setup(tmp_path, text))
    [err] = errors(reader)
    assert err.field == "Person ID" and err.location.startswith("row 3")


def test_title_lines_above_the_header_of_a_report_are_skipped_and_reported(tmp_path):
    text = "Contacts and referrals report,,\nRun on 01/07/2024,,\n\n" + CSV
    data, settings = setup(tmp_path, text)
    assert CaseExtractReader.sniff(data, data.read_bytes(), settings) is True
    reader, children, events = read(data, settings)
    assert errors(reader) == []
    assert len(children) == 2 and len(events) == 3
    assert any("above the header" in w.message for w in warnings(reader))


def test_the_period_is_the_period_setting_or_none(tmp_path):
    data, settings = setup(tmp_path)
    reader, _, _ = read(data, settings)
    assert reader.meta.period is None
    reader, _, _ = read(data, ReadSettings(mapping=settings.mapping, period=2025))
    assert reader.meta.period == 2025


def test_a_utf16_extract_with_a_bom_reads(tmp_path):
    reader, children, _ = read(*setup(tmp_path, CSV.replace("\n", "\r\n"), encoding="utf-16"))
    assert errors(reader) == [] and len(children) == 2


def test_a_cp1252_extract_fails_clearly_unless_its_encoding_is_given(tmp_path):
    text = CSV.replace("White British", "Fran\u00e7ais")
    data, settings = setup(tmp_path, text, encoding="cp1252")
    reader, _, _ = read(data, settings)
    [err] = errors(reader)
    assert "byte offset" in err.location and "CSV UTF-8" in err.message
    reader, children, _ = read(data, ReadSettings(mapping=settings.mapping, encoding="cp1252"))
    assert errors(reader) == []
    assert "Fran\u00e7ais" in {c.ethnicity_label for c in children}


# ------------------------------------------------------------------------------------------
# Checking the mapping
# ------------------------------------------------------------------------------------------


def mapping_errors(tmp_path: Path, mapping: str) -> list:
    reader, children, events = read(*setup(tmp_path, CSV, mapping))
    assert children == [] and events == []
    return errors(reader)


def test_an_unknown_field_name_is_an_error_naming_the_yaml_key(tmp_path):
    [err] = mapping_errors(tmp_path, MAPPING.replace("  sex: Gender", "  gender: Gender"))
    assert (err.file, err.location) == ("map.yml", "child.gender")


def test_an_unknown_stage_is_an_error_naming_the_yaml_key(tmp_path):
    [err] = mapping_errors(tmp_path, MAPPING.replace("stage: referral", "stage: refferal"))
    assert (err.location, err.value) == ("events[2].stage", "refferal")


def test_a_mapped_column_missing_from_the_csv_is_an_error_naming_key_and_column(tmp_path):
    [err] = mapping_errors(tmp_path, MAPPING.replace("team: Team", "team: Team Name"))
    assert (err.location, err.value) == ("events[1].team", "Team Name")
    assert "extract.csv" in err.message


def test_a_filter_column_missing_from_the_csv_is_an_error(tmp_path):
    [err] = mapping_errors(tmp_path, MAPPING.replace("{Step Type: Contact}", "{Step: Contact}"))
    assert err.location == "events[1].filter.Step"


def test_a_values_map_target_that_is_not_a_code_is_an_error_naming_the_key(tmp_path):
    errs = mapping_errors(tmp_path, MAPPING.replace('{Police: "6", School: 2A}',
                                                    '{Police: "66", School: 2A}', 1))
    assert [(e.location, e.value) for e in errs] == [
        ("events[1].referral_source.values.Police", "66")]


def test_a_date_column_without_a_format_is_an_error(tmp_path):
    errs = mapping_errors(tmp_path, MAPPING.replace('date_format: "%d/%m/%Y"\n', ""))
    assert {e.location for e in errs} == {
        "child.birth_date.format", "events[1].start_date.format", "events[1].end_date.format",
        "events[2].start_date.format", "events[2].end_date.format"}


def test_load_mapping_raises_a_config_error_listing_every_problem(tmp_path):
    yml = tmp_path / "bad.yml"
    yml.write_text(MAPPING.replace("stage: contact", "stage: contactt")
                   .replace("  sex: Gender", "  gender: Gender"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_mapping(yml)
    assert "events[1].stage" in str(caught.value) and "child.gender" in str(caught.value)


def test_a_mapping_that_is_not_valid_yaml_is_one_clear_error(tmp_path):
    [err] = mapping_errors(tmp_path, "child: [unclosed\n")
    assert "YAML" in err.message and err.location.startswith("line")


def test_no_mapping_is_an_error_not_a_crash(tmp_path):
    data, _ = setup(tmp_path)
    reader, _, _ = read(data, ReadSettings())
    assert errors(reader)[0].field == "mapping"


# ------------------------------------------------------------------------------------------
# Detection
# ------------------------------------------------------------------------------------------


def test_sniff_needs_a_mapping_whose_columns_are_all_in_the_header(tmp_path):
    data, settings = setup(tmp_path)
    head = data.read_bytes()
    assert CaseExtractReader.sniff(data, head, settings) is True
    assert CaseExtractReader.sniff(data, head, ReadSettings()) is False
    assert CaseExtractReader.sniff(data, head) is False
    other = tmp_path / "other.csv"
    other.write_text("CHILD,SEX,DOB\n1,1,01/01/2015\n", encoding="utf-8")
    assert CaseExtractReader.sniff(other, other.read_bytes(), settings) is False
