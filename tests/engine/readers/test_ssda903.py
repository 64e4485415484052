"""The SSDA903 reader: what a user importing a children-looked-after return relies on.

Expected numbers come from the sample files themselves (counted here with the csv module or
lxml, independently of the reader) or from ../shared/data/README.md.  Small cases are built
in tmp_path from made-up ids; there is no real personal data here.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from arpkit.engine.codes_903 import PLACE, REC, SEX, TABLE_COLUMNS, CodeStatus
from arpkit.engine.errors import Problem, Severity
from arpkit.engine.readers.ssda903 import Ssda903Reader, _years_in_name, table_for_header
from arpkit.engine.records import ReadSettings

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
            "PL_POST,URN")
UASC = "CHILD,SEX,DOB,DUC"

SINGLE_YEAR_TABLES = (
    "header.csv", "episodes.csv", "uasc.csv", "reviews.csv", "missing.csv", "oc2.csv",
    "oc3.csv", "ad1.csv", "placed_for_adoption.csv", "previous_permanence.csv",
    "sw_episodes.csv", "DoLo.csv",
)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def write(path: Path, header: str, rows: list[str], *, encoding: str = "utf-8",
          newline: str = "\n") -> Path:
    path.write_bytes(newline.join([header, *rows, ""]).encode(encoding))
    return path


def small_return(tmp_path: Path, *, header: list[str] | None = None,
                 episodes: list[str] | None = None, uasc: list[str] | None = None) -> list[Path]:
    """A tiny made-up return: child 1001 with one open episode unless told otherwise."""
    paths = [
        write(tmp_path / "header.csv", HEADER,
              header if header is not None else ["1001,1,01/02/2010,WBRI,A123456789012,,"]),
        write(tmp_path / "episodes.csv", EPISODES,
              episodes if episodes is not None else ["1001,01/05/2017,S,C2,N1,U1,PR1,,,,,,"]),
    ]
    if uasc is not None:
        paths.append(write(tmp_path / "uasc.csv", UASC, uasc))
    return paths


def read(paths: list[Path], **settings) -> tuple[Ssda903Reader, list, list]:
    reader = Ssda903Reader(paths, ReadSettings(**settings))
    children, events = [], []
    for chunk in reader.chunks():
        children.extend(chunk.children)
        events.extend(chunk.events)
    return reader, children, events


def problems(reader: Ssda903Reader, severity: Severity | None = None, *, field: str | None = None,
             text: str | None = None) -> list[Problem]:
    return [p for p in reader.problems.problems
            if (severity is None or p.severity is severity)
            and (field is None or p.field == field)
            and (text is None or text in p.message)]


def noteworthy(reader: Ssda903Reader) -> list[Problem]:
    """Problems other than the reminder that a return without a UASC table says nothing
    about UASC (the small returns built here have no UASC table unless a test adds one)."""
    return [p for p in reader.problems.problems if "no UASC table" not in p.message]


def errors(reader: Ssda903Reader, **kw) -> list[Problem]:
    return problems(reader, Severity.ERROR, **kw)


def warnings(reader: Ssda903Reader, **kw) -> list[Problem]:
    return problems(reader, Severity.WARNING, **kw)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def uk(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


@pytest.fixture(scope="module")
def single_year(shared_data: Path) -> tuple[Ssda903Reader, list, list, Path]:
    folder = shared_data / "ssda903" / "fake_single_year"
    reader, children, events = read([folder / n for n in SINGLE_YEAR_TABLES])
    return reader, children, events, folder


# ---------------------------------------------------------------------------------------------
# recognising tables
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(TABLE_COLUMNS))
def test_every_table_is_recognised_by_its_columns_in_any_order(table: str) -> None:
    columns = list(TABLE_COLUMNS[table])
    random.Random(table).shuffle(columns)
    found, diagnosis = table_for_header([f" {c.lower()} " for c in columns])
    assert found == table
    assert diagnosis["missing"] == [] and diagnosis["unexpected"] == []


def test_no_903_table_can_be_mistaken_for_another() -> None:
    sets = {name: set(cols) for name, cols in TABLE_COLUMNS.items()}
    for a, cols_a in sets.items():
        for b, cols_b in sets.items():
            assert a == b or not cols_a <= cols_b, f"{a} is a subset of {b}"


def test_a_header_missing_a_column_matches_no_table_but_names_the_closest_and_the_gap() -> None:
    columns = [c for c in EPISODES.split(",") if c != "DEC"] + ["DATE_CEASED"]
    found, diagnosis = table_for_header(columns)
    assert found is None
    assert diagnosis == {"closest": "episodes", "missing": ["DEC"], "unexpected": ["DATE_CEASED"]}


def test_an_extra_column_still_identifies_the_table_and_is_listed_as_unexpected() -> None:
    found, diagnosis = table_for_header([*EPISODES.split(","), "TEST_COLUMN"])
    assert found == "episodes"
    assert diagnosis["unexpected"] == ["TEST_COLUMN"]


def test_sniff_claims_every_fake_table_and_the_xml_export_but_not_other_files(
        shared_data: Path) -> None:
    folder = shared_data / "ssda903" / "fake_single_year"
    for name in (*SINGLE_YEAR_TABLES, "placed_for_adoption_errors.csv", "fake_903.xml"):
        path = folder / name
        assert Ssda903Reader.sniff(path, path.read_bytes()[:65536]), name
    cin = shared_data / "cin_census" / "samples" / "fake_CIN_data.xml"
    assert not Ssda903Reader.sniff(cin, cin.read_bytes()[:65536])
    ons = next((shared_data / "reference" / "ons").glob("*.csv"))
    assert not Ssda903Reader.sniff(ons, ons.read_bytes()[:65536])


def test_sniff_recognises_a_utf16_table_and_an_xml_root_after_comments(tmp_path: Path) -> None:
    utf16 = write(tmp_path / "x.csv", HEADER, ["1001,1,01/02/2010,WBRI,,,"], encoding="utf-16")
    assert Ssda903Reader.sniff(utf16, utf16.read_bytes())
    xml = tmp_path / "x.xml"
    xml.write_text("<?xml version='1.0'?>\n<!-- export -->\n<EXPSSDA903><CHILD/></EXPSSDA903>")
    assert Ssda903Reader.sniff(xml, xml.read_bytes())


# ---------------------------------------------------------------------------------------------
# the public fake returns
# ---------------------------------------------------------------------------------------------


def test_the_fake_return_gives_one_child_per_header_row_and_one_event_per_episode(
        single_year) -> None:
    reader, children, events, folder = single_year
    header, episodes = csv_rows(folder / "header.csv"), csv_rows(folder / "episodes.csv")
    assert len(children) == len(header) == 2675  # README: 2,675 children
    assert len(events) == len(episodes) == 5050  # README: 5,050 episodes
    assert Counter((e.source_child_id, e.start_date) for e in events) == Counter(
        (r["CHILD"], uk(r["DECOM"])) for r in episodes)
    assert {e.stage for e in events} == {"cla"}
    assert reader.meta.period == 2018
    assert reader.meta.reference_date == dt.date(2018, 3, 31)
    assert reader.meta.rows == sum(len(csv_rows(folder / n)) for n in SINGLE_YEAR_TABLES)


def test_an_episode_carries_its_codes_and_dates_but_never_postcodes_or_urns(single_year) -> None:
    _, _, events, folder = single_year
    first = csv_rows(folder / "episodes.csv")[0]
    event = next(e for e in events
                 if e.source_child_id == first["CHILD"] and e.start_date == uk(first["DECOM"]))
    assert (event.rne, event.legal_status, event.need_code, event.placement,
            event.closure_reason) == (first["RNE"], first["LS"], first["CIN"], first["PLACE"],
                                      first["REC"])
    assert event.end_date == (uk(first["DEC"]) if first["DEC"] else None)
    assert json.loads(event.detail) == {"place_provider": first["PLACE_PROVIDER"],
                                        "reason_place_change": first["REASON_PLACE_CHANGE"] or None}
    kept = " ".join(str(v) for e in events for v in e)
    for row in csv_rows(folder / "episodes.csv")[:200]:
        for private in (row["HOME_POST"], row["PL_POST"], row["URN"]):
            assert not private or private not in kept


def test_children_get_sex_birth_date_raw_ethnicity_and_uasc_from_the_uasc_table(
        single_year) -> None:
    _, children, _, folder = single_year
    header = {r["CHILD"]: r for r in csv_rows(folder / "header.csv")}
    in_uasc = {r["CHILD"] for r in csv_rows(folder / "uasc.csv")}
    assert Counter(c.sex for c in children) == Counter(
        {"1": "M", "2": "F"}[r["SEX"]] for r in header.values())
    for child in children:
        row = header[child.source_child_id]
        assert child.birth_date == uk(row["DOB"])
        assert child.ethnicity_label == row["ETHNIC"]
        assert child.uasc is (child.source_child_id in in_uasc)
        assert child.disabled is None
    assert sum(c.uasc for c in children) == len(in_uasc & set(header))


def test_the_fake_returns_oddities_are_each_reported_in_the_right_place(single_year) -> None:
    reader, _, _, folder = single_year
    bad_reason = [i for i, r in enumerate(csv_rows(folder / "placed_for_adoption.csv"), 1)
                  if r["REASON_PLACED_CEASED"] == "XXX"]
    xxx = errors(reader, field="REASON_PLACED_CEASED")
    assert len(xxx) == len(bad_reason) > 0
    assert xxx[0].file == "placed_for_adoption.csv" and xxx[0].value == "XXX"
    assert xxx[0].location == f"row {bad_reason[0]} (line {bad_reason[0] + 1})"
    (lazy,) = errors(reader, field="SW_REASON")
    assert (lazy.file, lazy.location, lazy.value) == ("sw_episodes.csv", "row 1 (line 2)",
                                                      "SWLAZY")
    # MOTHER 1.0 is a float-coerced flag: repaired with a warning, not an error.
    assert not errors(reader, field="MOTHER")
    (mother,) = warnings(reader, field="MOTHER")
    assert mother.value == "1.0" and mother.file == "header.csv"
    # The fake ACCOM values 01/02 are not 903 codes (validator rule 133).
    accom = [r["ACCOM"] for r in csv_rows(folder / "oc3.csv")]
    assert sorted(p.value for p in errors(reader, field="ACCOM")) == sorted(
        a for a in accom if a in ("01", "02"))
    assert {(p.file, p.field) for p in errors(reader)} == {
        ("placed_for_adoption.csv", "REASON_PLACED_CEASED"), ("sw_episodes.csv", "SW_REASON"),
        ("oc3.csv", "ACCOM")}


def test_bom_crlf_and_a_missing_final_newline_do_not_lose_rows(single_year) -> None:
    reader, _, _, folder = single_year
    assert (folder / "sw_episodes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (folder / "DoLo.csv").read_bytes().endswith(b"\n")
    tables = reader.meta.details["tables"]
    assert tables["sw_episodes"]["rows"] == 1
    assert tables["DoLo"]["rows"] == 1


def test_tables_from_a_later_return_year_are_checked_and_flagged(single_year) -> None:
    reader, _, _, _ = single_year
    later = {p.file for p in warnings(reader, text="belongs to the return from")}
    assert later == {"sw_episodes.csv", "DoLo.csv"}


def test_codes_from_a_later_return_year_are_warned_once_per_value_with_a_count(
        single_year) -> None:
    reader, _, _, folder = single_year
    e45_rows = sum(r["REC"] == "E45" for r in csv_rows(folder / "episodes.csv"))
    (e45,) = [p for p in warnings(reader, field="REC") if p.value == "E45"]
    assert "from the 2019 return" in e45.message
    assert f"({e45_rows} row(s)" in e45.message


def test_two_files_holding_the_same_table_are_an_error(shared_data: Path) -> None:
    folder = shared_data / "ssda903" / "fake_single_year"
    reader, _, _ = read([folder / "header.csv", folder / "episodes.csv",
                         folder / "placed_for_adoption.csv",
                         folder / "placed_for_adoption_errors.csv"])
    (dup,) = errors(reader, text="files hold the placed_for_adoption table")
    assert "placed_for_adoption_errors.csv" in dup.file


def test_the_xml_export_reads_like_the_csv_tables(shared_data: Path) -> None:
    path = shared_data / "ssda903" / "fake_single_year" / "fake_903.xml"
    tree = etree.parse(str(path))
    reader, children, events = read([path])
    assert len(children) == len(tree.findall("CHILD")) == 253
    assert len(events) == len(tree.findall("CHILD/EPISODE"))
    assert sum(c.uasc for c in children) == len(tree.xpath("CHILD/HEADER[UASC='1']"))
    first = tree.find("CHILD")
    child_id = first.findtext("HEADER/CHILDID")
    ep = first.find("EPISODE")
    event = next(e for e in events if e.source_child_id == child_id)
    assert event.placement == ep.findtext("PL")
    assert event.start_date == uk(ep.findtext("DECOM"))
    assert reader.meta.period == 2018
    assert reader.meta.rows == 253
    xxx = errors(reader, field="REASON_PLACED_CEASED")
    assert xxx and all(p.location.startswith("EXPSSDA903/CHILD[") for p in xxx)
    assert all("CHILDID" in p.message for p in xxx)


def test_an_unknown_xml_element_is_an_error_unless_extras_are_ignored(tmp_path: Path) -> None:
    xml = tmp_path / "export.xml"
    xml.write_text(
        "<EXPSSDA903><CHILD><HEADER><CHILDID>7</CHILDID><UPN/><SEX>1</SEX>"
        "<DOB>01/02/2010</DOB><ETHNIC>WBRI</ETHNIC><UASC/><SHOE_SIZE>3</SHOE_SIZE></HEADER>"
        "<EPISODE><DECOM>01/05/2017</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL>"
        "<DEC/><REC/></EPISODE></CHILD></EXPSSDA903>")
    reader, children, events = read([xml])
    (extra,) = errors(reader)
    assert extra.field == "SHOE_SIZE" and extra.location.endswith("HEADER/SHOE_SIZE")
    reader, children, events = read([xml], extra_columns="ignore")
    assert not errors(reader) and warnings(reader, field="SHOE_SIZE")
    assert [c.source_child_id for c in children] == ["7"] and events[0].placement == "U1"


def test_malformed_xml_and_stray_text_are_errors_with_their_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<EXPSSDA903>\n<CHILD><HEADER></CHILD>\n</EXPSSDA903>")
    reader, _, _ = read([broken])
    (bad,) = errors(reader, text="not well-formed")
    assert bad.location == "line 2"
    stray = tmp_path / "stray.xml"
    stray.write_text(
        "<EXPSSDA903><CHILD><HEADER><CHILDID>7</CHILDID>junk<UPN/><SEX>1</SEX>"
        "<DOB>01/02/2010</DOB><ETHNIC>WBRI</ETHNIC><UASC/></HEADER>"
        "<EPISODE><DECOM>01/05/2017</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL>"
        "<DEC/><REC/></EPISODE></CHILD></EXPSSDA903>")
    reader, _, _ = read([stray])
    (junk,) = errors(reader)
    assert (junk.location, junk.value) == ("EXPSSDA903/CHILD[1]/HEADER/CHILDID", "junk")


def test_the_liia_extra_column_is_an_error_and_can_be_ignored(shared_data: Path,
                                                             tmp_path: Path) -> None:
    episodes = shared_data / "ssda903" / "liia_samples" / "liia-tools-pipeline" / \
        "SSDA903_2020_episodes.csv"
    header = write(tmp_path / "header.csv", HEADER,
                   ["689661,1,11/07/2015,WBRI,,,", "249901,2,07/01/2013,WBRI,,,"])
    reader, _, _ = read([header, episodes])
    (extra,) = problems(reader, field="TEST_COLUMN")
    assert extra.severity is Severity.ERROR and extra.file == "SSDA903_2020_episodes.csv"
    reader, _, _ = read([header, episodes], extra_columns="ignore")
    (extra,) = problems(reader, field="TEST_COLUMN")
    assert extra.severity is Severity.WARNING
    # The messy sample's other faults still count: a blank LS and a *DUMMY* RNE.
    assert [p.location for p in errors(reader, field="LS")] == ["row 2 (line 3)"]
    assert [p.value for p in errors(reader, field="RNE")] == ["*DUMMY*"]
    assert reader.meta.period == 2020


def test_conflicting_duplicate_children_in_the_liia_header_list_every_row(
        shared_data: Path) -> None:
    folder = shared_data / "ssda903" / "liia_samples"
    header = folder / "liia-tools-pipeline" / "SSDA903_2020_header.csv"
    reader, children, _ = read([header, folder / "liia-tools" / "SSDA903_2020_episodes.csv"])
    rows_of = {}
    for i, r in enumerate(csv_rows(header), 1):
        rows_of.setdefault(r["CHILD"], []).append(f"row {i} (line {i + 1})")
    dups = {p.value: p for p in errors(reader, field="CHILD", text="different values")}
    assert set(dups) == {c for c, rows in rows_of.items() if len(rows) > 1}
    for child, problem in dups.items():
        assert problem.location == ", ".join(rows_of[child])
        assert "DOB" in problem.message
    # UNKN is not the reader's business: it passes through as a label for the normaliser.
    assert "UNKN" in {c.ethnicity_label for c in children}
    assert not problems(reader, field="ETHNIC")


def test_the_year_comes_from_the_content_and_a_disagreeing_file_name_is_warned(
        shared_data: Path) -> None:
    paths = sorted((shared_data / "ssda903" / "fake_multi_year").glob("2017-*.csv"))
    reader, _, _ = read(paths)
    assert reader.meta.period == 2018
    (named,) = warnings(reader, text="file name suggests the 2017 return")
    assert set(named.file.split(", ")) == {p.name for p in paths}
    assert "2018 return" in named.message


def test_renamed_files_are_recognised_by_their_columns(shared_data: Path,
                                                       tmp_path: Path) -> None:
    folder = shared_data / "ssda903" / "fake_single_year"
    a = tmp_path / "export_A.txt"
    b = tmp_path / "cla-data.csv"
    a.write_bytes((folder / "episodes.csv").read_bytes())
    b.write_bytes((folder / "header.csv").read_bytes())
    reader, children, events = read([a, b])
    assert len(children) == len(csv_rows(folder / "header.csv"))
    assert len(events) == len(csv_rows(folder / "episodes.csv"))
    assert reader.meta.details["tables"]["episodes"]["files"] == ["export_A.txt"]


# ---------------------------------------------------------------------------------------------
# encodings and line ends
# ---------------------------------------------------------------------------------------------


def test_a_cp1252_file_fails_clearly_and_reads_when_the_encoding_is_given(
        tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    write(paths[0], HEADER, ["1001,1,01/02/2010,Rom\u00e9 traveller,,,"], encoding="cp1252")
    reader, _, _ = read(paths)
    (bad,) = errors(reader)
    offset = paths[0].read_bytes().index(b"\xe9")
    assert bad.file == "header.csv"
    assert bad.location == f"byte {offset} (line 2)"
    assert "CSV UTF-8" in bad.message
    reader, children, _ = read(paths, encoding="cp1252")
    assert not errors(reader)
    assert children[0].ethnicity_label == "Rom\u00e9 traveller"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_and_utf8_with_a_bom_and_crlf_read_the_same(tmp_path: Path, encoding: str) -> None:
    plain = small_return(tmp_path)
    _, want_children, want_events = read(plain)
    other = tmp_path / "other"
    other.mkdir()
    for path in plain:
        text = path.read_text(encoding="utf-8")
        (other / path.name).write_bytes(text.replace("\n", "\r\n").encode(encoding))
    reader, children, events = read(sorted(other.iterdir()))
    assert not noteworthy(reader)
    assert (children, events) == (want_children, want_events)


# ---------------------------------------------------------------------------------------------
# child ids
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("saved", "expected"), [
    ("0012345.0", "0012345"), ("00123.0", "00123"), ("566910.0", "566910"),
])
def test_ids_saved_as_floats_in_a_wholly_integral_column_keep_their_leading_zeros(
        tmp_path: Path, saved: str, expected: str) -> None:
    paths = small_return(tmp_path, header=[f"{saved},1,01/02/2010,WBRI,,,"],
                         episodes=[f"{expected},01/05/2017,S,C2,N1,U1,PR1,,,,,,"])
    reader, children, events = read(paths)
    assert [c.source_child_id for c in children] == [expected]
    assert [e.source_child_id for e in events] == [expected]
    assert not errors(reader)
    (repair,) = warnings(reader, field="CHILD")
    assert repair.file == "header.csv" and "'.0' was removed" in repair.message


def test_a_float_id_among_text_ids_is_an_error_not_a_silent_repair(tmp_path: Path) -> None:
    paths = small_return(tmp_path, header=["1001,1,01/02/2010,WBRI,,,",
                                           "1002.0,2,01/02/2011,WBRI,,,",
                                           "1003.5,2,01/02/2011,WBRI,,,"])
    reader, children, _ = read(paths)
    assert [p.value for p in errors(reader, field="CHILD")] == ["1002.0", "1003.5"]
    assert [c.source_child_id for c in children] == ["1001"]


def test_a_blank_child_id_is_an_error_naming_the_row(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,,,,,,",
                                             ",02/05/2017,S,C2,N1,U1,PR1,,,,,,"])
    reader, _, events = read(paths)
    (blank,) = errors(reader, field="CHILD")
    assert (blank.file, blank.location) == ("episodes.csv", "row 2 (line 3)")
    assert len(events) == 1


# ---------------------------------------------------------------------------------------------
# structure, dates and codes
# ---------------------------------------------------------------------------------------------


def test_a_file_that_matches_no_table_lists_the_closest_table_and_the_differences(
        tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    odd = write(tmp_path / "odd.csv", "CHILD,SEX,DOB,ETHNICITY,UPN,MOTHER,MC_DOB", ["1,1,,,,,"])
    reader, _, _ = read([*paths, odd])
    (bad,) = errors(reader)
    assert bad.file == "odd.csv"
    assert "Closest is header" in bad.message
    assert "missing ETHNIC" in bad.message and "unexpected ETHNICITY" in bad.message


def test_a_duplicated_column_name_is_an_error_naming_both_positions(tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    write(paths[0], HEADER + ",DOB", ["1001,1,01/02/2010,WBRI,,,,01/02/2010"])
    reader, _, _ = read(paths)
    (dup,) = errors(reader, field="DOB")
    assert "columns 3 (C) and 8 (H)" in dup.message


def test_a_bad_date_names_file_row_line_field_and_value(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,,,,,,", "",
                                             "1001,31/02/2017,P,C2,N1,U1,PR1,,,,,,"])
    reader, _, events = read(paths)
    (bad,) = errors(reader)
    assert (bad.file, bad.location, bad.field, bad.value) == (
        "episodes.csv", "row 2 (line 4)", "DECOM", "31/02/2017")
    assert "not a real calendar date" in bad.message
    assert len(events) == 1
    assert reader.meta.details["tables"]["episodes"]["blank_rows"] == 1


def test_month_first_dates_are_never_guessed(tmp_path: Path) -> None:
    paths = small_return(tmp_path, header=["1001,1,02/13/2010,WBRI,,,"])
    reader, children, _ = read(paths)
    assert errors(reader, field="DOB")
    assert children[0].birth_date is None


@pytest.mark.parametrize("value", ["XXX", "c9"])
def test_an_unknown_code_is_an_error_listing_the_valid_codes(tmp_path: Path, value: str) -> None:
    paths = small_return(tmp_path, episodes=[f"1001,01/05/2017,S,{value},N1,U1,PR1,,,,,,"])
    reader, _, _ = read(paths)
    (bad,) = errors(reader)
    assert bad.field == "LS" and bad.value == value and "C1, C2" in bad.message


def test_codes_are_read_case_insensitively_and_stored_upper_case(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,s,c2,n1,u1,pr1,,,,,,"])
    reader, _, events = read(paths)
    assert not noteworthy(reader)
    e = events[0]
    assert (e.rne, e.legal_status, e.need_code, e.placement) == ("S", "C2", "N1", "U1")
    assert json.loads(e.detail)["place_provider"] == "PR1"


@pytest.mark.parametrize("placeholder", ["NULL", "NA", "-"])
def test_placeholder_values_are_errors(tmp_path: Path, placeholder: str) -> None:
    paths = small_return(tmp_path,
                         episodes=[f"1001,01/05/2017,S,C2,N1,U1,{placeholder},,,,,,"])
    reader, _, _ = read(paths)
    (bad,) = errors(reader)
    assert bad.field == "PLACE_PROVIDER" and bad.value == placeholder


def test_an_episode_ending_before_it_starts_is_an_error(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,30/04/2017,E13,,,,"])
    reader, _, _ = read(paths)
    (bad,) = errors(reader)
    assert bad.field == "DEC" and "before it starts" in bad.message


def test_an_ended_episode_without_a_reason_is_an_error(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,30/06/2017,,,,,"])
    reader, _, _ = read(paths)
    (bad,) = errors(reader)
    assert bad.field == "REC"


def test_episodes_of_a_child_missing_from_the_header_are_one_error_per_child(
        tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,,,,,,",
                                             "2002,01/05/2017,S,C2,N1,U1,PR1,01/06/2017,X1,,,,",
                                             "2002,01/06/2017,P,C2,N1,U4,PR1,,,,,,"])
    reader, _, _ = read(paths)
    (absent,) = errors(reader)
    assert absent.value == "2002"
    assert absent.location == "row 2 (line 3), row 3 (line 4)"


def test_identical_repeated_header_rows_are_read_once_with_a_warning(tmp_path: Path) -> None:
    row = "1001,1,01/02/2010,WBRI,,,"
    reader, children, _ = read(small_return(tmp_path, header=[row, row]))
    assert not errors(reader)
    assert warnings(reader, field="CHILD", text="identical rows")
    assert len(children) == 1


def test_an_empty_uasc_table_is_a_warning_and_means_no_child_was_uasc(tmp_path: Path) -> None:
    reader, children, _ = read(small_return(tmp_path, uasc=[]))
    assert not errors(reader)
    assert warnings(reader, text="no data rows")
    assert [c.uasc for c in children] == [False]


def test_without_a_uasc_table_uasc_is_unknown_rather_than_false(tmp_path: Path) -> None:
    reader, children, _ = read(small_return(tmp_path))
    assert [c.uasc for c in children] == [None]
    assert warnings(reader, text="no UASC table")


def test_a_child_listed_in_the_uasc_table_is_uasc(tmp_path: Path) -> None:
    reader, children, _ = read(small_return(
        tmp_path, header=["1001,1,01/02/2010,WBRI,,,", "1002,2,01/02/2011,BAFR,,,"],
        uasc=["1002,2,01/02/2011,01/02/2029"]))
    assert not errors(reader)
    assert {c.source_child_id: c.uasc for c in children} == {"1001": False, "1002": True}


def test_an_empty_episodes_table_or_a_missing_header_table_is_an_error(tmp_path: Path) -> None:
    reader, _, _ = read(small_return(tmp_path, episodes=[]))
    assert errors(reader, text="header row but no data rows")
    reader, _, _ = read(small_return(tmp_path)[1:])
    assert errors(reader, text="no header table")


def test_wholly_blank_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    paths = small_return(tmp_path, header=["", "1001,1,01/02/2010,WBRI,,,", ",,,,,,", ""])
    reader, children, _ = read(paths)
    assert not noteworthy(reader)
    assert len(children) == 1
    assert reader.meta.details["tables"]["header"]["blank_rows"] == 3


def test_a_title_row_above_the_header_is_skipped_with_a_warning(tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    paths[0].write_text("Looked after children export\n" + paths[0].read_text())
    reader, children, _ = read(paths)
    assert not errors(reader) and warnings(reader, text="above the header")
    assert len(children) == 1


def test_an_empty_unnamed_trailing_column_is_ignored_with_a_warning(tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    write(paths[0], HEADER + ",", ["1001,1,01/02/2010,WBRI,,,,"])
    reader, children, _ = read(paths)
    assert not errors(reader) and warnings(reader, text="without a name")
    assert len(children) == 1


def test_a_row_with_too_few_values_is_an_error(tmp_path: Path) -> None:
    paths = small_return(tmp_path, header=["1001,1,01/02/2010,WBRI,,,", "1002,1,01/02/2010"])
    reader, children, _ = read(paths)
    (short,) = errors(reader)
    assert short.location == "row 2 (line 3)" and "3 values" in short.message
    assert len(children) == 1


def test_a_semicolon_separated_file_gets_a_clear_message(tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    paths[0].write_text(HEADER.replace(",", ";") + "\n1001;1;01/02/2010;WBRI;;;\n")
    assert Ssda903Reader.sniff(paths[0], paths[0].read_bytes())
    reader, _, _ = read(paths)
    assert errors(reader, text="separated by semicolons")


def test_csv_and_xml_cannot_be_mixed_in_one_return(shared_data: Path) -> None:
    folder = shared_data / "ssda903" / "fake_single_year"
    reader, children, events = read([folder / "header.csv", folder / "fake_903.xml"])
    assert errors(reader, text="mixes an EXPSSDA903 XML export with CSV tables")
    assert children == events == []


def test_every_problem_is_known_before_the_first_chunk_is_yielded(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,,,,,,",
                                             "1001,01/06/2017,P,XX,N1,U1,PR1,,,,,,"])
    reader = Ssda903Reader(paths, ReadSettings())
    next(iter(reader.chunks()))
    assert reader.problems.has_errors


# ---------------------------------------------------------------------------------------------
# collection year and year-dependent codes
# ---------------------------------------------------------------------------------------------


def test_a_given_year_wins_and_episodes_after_its_end_are_an_error(tmp_path: Path) -> None:
    paths = small_return(tmp_path)
    reader, _, _ = read(paths, period=2018)
    assert reader.meta.period == 2018 and not noteworthy(reader)
    reader, _, _ = read(paths, period=2017)
    (late,) = errors(reader, field="DECOM")
    assert reader.meta.period == 2017 and "2018 return" in late.message


def test_an_end_date_after_31_march_is_warned_and_does_not_move_the_year(tmp_path: Path) -> None:
    paths = small_return(tmp_path, episodes=["1001,31/03/2018,S,C2,N1,U1,PR1,01/04/2018,E13,,,,"])
    reader, _, _ = read(paths)
    assert reader.meta.period == 2018
    (late,) = warnings(reader, field="DEC")
    assert "rule 385" in late.message


def test_a_future_episode_start_is_an_error_and_does_not_set_the_year(tmp_path: Path) -> None:
    future = (dt.date.today() + dt.timedelta(days=400)).strftime("%d/%m/%Y")
    paths = small_return(tmp_path, episodes=["1001,01/05/2017,S,C2,N1,U1,PR1,01/06/2017,X1,,,,",
                                             f"1001,{future},P,C2,N1,U4,PR1,,,,,,"])
    reader, _, _ = read(paths)
    assert reader.meta.period == 2018
    assert errors(reader, field="DECOM", text="in the future")


def test_numeric_sex_in_a_2025_return_is_an_error_naming_file_and_row(tmp_path: Path) -> None:
    paths = small_return(tmp_path, header=["1001,M,01/02/2010,WBRI,,,", "1002,2,01/02/2011,WBRI,,,",
                                           "1003,U,01/02/2012,WBRI,,,"],
                         episodes=["1001,01/05/2024,S,C2,N1,U1,PR1,,,,,,"])
    reader, children, _ = read(paths)
    assert reader.meta.period == 2025
    (bad,) = errors(reader)
    assert (bad.file, bad.location, bad.field, bad.value) == ("header.csv", "row 2 (line 3)",
                                                              "SEX", "2")
    assert {c.source_child_id: c.sex for c in children} == {"1001": "M", "1002": None,
                                                            "1003": "U"}


def test_letter_sex_before_2025_is_an_error(tmp_path: Path) -> None:
    reader, _, _ = read(small_return(tmp_path, header=["1001,M,01/02/2010,WBRI,,,"]))
    assert errors(reader, field="SEX")


@pytest.mark.parametrize(("place", "episode_start", "problem"), [
    ("K3", "01/05/2024", "only from the 2025 return"),
    ("K3", "01/05/2023", "only from the 2025 return"),
    ("H5", "01/05/2025", "only up to the 2025 return"),
    ("Z11", "01/05/2024", "only from the 2026 return"),
])
def test_a_placement_code_from_another_year_is_warned_not_rejected(
        tmp_path: Path, place: str, episode_start: str, problem: str) -> None:
    paths = small_return(tmp_path, header=["1001,1,01/02/2010,WBRI,,,"],
                         episodes=[f"1001,{episode_start},S,C2,N1,{place},,,,,,,"])
    reader, _, events = read(paths)
    year = uk(episode_start).year + 1
    # K3 in 2024's return and H5 in 2026's are out of year; K3 in 2025 itself is fine.
    if PLACE.status(place, year) is CodeStatus.OK:
        assert not warnings(reader, field="PLACE")
    else:
        (w,) = warnings(reader, field="PLACE")
        assert problem in w.message
    assert events[0].placement == place
    assert not errors(reader, field="PLACE")


@pytest.mark.parametrize(("codes", "code", "year", "status"), [
    (PLACE, "K3", 2024, CodeStatus.NOT_YET), (PLACE, "K3", 2025, CodeStatus.OK),
    (PLACE, "Z11", 2025, CodeStatus.NOT_YET), (PLACE, "Z14", 2026, CodeStatus.OK),
    (PLACE, "H5", 2025, CodeStatus.OK), (PLACE, "H5", 2026, CodeStatus.NO_LONGER),
    (PLACE, "P2", 2026, CodeStatus.NO_LONGER), (PLACE, "Z1", 2026, CodeStatus.NO_LONGER),
    (REC, "E43", 2018, CodeStatus.OK), (REC, "E44", 2019, CodeStatus.NO_LONGER),
    (REC, "E45", 2018, CodeStatus.NOT_YET), (REC, "E48", 2019, CodeStatus.OK),
    (SEX, "1", 2024, CodeStatus.OK), (SEX, "1", 2025, CodeStatus.NO_LONGER),
    (SEX, "U", 2025, CodeStatus.OK), (PLACE, "XX", 2020, CodeStatus.UNKNOWN),
])
def test_code_lists_know_when_each_code_was_valid(codes, code, year, status) -> None:
    # formats.md 1.5 and 1.6 (H5/P2/Z1 end as the 903 validator has them).
    assert codes.status(code, year) is status


@pytest.mark.parametrize(("name", "years"), [
    ("2017-header.csv", {2017}), ("SSDA903_2020_episodes.csv", {2020}),
    ("episodes_2017-18.csv", {2018}), ("header_201819.csv", {2019}),
    ("903_14032021.csv", {2021}), ("header 1920.csv", {2020}), ("ep_21-22.csv", {2022}),
    ("episodes.csv", set()),
])
def test_years_written_in_file_names_are_recognised_for_the_disagreement_warning(
        name: str, years: set[int]) -> None:
    assert _years_in_name(name) == years
