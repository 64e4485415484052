"""The synthetic Annex A opens like an authority's workbook and carries the label variety the
Annex A reader must cope with, in known amounts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import DFE_CODES
from arpkit.synth import generate
from tests.synth.readback import read_annex_a, read_cin

LIST_8_HEADERS = 34


def test_the_workbook_has_lists_1_to_11_with_their_headers(authority_2024, shared_data) -> None:
    wb = openpyxl.load_workbook(authority_2024.files["annex_a"], read_only=True)
    assert wb.sheetnames == [f"List {i}" for i in range(1, 12)]
    headers = {ws.title: next(ws.iter_rows(max_row=1, values_only=True)) for ws in wb}
    wb.close()
    assert len(headers["List 8"]) == LIST_8_HEADERS
    assert headers["List 1"] == ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
                                 "Date of Contact", "Contact Source")
    assert headers["List 10"][:2] == ("Child Unique ID", "Family identifier")
    # Same headers as the public sample, once its drift (formats.md §3.1) is normalised.
    sample = openpyxl.load_workbook(shared_data / "annex_a" / "Annex_A_2024_Jan.xlsx",
                                    read_only=True)

    def norm(h: object) -> str:
        text = str(h).strip().replace("‘", "'").replace("’", "'").replace("))", ")")
        return " ".join(text.lower().split())

    for ws in sample:
        theirs = [norm(h) for h in next(ws.iter_rows(max_row=1, values_only=True))]
        assert [norm(h) for h in headers[ws.title]] == theirs, ws.title
    sample.close()


def test_lists_9_and_11_are_present_with_headers_only(authority_2024) -> None:
    annex = read_annex_a(authority_2024.files["annex_a"])
    assert annex["List 9"] == [] and annex["List 11"] == []
    assert annex["List 1"] and annex["List 8"]


def test_dates_are_excel_dates_and_ids_are_numbers(authority_2024) -> None:
    annex = read_annex_a(authority_2024.files["annex_a"])
    row = annex["List 3"][0]
    assert isinstance(row["Date of Referral"], dt.datetime)
    assert isinstance(row["Date of Birth"], dt.datetime)
    assert isinstance(row["Child Unique ID"], int)
    assert isinstance(row["Age"], float) and 0 <= row["Age"] < 18


def test_values_are_lettered_as_authorities_send_them(authority_2024) -> None:
    annex = read_annex_a(authority_2024.files["annex_a"])
    sources = {r["Contact Source"] for r in annex["List 1"]}
    assert "q) 6: Police" in sources
    assert all(re.fullmatch(r"([a-u]\) )?\w{1,2}: .+", s) for s in sources)
    genders = {r["Gender"] for r in annex["List 1"]}
    assert {"a) Male", "b) Female"} <= genders
    statuses = {r["Child's Legal Status"] for r in annex["List 8"]}
    assert statuses & {"C1: ICO", "C2: FCO", "V2: Single period under S20"}


def _style(label: str) -> str:
    if re.fullmatch(r"[a-s]\) [A-Z]{4}", label):
        return "lettered"
    if label in DFE_CODES:
        return "bare_code"
    if label in ("XXXX", "#MULTIVALUE"):
        return "junk"
    if re.fullmatch(r"[A-Z]{4}", label):
        return "extended_code"
    return "free_text"


def test_each_child_has_one_ethnicity_label_whose_style_the_truth_counts(
        tmp_path: Path, write_config) -> None:
    cfg = write_config({"annex_a_labels": {"bare_code": 0.15, "free_text": 0.15,
                                           "extended_code": 0.15, "junk": 0.05,
                                           "bare_gender": 0.1}})
    result = generate(tmp_path, children=2000, seed=8, period=2024, config=cfg,
                      formats=["cin_census", "annex_a"])
    annex = read_annex_a(result.files["annex_a"])
    labels: dict[str, set[str]] = {}
    for rows in annex.values():
        for r in rows:
            if "Child Unique ID" in r:
                labels.setdefault(str(r["Child Unique ID"]), set()).add(r["Ethnicity"])
    assert all(len(v) == 1 for v in labels.values())
    styles: dict[str, int] = dict.fromkeys(result.annex_a_labels, 0)
    census = {c.child_id: c.ethnicity for c in read_cin(result.files["cin_census"])}
    mismatched = []
    for cid, (label,) in ((k, tuple(v)) for k, v in labels.items()):
        style = _style(label)
        styles[style] += 1
        code = label.split(") ")[-1]
        if style in ("lettered", "bare_code") and cid in census and census[cid] != code:
            mismatched.append(cid)
    assert styles == result.annex_a_labels
    assert mismatched == []
    assert all(n > 0 for n in styles.values())


def test_a_list_too_big_for_excel_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("arpkit.synth.annex_a.MAX_ROWS", 50)
    with pytest.raises(ConfigError, match="without Annex A"):
        generate(tmp_path, children=500, seed=1, period=2024)
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_that_fills_while_streaming_is_an_error_not_a_truncated_workbook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("arpkit.synth.xlsx.MAX_ROWS", 60)
    with pytest.raises(ConfigError, match="annex_a"):
        generate(tmp_path, children=500, seed=1, period=2024, block_size=100)
    assert not (tmp_path / "annex_a.xlsx").exists()
    assert not (tmp_path / "cin_census.xml").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".xlsx-")] == []


def test_annex_a_can_be_left_out(tmp_path: Path) -> None:
    result = generate(tmp_path, children=300, seed=1, period=2024,
                      formats=["cin_census", "ssda903", "population"])
    assert "annex_a" not in result.files
    assert not (tmp_path / "annex_a.xlsx").exists()
    assert (tmp_path / "cin_census.xml").exists()
