"""The Ofsted Annex A reader: what an analyst loading a real, messy workbook relies on.

Sample workbooks come from ../shared/data/annex_a (public fake data); every other workbook is
built here in tmp_path with openpyxl so each test shows exactly the mess it is about.
Expected counts are taken from the workbooks with openpyxl directly, not from the reader.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from arpkit.engine.errors import Severity
from arpkit.engine.readers.annex_a import AnnexAReader, list_number, normalise_header
from arpkit.engine.records import ChildRecord, EventRecord, ReadSettings

D = dt.datetime
SAMPLES = ("Annex_A.xlsx", "Annex_A_2024_Jan.xlsx")
STAGES = {1: "contact", 2: "early_help", 3: "referral", 4: "assessment", 5: "s47", 6: "cin",
          7: "cp_plan", 8: "cla"}

# ------------------------------------------------------------------------------------------------
# Building workbooks
# ------------------------------------------------------------------------------------------------

CHILD = {"Child Unique ID": 1001, "Gender": "a) Male", "Ethnicity": "a) WBRI",
         "Date of Birth": D(2012, 5, 1), "Age": 8.4}
LIST_COLUMNS: dict[int, dict[str, Any]] = {
    1: {"Date of Contact": D(2020, 9, 16), "Contact Source": "q) 6: Police"},
    2: {"Assessment start date": D(2020, 9, 1), "Assessment completion date": D(2020, 9, 20),
        "Organisation completing assessment": "Early Help Service"},
    3: {"Date of Referral": D(2020, 9, 17), "Referral Source": "a) 1A: Individual",
        "Referral NFA?": "No", "Allocated Team": "Duty Team", "Allocated Worker": "Ann Worker"},
    4: {"Does the Child have a Disability": "b) No",
        "Continuous Assessment Start Date": D(2020, 9, 18),
        "Continuous Assessment Date of Authorisation": D(2020, 10, 30),
        "Was the child assessed as requiring LA children's social care support?": "a) Yes",
        "Allocated Team": "Duty Team", "Allocated Worker": "Ann Worker"},
    5: {"Does the Child have a Disability": "b) No",
        "Strategy discussion initiating Section 47 Enquiry Start Date": D(2020, 10, 1),
        "Was an Initial Child Protection Conference deemed unnecessary?": "No",
        "Date of Initial Child Protection Conference": D(2020, 10, 20),
        "Did the Initial Child Protection Conference Result in a Child Protection Plan": "Yes",
        "Allocated Team": "Duty Team", "Allocated Worker": "Ann Worker"},
    6: {"Does the Child have a Disability": "b) No", "CIN Start Date": D(2020, 10, 1),
        "Primary Need Code": "N1 - Abuse or Neglect", "CIN Closure Date": None,
        "Reason for Closure": None, "Case Status": "b) Child Protection plan",
        "Allocated Team": "Locality Team", "Allocated Worker": "Ann Worker"},
    7: {"Does the Child have a Disability": "b) No",
        "Child Protection Plan Start Date": D(2020, 10, 20),
        "Initial Category of Abuse": "a) Neglect", "Latest Category of Abuse": "a) Neglect",
        "Child Protection Plan End Date": None, "Allocated Team": "Locality Team",
        "Allocated Worker": "Ann Worker"},
    8: {"Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))": "b) No",
        "Does the Child have a Disability": "b) No",
        "Date Started to be Looked After": D(2021, 1, 5),
        "Child's Category of Need": "N1 - Abuse or Neglect", "Child's Legal Status": "C2: FCO",
        "Date Ceased to be Looked After": None, "Reason Ceased to be Looked After": None,
        "Placement Type": "a) U1: Foster placement - relatives - long term",
        "Placement Provider": "b) PR1 - Own provision", "Placement postcode": "ZZ9 9ZZ",
        "Placement Location": "Secret Street Home", "Allocated Team": "Children in Care Team",
        "Allocated Worker": "Ann Worker"},
}


def list_sheet(n: int, *rows: dict[str, Any]) -> list[list[Any]]:
    """A sheet for List n: the standard header row, then one row per dict (defaults filled)."""
    headers = [*CHILD, *LIST_COLUMNS[n]]
    body = [[{**CHILD, **LIST_COLUMNS[n], **row}.get(h) for h in headers] for row in rows]
    return [headers, *body]


def standard_sheets() -> dict[str, list[list[Any]]]:
    """Lists 1-8, one child on each, as a clean workbook would have them."""
    return {f"List {n}": list_sheet(n, {}) for n in range(1, 9)}


def write_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def read(path: Path, **settings: Any) -> tuple[AnnexAReader, list[ChildRecord], list[EventRecord]]:
    reader = AnnexAReader([path], ReadSettings(**settings))
    chunks = list(reader.chunks())
    children = [c for chunk in chunks for c in chunk.children]
    events = [e for chunk in chunks for e in chunk.events]
    return reader, children, events


def errors(reader: AnnexAReader) -> list[str]:
    return [str(p) for p in reader.problems.problems if p.severity is Severity.ERROR]


def warnings(reader: AnnexAReader) -> list[str]:
    return [str(p) for p in reader.problems.problems if p.severity is Severity.WARNING]


def header_column(ws: Any, header: str) -> int:
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True))
    return [str(h).strip() if h is not None else "" for h in first].index(header)


# ------------------------------------------------------------------------------------------------
# The public sample workbooks
# ------------------------------------------------------------------------------------------------


def count_sample(path: Path) -> tuple[Counter[str], set[str]]:
    """Events per stage and distinct children, counted straight from the cells: one event per
    non-blank row of Lists 1-8, one child per distinct value in column A of Lists 1-10."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    stages: Counter[str] = Counter()
    ids: set[str] = set()
    for n in range(1, 11):
        for row in wb[f"List {n}"].iter_rows(min_row=2, values_only=True):
            if row and row[0] is not None:
                ids.add(str(row[0]))
                if n in STAGES:
                    stages[STAGES[n]] += 1
    wb.close()
    return stages, ids


@pytest.mark.parametrize("name", SAMPLES)
def test_both_sample_workbooks_load_with_one_event_per_row_and_one_record_per_child(
        shared_data: Path, name: str) -> None:
    path = shared_data / "annex_a" / name
    expected_stages, expected_ids = count_sample(path)

    reader, children, events = read(path)

    assert errors(reader) == []
    assert Counter(e.stage for e in events) == expected_stages
    assert {c.source_child_id for c in children} == expected_ids
    assert len(children) == len(expected_ids)
    assert reader.meta.details["lists_found"] == list(range(1, 12))
    assert reader.meta.details["lists_missing"] == []


@pytest.mark.parametrize("name", SAMPLES)
def test_the_sample_workbooks_are_recognised_as_annex_a(shared_data: Path, name: str) -> None:
    path = shared_data / "annex_a" / name
    assert AnnexAReader.sniff(path, path.read_bytes()[:512])


def test_sample_headers_with_trailing_spaces_curly_quotes_and_doubled_brackets_all_match(
        shared_data: Path) -> None:
    # Annex_A.xlsx has 'Date of Adoption Order ' (List 10), curly-quoted 'Missing'/'Absent'
    # and '(Y/N))' (List 8): if any failed to match it would be listed as an unknown column.
    path = shared_data / "annex_a" / "Annex_A.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True)
    headers_10 = next(wb["List 10"].iter_rows(max_row=1, values_only=True))
    headers_8 = next(wb["List 8"].iter_rows(max_row=1, values_only=True))
    wb.close()
    assert "Date of Adoption Order " in headers_10
    assert any("‘Missing’" in str(h) for h in headers_8)

    reader, _, _ = read(path)

    assert reader.meta.details["extra_columns"] == {}


def test_hash_n_a_in_the_team_column_means_no_team_and_is_counted(shared_data: Path) -> None:
    path = shared_data / "annex_a" / "Annex_A.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb["List 6"]
    col = header_column(ws, "Allocated Team")
    n_a = sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if row[col] == "#N/A")
    wb.close()
    assert n_a > 0

    reader, _, events = read(path)

    cin = [e for e in events if e.stage == "cin"]
    assert [e.team for e in cin] == [None] * len(cin)
    assert reader.meta.details["team_placeholders"]["List 6"] == n_a


def test_sample_formulas_such_as_h2_plus_5_are_read_from_their_saved_values(
        shared_data: Path) -> None:
    path = shared_data / "annex_a" / "Annex_A.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    formulas = [c for row in wb["List 10"].iter_rows(values_only=True) for c in row
                if isinstance(c, str) and c.startswith("=")]
    wb.close()
    assert "=H2+5" in formulas

    reader, _, _ = read(path)

    assert not [p for p in reader.problems.problems if "formula" in p.message]


def test_the_sample_workbook_keeps_worker_names_and_postcodes_out_of_every_record(
        shared_data: Path) -> None:
    path = shared_data / "annex_a" / "Annex_A.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    private: set[str] = set()
    for title, header in (("List 3", "Allocated Worker"), ("List 8", "Allocated Worker"),
                          ("List 8", "Placement postcode"), ("List 8", "Placement Location"),
                          ("List 9", "Allocated Worker")):
        ws = wb[title]
        col = header_column(ws, header)
        private |= {str(r[col]).replace("\xa0", " ") for r in ws.iter_rows(min_row=2,
                    values_only=True) if r[col]}
    wb.close()

    _, children, events = read(path)

    text = repr(children) + repr(events)
    assert private
    assert [p for p in private if p in text] == []


# ------------------------------------------------------------------------------------------------
# Headers and sheets
# ------------------------------------------------------------------------------------------------


def test_a_clean_workbook_gives_one_event_per_list_with_bare_codes(tmp_path: Path) -> None:
    reader, children, events = read(write_workbook(tmp_path / "a.xlsx", standard_sheets()))

    assert errors(reader) == []
    by_stage = {e.stage: e for e in events}
    assert sorted(by_stage) == sorted(STAGES.values())
    assert by_stage["contact"].referral_source == "6"
    assert by_stage["referral"].referral_source == "1A"
    assert by_stage["referral"].referral_nfa is False
    assert by_stage["cin"].need_code == "N1"
    assert by_stage["cp_plan"].category_of_abuse == "NEG"
    cla = by_stage["cla"]
    assert (cla.legal_status, cla.placement, cla.need_code, cla.rne) == ("C2", "U1", "N1", "S")
    assert json.loads(cla.detail or "{}")["placement_provider"] == "PR1"
    assert json.loads(by_stage["assessment"].detail or "{}") == {"requires_support": True}
    s47 = json.loads(by_stage["s47"].detail or "{}")
    assert s47 == {"icpc_date": "2020-10-20", "icpc_unnecessary": False,
                   "resulted_in_plan": True}
    assert children == [ChildRecord("1001", "a) WBRI", "M", dt.date(2012, 5, 1), False, False)]


def test_a_header_with_a_trailing_space_or_curly_apostrophe_still_matches(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"][0][sheets["List 3"][0].index("Date of Referral")] = "Date of Referral "
    sheets["List 8"][0][sheets["List 8"][0].index("Child's Legal Status")] = "Child’s  Legal Status"

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert [e.start_date for e in events if e.stage == "referral"] == [dt.date(2020, 9, 17)]
    assert [e.legal_status for e in events if e.stage == "cla"] == ["C2"]


def test_a_column_called_stage_is_not_mistaken_for_age_but_listed_as_unknown(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"][0].append("Stage")
    sheets["List 1"][1].append("Front door")

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert reader.meta.details["extra_columns"] == {"List 1": ["Stage"]}


def test_a_workbook_missing_lists_is_an_error_naming_each_missing_list(tmp_path: Path) -> None:
    sheets = standard_sheets()
    del sheets["List 4"], sheets["List 7"]

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert reader.meta.details["lists_missing"] == [4, 7, 9, 10, 11]
    assert any("List 4, List 7" in e for e in errors(reader))


def test_a_workbook_missing_lists_loads_with_allow_partial_and_still_names_them(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    del sheets["List 4"], sheets["List 7"]

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets), allow_partial=True)

    assert errors(reader) == []
    assert any("List 4, List 7" in w for w in warnings(reader))
    assert {e.stage for e in events} == set(STAGES.values()) - {"assessment", "cp_plan"}


@pytest.mark.parametrize("name", ["list1", "List1", "list 1", "List 1 - Contacts", " LIST_1 "])
def test_a_renamed_list_sheet_is_still_found(tmp_path: Path, name: str) -> None:
    sheets = standard_sheets()
    sheets[name] = sheets.pop("List 1")

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert reader.meta.details["sheets"]["List 1"] == name
    assert [e.stage for e in events].count("contact") == 1


def test_sheet_names_that_are_not_lists_1_to_11_are_not_taken_for_one() -> None:
    assert [list_number(n) for n in ("List 10", "List 11", "List 12", "Checklist 1", "Notes")
            ] == [10, 11, None, None, None]


def test_extra_sheets_are_ignored_and_reported(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["Notes"] = [["Prepared by", "Someone"]]

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert reader.meta.details["extra_sheets"] == ["Notes"]
    assert any("'Notes'" in w for w in warnings(reader))


def test_blank_rows_above_the_header_are_skipped_and_reported_with_their_count(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"] = [[None], [None], [None], *sheets["List 3"]]

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert reader.meta.details["header_rows"]["List 3"] == 4
    assert [w for w in warnings(reader) if "List 3 row 4" in w and "3 blank" in w]
    assert [e.start_date for e in events if e.stage == "referral"] == [dt.date(2020, 9, 17)]


def test_a_missing_required_header_is_an_error_naming_the_sheet_and_the_header(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    header = sheets["List 6"][0]
    header[header.index("CIN Start Date")] = "Start"

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e for e in errors(reader) if "List 6" in e and "'CIN Start Date'" in e]
    assert "cin" not in {e.stage for e in events}


def test_a_duplicated_required_header_is_an_error_naming_both_cells(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"][0].append("Date of referral")
    sheets["List 3"][1].append(D(2020, 9, 30))

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    col = openpyxl.utils.get_column_letter(len(sheets["List 3"][0]))
    assert [e for e in errors(reader) if "List 3!F1" in e and f"List 3!{col}1" in e]


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------


def test_child_ids_saved_as_excel_numbers_lose_the_point_zero_and_text_ids_keep_leading_zeros(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Child Unique ID": 566910.0},
                                  {"Child Unique ID": "007"})

    reader, children, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert {"566910", "007"} <= {c.source_child_id for c in children}


def test_a_child_id_that_is_not_a_whole_number_is_an_error_naming_the_cell(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Child Unique ID": 1234.5})

    reader, children, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e for e in errors(reader) if "List 1!A2" in e and "non-integral" in e]
    assert "1234.5" not in {c.source_child_id for c in children}
    assert not [e for e in errors(reader) if "1234" in e]  # the cell is named, not the id


def test_a_row_with_data_but_a_blank_child_id_is_an_error_naming_the_sheet_and_row(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 2"] = list_sheet(2, {}, {"Child Unique ID": None})

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e for e in errors(reader) if "List 2!A3" in e and "List 2 row 3" in e]
    assert [e.stage for e in events].count("early_help") == 1


def test_wholly_blank_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    sheets = standard_sheets()
    rows = list_sheet(7, {}, {"Child Unique ID": 1002})
    sheets["List 7"] = [rows[0], rows[1], [None] * len(rows[0]), [" "], rows[2]]

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert reader.meta.details["blank_rows"]["List 7"] == 2
    assert [e.stage for e in events].count("cp_plan") == 2


def test_lettered_and_bare_gender_values_both_map_to_a_sex_code(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Child Unique ID": 1, "Gender": "Female"},
                                  {"Child Unique ID": 2, "Gender": "b) Female"},
                                  {"Child Unique ID": 3, "Gender": "c) Not stated/recorded"})

    _, children, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    sexes = {c.source_child_id: c.sex for c in children}
    assert (sexes["1"], sexes["2"], sexes["3"]) == ("F", "F", "U")


def test_text_dates_in_day_month_year_form_are_read(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"] = list_sheet(3, {"Date of Referral": "02/11/2020"})

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert [e.start_date for e in events if e.stage == "referral"] == [dt.date(2020, 11, 2)]


def test_a_text_date_in_us_month_first_form_is_an_error_not_a_guess(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"] = list_sheet(3, {"Date of Referral": "02/15/2016"})

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e for e in errors(reader) if "List 3!F2" in e and "02/15/2016" in e]
    assert "referral" not in {e.stage for e in events}


def test_a_date_typed_as_a_plain_number_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Date of Contact": 44090})

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e for e in errors(reader) if "List 1!F2" in e and "serial number" in e]


def test_an_unrecognised_code_is_reported_once_with_its_count_and_kept_as_a_label(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    odd = "PSRMEM - Support with memory and cognition"
    sheets["List 6"] = list_sheet(6, {"Primary Need Code": odd}, {"Primary Need Code": odd})

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert [w for w in warnings(reader) if odd in w and "2 row(s)" in w]
    cin = [e for e in events if e.stage == "cin"]
    assert [(e.need_code, json.loads(e.detail or "{}")["need_label"]) for e in cin] == [
        (None, odd), (None, odd)]


def test_a_closure_reason_given_only_as_a_label_is_kept_in_the_detail(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 6"] = list_sheet(6, {"Reason for Closure": "RC8 - Case closed after assessment"},
                                  {"Reason for Closure": "h) Child not in need after assessment",
                                   "Child Unique ID": 1002})

    _, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    cin = [e for e in events if e.stage == "cin"]
    assert [e.closure_reason for e in cin] == ["RC8", None]
    assert json.loads(cin[1].detail or "{}")["closure_reason_label"] == (
        "h) Child not in need after assessment")


def test_team_placeholders_become_no_team_and_real_team_names_are_cleaned(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"] = list_sheet(3, *({"Child Unique ID": i, "Allocated Team": t}
                                       for i, t in enumerate(["#N/A", "nan", "-", ".",
                                                              "Duty\xa0 Team "])))

    reader, _, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert [e.team for e in events if e.stage == "referral"] == [None] * 4 + ["Duty Team"]
    assert reader.meta.details["team_placeholders"]["List 3"] == 4


# ------------------------------------------------------------------------------------------------
# Formulas
# ------------------------------------------------------------------------------------------------


def save_cached_value(path: Path, formula: str, cached: str, *, text: bool = False) -> None:
    """Give a formula written by openpyxl the value Excel would have saved with it (openpyxl
    itself never calculates, so it writes an empty <v/>).  ``text`` marks the saved value as
    a string, as Excel does for formulas such as =IF(A2="","",A2+5)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    pattern = re.compile(rf"(<c [^>]*?)>(<f>{re.escape(formula)}</f>)<v\s*/?>(</v>)?")
    kind = ' t="str"' if text else ""
    hits = 0
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            new, n = pattern.subn(rf"\g<1>{kind}>\g<2><v>{cached}</v>", data.decode())
            parts[name], hits = new.encode(), hits + n
    assert hits == 1
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def formula_workbook(path: Path) -> Path:
    """Date of Referral (List 3!F2) is the formula =D2+3000 formatted as a date."""
    sheets = standard_sheets()
    sheets["List 3"] = list_sheet(3, {"Date of Referral": "=D2+3000"})
    write_workbook(path, sheets)
    wb = openpyxl.load_workbook(path)
    wb["List 3"]["F2"].number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


def test_a_formula_is_read_as_the_value_excel_saved_with_it(tmp_path: Path) -> None:
    path = formula_workbook(tmp_path / "a.xlsx")
    saved = dt.date(2020, 9, 21)
    save_cached_value(path, "D2+3000", str((saved - dt.date(1899, 12, 30)).days))

    reader, _, events = read(path)

    assert errors(reader) == []
    assert [e.start_date for e in events if e.stage == "referral"] == [saved]


def test_a_formula_whose_saved_value_is_empty_text_reads_as_blank_not_as_an_error(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 6"] = list_sheet(6, {"CIN Closure Date": '=IF(G2>0,"",G2)'})
    path = write_workbook(tmp_path / "a.xlsx", sheets)
    save_cached_value(path, 'IF(G2&gt;0,"",G2)', "", text=True)

    reader, _, events = read(path)

    assert errors(reader) == []
    assert [e.end_date for e in events if e.stage == "cin"] == [None]


def test_a_formula_without_a_saved_value_is_an_error_naming_sheet_cell_and_column(
        tmp_path: Path) -> None:
    reader, _, _ = read(formula_workbook(tmp_path / "a.xlsx"))

    assert [e for e in errors(reader)
            if "List 3!F2" in e and "Date of Referral" in e and "no saved value" in e]


# ------------------------------------------------------------------------------------------------
# Children across lists, List 11, period, wrong files
# ------------------------------------------------------------------------------------------------


def test_a_child_on_two_lists_with_different_ethnicity_is_kept_once_with_a_warning(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 3"] = list_sheet(3, {"Ethnicity": "k) APKN", "Date of Birth": None})

    reader, children, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert errors(reader) == []
    assert len(children) == 1
    # List 1 (ethnicity, sex, DOB) is more complete than List 3 (no DOB), so it wins.
    assert children[0].ethnicity_label == "a) WBRI"
    assert [w for w in warnings(reader) if "List 1 row 2" in w and "List 3 row 2" in w
            and "ethnicity" in w]


def test_a_child_missing_a_date_of_birth_on_one_list_takes_it_from_another_silently(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Date of Birth": None})

    reader, children, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert children[0].birth_date == dt.date(2012, 5, 1)
    assert not [w for w in warnings(reader) if "same child" in w]


def test_list_11_adopters_are_counted_but_nothing_about_them_is_passed_on(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 11"] = [
        ["Individual adopter identifier", "Family identifier", "Gender", "Ethnicity",
         "Date enquiry received"],
        [777111, 888222, "a) Male", "q) CHNE", D(2020, 5, 5)],
        [None, None, None, None, None],
        [777333, 888444, "b) Female", "q) CHNE", D(2020, 6, 6)],
    ]

    reader, children, events = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert reader.meta.details["rows_per_list"]["List 11"] == 2
    text = repr(children) + repr(events)
    assert "777111" not in text and "888222" not in text and "CHNE" not in text


def test_the_collection_year_ends_on_the_31_march_on_or_after_the_latest_contact(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Date of Contact": D(2021, 3, 31)},
                                  {"Date of Contact": D(2020, 4, 1), "Child Unique ID": 2})

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets), la_code="975")

    assert (reader.meta.period, reader.meta.reference_date) == (2021, dt.date(2021, 3, 31))
    assert reader.meta.la_code == "975"


def test_a_contact_on_1_april_starts_the_next_collection_year(tmp_path: Path) -> None:
    sheets = standard_sheets()
    sheets["List 1"] = list_sheet(1, {"Date of Contact": D(2021, 4, 1)})

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets))

    assert reader.meta.period == 2022


def test_a_period_given_in_the_settings_wins_over_the_dates(tmp_path: Path) -> None:
    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", standard_sheets()), period=2023)

    assert reader.meta.period == 2023
    assert [w for w in warnings(reader) if "2021" in w and "2023" in w]


def test_without_list_1_the_year_comes_from_the_latest_date_in_the_workbook(
        tmp_path: Path) -> None:
    sheets = standard_sheets()
    del sheets["List 1"]

    reader, _, _ = read(write_workbook(tmp_path / "a.xlsx", sheets), allow_partial=True)

    # The latest date in standard_sheets() is the List 8 start, 5 January 2021.
    assert reader.meta.period == 2021
    assert reader.meta.details["period_source"] == "latest date in workbook"


def test_a_csv_renamed_to_xlsx_is_reported_as_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "Annex_A.xlsx"
    path.write_text("Child Unique ID,Gender\n1,a) Male\n", encoding="utf-8")

    reader, children, events = read(path)

    assert (children, events) == ([], [])
    assert [e for e in errors(reader) if "Annex_A.xlsx" in e and "not an Excel .xlsx" in e]
    assert not AnnexAReader.sniff(path, path.read_bytes()[:512])


def test_a_workbook_without_list_sheets_is_not_sniffed_as_annex_a(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "other.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})

    assert not AnnexAReader.sniff(path, path.read_bytes()[:512])


def test_header_normalisation_folds_case_spaces_quotes_and_doubled_brackets() -> None:
    assert normalise_header("  Number of  ‘Missing’\u00a0Episodes (Y/N)) ") == (
        "number of 'missing' episodes (y/n)")
