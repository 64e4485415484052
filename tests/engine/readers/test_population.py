"""Population (denominator) readers: the authority's CSV, ONS Census 2021 bulk tables, and the
DfE school census.  Expected numbers are summed here from the inputs the tests write, or from
the shared TS021 file with the csv module, never copied from the reader's output."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from arpkit.engine.errors import Severity
from arpkit.engine.ethnicity import DFE_CODES, ONS_2021_CATEGORIES
from arpkit.engine.readers.population import (
    OnsEthnicityByAgeReader,
    PopulationReader,
    SchoolCensusReader,
    parse_age_band,
)
from arpkit.engine.records import PopulationRecord, ReadSettings

READERS = (OnsEthnicityByAgeReader, SchoolCensusReader, PopulationReader)


def write(path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def read(cls, path: Path, settings: ReadSettings | None = None, **kw):
    reader = cls([path], settings or ReadSettings(), **kw)
    records: list[PopulationRecord] = []
    for chunk in reader.chunks():
        assert not chunk.children and not chunk.events
        records.extend(chunk.population)
    return reader, records


def errors(reader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.ERROR]


def warnings(reader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.WARNING]


def ons_label(code: int) -> str:
    """The full TS021 label for an ONS category code, built from the shared table."""
    prefix = {"ASIAN": "Asian, Asian British or Asian Welsh",
              "BLACK": "Black, Black British, Black Welsh, Caribbean or African",
              "MIXED": "Mixed or Multiple ethnic groups", "WHITE": "White",
              "OTHER": "Other ethnic group"}
    name, _, group = ONS_2021_CATEGORIES[code]
    return f"{prefix[group]}: {name}"


# ------------------------------------------------------------------------------------------
# The authority's own CSV
# ------------------------------------------------------------------------------------------


def test_ethnicity_may_be_a_dfe_code_a_top_level_group_or_an_ons_category_name(tmp_path):
    ons_pakistani = ons_label(4)
    path = write(tmp_path / "pop.csv",
                 "ethnicity,population,vintage\n"
                 f"WBRI,1200,mye2023\nBlack,300,mye2023\n\"{ons_pakistani}\",45,mye2023\n")
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    cells = {(r.ethnicity_code, r.ethnicity_group): r.population for r in records}
    assert cells == {
        ("WBRI", DFE_CODES["WBRI"].group): 1200,
        (None, "BLACK"): 300,
        (ONS_2021_CATEGORIES[4][1], ONS_2021_CATEGORIES[4][2]): 45,
    }


def test_a_row_without_period_applies_to_every_period_and_source_defaults_to_user_csv(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,period,vintage\n"
                                       "WBRI,10,,v1\nAIND,20,2023/24,v1\nBCRB,30,2025,v1\n")
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    by_code = {r.ethnicity_code: r for r in records}
    assert by_code["WBRI"].period is None
    assert by_code["AIND"].period == 2024
    assert by_code["BCRB"].period == 2025
    assert {r.source for r in records} == {"user_csv"}


def test_la_code_comes_from_the_row_else_from_the_la_setting(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,la_code,vintage\n"
                                       "WBRI,10,E09000001,v\nAIND,20,,v\n")
    _, records = read(PopulationReader, path, ReadSettings(la_code="201"))
    assert {r.ethnicity_code: r.la_code for r in records} == {"WBRI": "E09000001", "AIND": "201"}
    _, records = read(PopulationReader, path)
    assert {r.ethnicity_code: r.la_code for r in records} == {"WBRI": "E09000001", "AIND": None}


def test_a_missing_vintage_is_allowed_but_warned_about_once(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population\nWBRI,10\nAIND,20\n")
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    assert [r.vintage for r in records] == [None, None]
    vintage_warnings = [w for w in warnings(reader) if w.field == "vintage"]
    assert len(vintage_warnings) == 1


def test_source_vintage_age_band_and_sex_columns_are_kept(tmp_path):
    path = write(tmp_path / "pop.csv", "sex,age_band,ethnicity,population,source,vintage\n"
                                       "Female,0-17,WBRI,10,ons_rm032,2021-03-21\n"
                                       "M,0-17,WBRI,11,ons_rm032,2021-03-21\n")
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    assert {(r.sex, r.age_band, r.source, r.vintage, r.population) for r in records} == {
        ("F", "0-17", "ons_rm032", "2021-03-21", 10), ("M", "0-17", "ons_rm032", "2021-03-21", 11)}


def test_a_negative_population_is_an_error_naming_file_row_field_and_value(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage\nWBRI,10,v\nAIND,-5,v\n")
    reader, _ = read(PopulationReader, path)
    [err] = errors(reader)
    assert (err.file, err.field, err.value) == ("pop.csv", "population", "-5")
    assert err.location.startswith("row 2")
    assert "negative" in err.message


def test_a_population_with_a_thousands_separator_is_accepted_with_a_note(tmp_path):
    path = write(tmp_path / "pop.csv", 'ethnicity,population,vintage\nWBRI,"1,234",v\n')
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    assert [r.population for r in records] == [1234]
    assert any("thousands" in w.message for w in warnings(reader))


def test_a_non_numeric_population_is_an_error(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage\nWBRI,lots,v\nAIND,,v\n")
    reader, _ = read(PopulationReader, path)
    assert [(e.location.split(" (")[0], e.value) for e in errors(reader)] == [
        ("row 1", "lots"), ("row 2", "")]


def test_a_missing_required_column_is_an_error_naming_it(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,count\nWBRI,10\n")
    reader, records = read(PopulationReader, path)
    assert records == []
    assert any("population" in e.field for e in errors(reader))


def test_duplicate_cells_are_an_error_listing_both_rows(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,period,vintage\n"
                                       "WBRI,10,2024,v\nAIND,20,2024,v\nWBRI,11,2024,v\n"
                                       "WBRI,12,2025,v\n")
    reader, _ = read(PopulationReader, path)
    [err] = errors(reader)
    assert "row 1" in err.location and "row 3" in err.location


def test_ons_categories_sharing_one_dfe_cell_are_added_together_with_a_note(tmp_path):
    arab, other, white_british = ons_label(18), ons_label(19), ons_label(13)
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage\n"
                                       f'"{arab}",7,v\n"{other}",5,v\n"{white_british}",90,v\n')
    reader, records = read(PopulationReader, path)
    assert errors(reader) == []
    assert {r.ethnicity_code: r.population for r in records} == {
        ONS_2021_CATEGORIES[18][1]: 7 + 5, ONS_2021_CATEGORIES[13][1]: 90}
    assert any("added together" in w.message for w in warnings(reader))


def test_an_ethnicity_label_that_cannot_be_mapped_is_an_error_naming_the_row(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage\nWBRI,10,v\nMartian,3,v\n")
    reader, _ = read(PopulationReader, path)
    [err] = errors(reader)
    assert (err.field, err.value) == ("ethnicity", "Martian")
    assert err.location.startswith("row 2")


def test_an_unexpected_column_is_an_error_unless_extra_columns_are_ignored(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage,notes\nWBRI,10,v,x\n")
    reader, _ = read(PopulationReader, path)
    assert [e.field for e in errors(reader)] == ["notes"]
    reader, records = read(PopulationReader, path, ReadSettings(extra_columns="ignore"))
    assert errors(reader) == [] and len(records) == 1
    assert any(w.field == "notes" for w in warnings(reader))


def test_a_utf16_file_with_a_bom_and_crlf_line_ends_reads(tmp_path):
    path = write(tmp_path / "pop.csv", "ethnicity,population,vintage\nWBRI,10,v\n",
                 encoding="utf-16", newline="\r\n")
    reader, records = read(PopulationReader, path)
    assert errors(reader) == [] and [r.population for r in records] == [10]


def test_a_cp1252_file_fails_with_the_byte_offset_unless_its_encoding_is_given(tmp_path):
    text = "ethnicity,population,vintage,la_code\nWBRI,10,v,Caf\u00e9\n"
    path = write(tmp_path / "pop.csv", text, encoding="cp1252")
    reader, records = read(PopulationReader, path)
    [err] = errors(reader)
    offset = text.encode("cp1252").index(b"\xe9")
    assert f"byte offset {offset}" in err.location and "CSV UTF-8" in err.message
    assert records == []
    reader, records = read(PopulationReader, path, ReadSettings(encoding="cp1252"))
    assert errors(reader) == [] and records[0].la_code == "Caf\u00e9"


# ------------------------------------------------------------------------------------------
# ONS Census 2021 bulk tables
# ------------------------------------------------------------------------------------------

ONS_HEADER = ("Upper tier local authorities Code,Upper tier local authorities,"
              "Ethnic group (20 categories) Code,Ethnic group (20 categories),"
              "Age ({n} categories) Code,Age ({n} categories),Observation\n")


def ons_by_age(path: Path, ages: list[str], categories: list[int], *, areas=("E09000001",),
               value=lambda area, cat, age_index: 10 + cat * 3 + age_index) -> tuple[Path, dict]:
    """Write an ONS bulk table and return it with {(area, category): {age label: count}}."""
    lines = [ONS_HEADER.format(n=len(ages))]
    counts: dict = defaultdict(dict)
    for area in areas:
        for cat in [-8, *categories]:
            label = "Does not apply" if cat == -8 else ons_label(cat)
            for i, age in enumerate(ages, start=1):
                n = 0 if cat == -8 else value(area, cat, i)
                lines.append(f'{area},Somewhere,{cat},"{label}",{i},{age},{n}\n')
                counts[(area, cat)][age] = n
    path.write_text("".join(lines), encoding="utf-8")
    return path, counts


AGE_BANDS = ["Aged 4 years and under", "Aged 5 to 9 years", "Aged 10 to 15 years",
             "Aged 16 to 17 years", "Aged 18 to 24 years", "Aged 25 years and over"]


def test_ons_ethnicity_by_age_is_summed_over_ages_0_to_17(tmp_path):
    path, counts = ons_by_age(tmp_path / "rm.csv", AGE_BANDS, [3, 13],
                              areas=("E09000001", "E06000001"))
    reader, records = read(OnsEthnicityByAgeReader, path)
    assert errors(reader) == []
    got = {(r.la_code, r.ethnicity_code): r.population for r in records}
    under_18 = AGE_BANDS[:4]
    expected = {(area, ONS_2021_CATEGORIES[cat][1]): sum(counts[(area, cat)][a] for a in under_18)
                for area, cat in counts if cat != -8}
    assert got == expected
    assert {(r.age_band, r.period, r.source, r.vintage) for r in records} == {
        ("0-17", None, "ons_census_2021_ethnicity_by_age", "2021-03-21")}


def test_single_years_of_age_are_accepted(tmp_path):
    ages = ["Aged under 1 year", "Aged 1 year", *[f"Aged {a} years" for a in range(2, 21)]]
    path, counts = ons_by_age(tmp_path / "rm.csv", ages, [6])
    reader, records = read(OnsEthnicityByAgeReader, path)
    assert errors(reader) == []
    [rec] = records
    assert rec.ethnicity_code == ONS_2021_CATEGORIES[6][1]
    assert rec.population == sum(counts[("E09000001", 6)][a] for a in ages[:18])


def test_ons_categories_without_one_dfe_code_are_kept_at_group_level(tmp_path):
    # 15 Gypsy or Irish Traveller and 16 Roma have no one-to-one DfE code; 18 Arab and 19 Any
    # other ethnic group both fall in OOTH.  Each DfE cell appears once, with the counts added.
    path, counts = ons_by_age(tmp_path / "rm.csv", AGE_BANDS, [15, 16, 18, 19])
    reader, records = read(OnsEthnicityByAgeReader, path)
    assert errors(reader) == []
    got = {(r.ethnicity_code, r.ethnicity_group): r.population for r in records}

    def kids(cat):
        return sum(counts[("E09000001", cat)][a] for a in AGE_BANDS[:4])

    assert got == {(None, "WHITE"): kids(15) + kids(16), ("OOTH", "OTHER"): kids(18) + kids(19)}


def test_with_an_la_setting_only_that_authoritys_rows_of_a_national_table_are_read(tmp_path):
    path, counts = ons_by_age(tmp_path / "rm.csv", AGE_BANDS, [3],
                              areas=("E09000001", "E06000001"))
    reader, records = read(OnsEthnicityByAgeReader, path, ReadSettings(la_code="E06000001"))
    assert errors(reader) == []
    assert [(r.la_code, r.population) for r in records] == [
        ("E06000001", sum(counts[("E06000001", 3)][a] for a in AGE_BANDS[:4]))]
    reader, records = read(OnsEthnicityByAgeReader, path, ReadSettings(la_code="E08000001"))
    assert records == [] and "no rows for this authority" in errors(reader)[0].message


def test_does_not_apply_rows_are_dropped(tmp_path):
    path, _ = ons_by_age(tmp_path / "rm.csv", AGE_BANDS, [1])
    reader, records = read(OnsEthnicityByAgeReader, path)
    assert len(records) == 1
    assert reader.meta.details["does_not_apply_rows_dropped"] == len(AGE_BANDS)


def test_an_age_band_crossing_18_is_refused_because_it_cannot_be_split(tmp_path):
    ages = ["Aged 4 years and under", "Aged 5 to 9 years", "Aged 10 to 14 years",
            "Aged 15 to 19 years", "Aged 20 years and over"]
    path, _ = ons_by_age(tmp_path / "rm.csv", ages, [1])
    reader, _ = read(OnsEthnicityByAgeReader, path)
    crossing = [e for e in errors(reader) if e.value == "Aged 15 to 19 years"]
    assert crossing and "cannot be split" in crossing[0].message


def test_age_bands_that_leave_a_gap_under_18_are_an_error(tmp_path):
    ages = ["Aged 4 years and under", "Aged 10 to 15 years", "Aged 16 to 17 years",
            "Aged 18 years and over"]
    path, _ = ons_by_age(tmp_path / "rm.csv", ages, [1])
    reader, _ = read(OnsEthnicityByAgeReader, path)
    [err] = errors(reader)
    assert err.value == "5, 6, 7, 8, 9"


@pytest.mark.parametrize(("label", "band"), [
    ("Aged under 1 year", (0, 0)), ("Aged 1 year", (1, 1)), ("Aged 4 years", (4, 4)),
    ("Aged 5 to 9 years", (5, 9)), ("Aged 15 to 17", (15, 17)),
    ("Aged 4 years and under", (0, 4)), ("Total", None),
])
def test_ons_age_labels_are_read_as_year_ranges(label, band):
    assert parse_age_band(label) == band


def test_an_age_label_that_is_not_understood_is_an_error():
    with pytest.raises(ValueError, match="age category"):
        parse_age_band("Young adults")


def ts021(shared_data: Path) -> Path:
    return shared_data / "reference" / "ons" / "ons-ethnic-population-la.csv"


def test_the_real_ts021_file_is_recognised_as_an_ons_table_and_by_no_other_reader(shared_data):
    path = ts021(shared_data)
    head = path.read_bytes()[:65536]
    assert [cls for cls in READERS if cls.sniff(path, head)] == [OnsEthnicityByAgeReader]


def test_the_all_age_ts021_table_is_refused_as_a_child_denominator(shared_data):
    reader, records = read(OnsEthnicityByAgeReader, ts021(shared_data))
    assert records == []
    [err] = errors(reader)
    assert "ALL AGES" in err.message and "TS021" in err.message


def test_the_all_age_table_loads_labelled_when_explicitly_allowed(shared_data):
    path = ts021(shared_data)
    reader, records = read(OnsEthnicityByAgeReader, path,
                           ReadSettings(allow_all_age_population=True))
    assert errors(reader) == []
    assert any("ALL-AGE" in w.message for w in warnings(reader))
    assert {(r.age_band, r.source) for r in records} == {
        ("all_ages", "ons_census_2021_ts021_all_ages")}
    expected: dict[str, int] = defaultdict(int)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Ethnic group (20 categories) Code"] != "-8":
                expected[row["2023 Upper tier local authorities Code"]] += int(row["Observation"])
    got: dict[str, int] = defaultdict(int)
    for r in records:
        got[r.la_code] += r.population
    assert got == expected


# ------------------------------------------------------------------------------------------
# DfE school census
# ------------------------------------------------------------------------------------------

# Reordered against EES (la_name before new_la_code; number_of_pupils before ethnicity).
SCHOOL_HEADER = ("time_identifier,time_period,geographic_level,country_code,country_name,"
                 "region_code,region_name,old_la_code,la_name,new_la_code,phase_type_grouping,"
                 "language,number_of_pupils,ethnicity_major,ethnicity_minor,percent_of_pupils")
PHASES = ("Total", "State-funded primary", "State-funded secondary")
SCHOOL_LABELS = {"White - White British": "WBRI", "Asian - Indian": "AIND",
                 "Black - Black African": "BAFR"}


def school_census(path: Path, counts: dict, *, extra_rows: list[str] = ()) -> Path:
    """counts: {(phase, ethnicity_minor): number}; language rows are Total plus a split."""
    lines = [SCHOOL_HEADER]
    for (phase, minor), n in counts.items():
        major = minor.split(" - ")[0]
        for language, value in (("Total", n), ("Known or believed to be English", n // 2)):
            lines.append(f"Spring term,202324,Local authority,E92000001,England,E12000007,London,"
                         f"201,City of London,E09000001,{phase},{language},{value},{major},"
                         f"{minor},1.5")
        lines.append(f"Spring term,202324,National,E92000001,England,,,,,,{phase},Total,"
                     f"{n * 100},{major},{minor},1.5")
    lines.extend(extra_rows)
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def school_counts() -> dict:
    counts = {}
    for i, label in enumerate(SCHOOL_LABELS):
        primary, secondary = 100 + i, 50 + 3 * i
        counts[("State-funded primary", label)] = primary
        counts[("State-funded secondary", label)] = secondary
        counts[("Total", label)] = primary + secondary + 7
    return counts


def test_school_census_total_rows_become_pupil_counts_for_the_collection_year(tmp_path):
    counts = school_counts()
    path = school_census(tmp_path / "spc.csv", counts)
    reader, records = read(SchoolCensusReader, path)
    assert errors(reader) == []
    got = {r.ethnicity_code: r.population for r in records}
    assert got == {SCHOOL_LABELS[label]: n for (phase, label), n in counts.items()
                   if phase == "Total"}
    # 202324 is the 2023/24 academic year; its January census falls in the year ending
    # 31 March 2024.
    assert {(r.la_code, r.period, r.vintage, r.source) for r in records} == {
        ("E09000001", 2024, "202324", "school_census")}


def test_school_census_sums_the_phases_the_user_selects(tmp_path):
    counts = school_counts()
    path = school_census(tmp_path / "spc.csv", counts)
    reader, records = read(SchoolCensusReader, path,
                           phases=("State-funded primary", "State-funded secondary"))
    assert errors(reader) == []
    got = {r.ethnicity_code: r.population for r in records}
    assert got == {code: counts[("State-funded primary", label)]
                   + counts[("State-funded secondary", label)]
                   for label, code in SCHOOL_LABELS.items()}


def test_school_census_rows_can_be_chosen_by_the_three_digit_la_number(tmp_path):
    counts = school_counts()
    other_la = ("Spring term,202324,Local authority,E92000001,England,E12000007,London,202,"
                "Camden,E09000007,Total,Total,999,White,White - White British,1")
    path = school_census(tmp_path / "spc.csv", counts, extra_rows=[other_la])
    reader, records = read(SchoolCensusReader, path, ReadSettings(la_code="201"))
    assert errors(reader) == []
    assert {r.la_code for r in records} == {"E09000001"}
    assert reader.meta.details["rows_for_other_areas_skipped"] == 1


def test_choosing_total_together_with_another_phase_is_refused(tmp_path):
    path = school_census(tmp_path / "spc.csv", school_counts())
    reader, records = read(SchoolCensusReader, path, phases=("Total", "State-funded primary"))
    assert records == [] and errors(reader)[0].field == "phase_type_grouping"


def test_school_census_warns_once_that_pupils_are_not_resident_children(tmp_path):
    path = school_census(tmp_path / "spc.csv", school_counts())
    reader, _ = read(SchoolCensusReader, path)
    assert len([w for w in warnings(reader) if "pupils on roll" in w.message]) == 1


def test_dfe_suppression_symbols_are_left_out_with_their_reason(tmp_path):
    counts = school_counts()
    row = ("Spring term,202324,Local authority,E92000001,England,E12000007,London,201,"
           "City of London,E09000001,Total,Total,c,Mixed,Mixed - White and Asian,c")
    path = school_census(tmp_path / "spc.csv", counts, extra_rows=[row])
    reader, records = read(SchoolCensusReader, path)
    assert errors(reader) == []
    assert "MWAS" not in {r.ethnicity_code for r in records}
    [symbol] = [w for w in warnings(reader) if w.value == "c"]
    assert symbol.field == "number_of_pupils" and "suppressed" in symbol.message


def test_unclassified_and_refused_pupils_are_left_out_of_the_denominator_and_counted(tmp_path):
    rows = [("Spring term,202324,Local authority,E92000001,England,E12000007,London,201,"
             f"City of London,E09000001,Total,Total,{n},{major},{minor},1")
            for n, major, minor in ((12, "Unclassified", "Unclassified"),
                                    (5, "Refused", "Refused"))]
    path = school_census(tmp_path / "spc.csv", school_counts(), extra_rows=rows)
    reader, records = read(SchoolCensusReader, path)
    assert errors(reader) == []
    assert {r.ethnicity_group for r in records} <= {"WHITE", "ASIAN", "BLACK"}
    assert reader.meta.details["pupils_without_a_classified_ethnicity"] == 12 + 5
    assert any("unclassified" in w.message for w in warnings(reader))


def test_an_unknown_school_census_ethnicity_is_an_error_naming_the_row(tmp_path):
    row = ("Spring term,202324,Local authority,E92000001,England,E12000007,London,201,"
           "City of London,E09000001,Total,Total,5,Other,Martian,1")
    path = school_census(tmp_path / "spc.csv", school_counts(), extra_rows=[row])
    reader, _ = read(SchoolCensusReader, path)
    [err] = errors(reader)
    assert (err.field, err.value) == ("ethnicity_minor", "Martian")


def test_a_school_census_year_that_is_not_an_academic_year_is_an_error(tmp_path):
    row = ("Spring term,202399,Local authority,E92000001,England,E12000007,London,201,"
           "City of London,E09000001,Total,Total,5,White,White - White British,1")
    path = write(tmp_path / "spc.csv", SCHOOL_HEADER + "\n" + row + "\n")
    reader, _ = read(SchoolCensusReader, path)
    assert [(e.field, e.value) for e in errors(reader)] == [("time_period", "202399")]


# ------------------------------------------------------------------------------------------
# Detection
# ------------------------------------------------------------------------------------------


def test_each_population_layout_is_claimed_by_exactly_one_reader(tmp_path):
    user = write(tmp_path / "pop.csv", "ethnicity,population\nWBRI,10\n")
    ons, _ = ons_by_age(tmp_path / "rm.csv", AGE_BANDS, [1])
    school = school_census(tmp_path / "spc.csv", school_counts())
    for path, owner in ((user, PopulationReader), (ons, OnsEthnicityByAgeReader),
                        (school, SchoolCensusReader)):
        head = path.read_bytes()
        assert [cls for cls in READERS if cls.sniff(path, head)] == [owner], path.name


def test_no_population_reader_claims_an_xml_file_or_an_ssda903_table(tmp_path, shared_data):
    xml = shared_data / "cin_census" / "samples" / "CIN2rows.xml"
    header = shared_data / "ssda903" / "fake_single_year" / "header.csv"
    for path in (xml, header):
        head = path.read_bytes()[:65536]
        assert [cls for cls in READERS if cls.sniff(path, head)] == []
