"""The importer: what an authority relies on when it loads its returns into the warehouse.

A small synthetic authority (2,000 children, all four formats) is generated and imported once
for the module; tests that change the warehouse work on a copy of it.  Expected numbers come
from the synthetic truth or from the files themselves (read in ``import_helpers`` with lxml,
csv and openpyxl), never from the importer's own output.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest

from arpkit import cli
from arpkit.engine.errors import ConfigError, InputError, Problem, Severity
from arpkit.engine.ethnicity import group_for_code
from arpkit.engine.importer import import_paths, rollback_import, validate_paths
from arpkit.engine.records import ReadSettings
from arpkit.engine.warehouse import IMPORT_OWNED, TABLES
from arpkit.synth import SynthResult, generate
from tests.engine.import_helpers import (
    TEST_KEY,
    FileFacts,
    copy_warehouse,
    expected_key,
    fingerprint,
    identifier_hits,
    one_child_903,
    query,
    read_facts,
    row_counts,
)

PERIOD = 2025
LA = "999"


@dataclass
class Authority:
    result: SynthResult
    facts: FileFacts
    warehouse: Path  # imported once; copy it before changing anything

    @property
    def out(self) -> Path:
        return self.result.out_dir


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    """2,000 children in the four formats, imported into a warehouse."""
    out = tmp_path_factory.mktemp("la999")
    with pytest.MonkeyPatch.context() as mp:
        # Module fixtures run before the autouse key fixture: set the same key here.
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY.decode())
        mp.setenv("ARPKIT_ETHNICITY_MAP", str(out / "no-decisions.yml"))
        result = generate(out / "returns", children=2000, seed=1, period=PERIOD, la_code=LA)
        warehouse = out / "base.duckdb"
        import_paths([result.out_dir], warehouse=warehouse)
    return Authority(result, read_facts(result.out_dir), warehouse)


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Another 2025 return for the same authority (another seed): census, 903, population."""
    return generate(tmp_path_factory.mktemp("newer"), children=1500, seed=2, period=PERIOD,
                    la_code=LA, formats=("cin_census", "ssda903", "population"))


@pytest.fixture(autouse=True)
def _no_mapping_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test picks up an ethnicity mapping file from the working directory."""
    monkeypatch.setenv("ARPKIT_ETHNICITY_MAP", str(tmp_path / "ethnicity-map.yml"))


@pytest.fixture
def warehouse(authority: Authority, tmp_path: Path) -> Path:
    """A private copy of the imported warehouse."""
    return copy_warehouse(authority.warehouse, tmp_path)


def imports(warehouse: Path) -> dict[str, tuple]:
    """kind -> (import_id, status, replaced_by) of current imports, and all rows by id."""
    return {r[0]: r[1:] for r in query(
        warehouse, "SELECT import_id, kind, status, replaced_by, la_code, period FROM imports")}


def current_id(warehouse: Path, kind: str) -> str:
    rows = query(warehouse, "SELECT import_id FROM imports WHERE kind = ? AND status = 'current'",
                 [kind])
    assert len(rows) == 1, rows
    return rows[0][0]


def keys(ids: set[str], la: str = LA) -> set[str]:
    return {expected_key(la, i) for i in ids}


# ---------------------------------------------------------------------------------------------
# an import lands whole: counts, keys, privacy
# ---------------------------------------------------------------------------------------------


def test_every_child_in_any_return_gets_exactly_one_row_in_children(authority: Authority):
    counts = row_counts(authority.warehouse)
    assert counts["children"] == authority.result.children
    assert counts["children"] == len(authority.facts.child_ids)


def test_each_return_records_each_of_its_children_once(authority: Authority):
    got = dict(query(authority.warehouse,
                     "SELECT source, count(*) FROM child_sources GROUP BY source"))
    r, f = authority.result, authority.facts
    assert got["cin_census"] == len(f.cin_ids) == r.count("cin", kind="during_year")
    assert got["ssda903"] == len(f.ssda903_ids) == r.count("cla", kind="during_year")
    assert got["annex_a"] == len(f.annex_a_ids)


def test_every_event_in_the_files_becomes_one_event_row(authority: Authority):
    got = Counter({(s, st): n for s, st, n in query(
        authority.warehouse, "SELECT source, stage, count(*) FROM events GROUP BY ALL")})
    assert got == authority.facts.events


def test_children_at_each_stage_match_the_synthetic_truth(authority: Authority):
    got = {(s, st): n for s, st, n in query(
        authority.warehouse,
        "SELECT source, stage, count(DISTINCT child_key) FROM events GROUP BY ALL")}
    r = authority.result
    expected = {
        ("cin_census", "referral"): r.count("cin", kind="during_year"),
        ("cin_census", "cp_plan"): r.count("cp_plan", kind="during_year"),
        ("cin_census", "cin_plan"): r.count("cin_plan", kind="during_year"),
        ("ssda903", "cla"): r.count("cla", kind="during_year"),
        ("annex_a", "contact"): r.count("contact"),
        ("annex_a", "early_help"): r.count("early_help"),
        ("annex_a", "referral"): r.count("referral"),
        ("annex_a", "assessment"): r.count("assessment"),
        ("annex_a", "s47"): r.count("s47"),
        ("annex_a", "cp_plan"): r.count("cp_plan", kind="during_year"),
        ("annex_a", "cla"): r.count("cla", kind="during_year"),
    }
    assert {k: got.get(k) for k in expected} == expected


def test_population_rows_and_total_match_the_file_and_the_truth(authority: Authority):
    n, total = query(authority.warehouse, "SELECT count(*), sum(population) FROM population")[0]
    assert n == authority.facts.population_rows
    assert total == authority.facts.population_total == authority.result.population_total


def test_the_imports_table_records_each_return_with_its_authority_and_year(
        authority: Authority):
    rows = query(authority.warehouse, "SELECT kind, la_code, period, status FROM imports")
    assert sorted(rows) == sorted((k, LA, PERIOD, "current") for k in
                                  ("cin_census", "ssda903", "annex_a", "population"))


def test_the_same_child_gets_the_same_key_in_the_census_the_903_and_annex_a(
        authority: Authority):
    f = authority.facts
    by_source = {s: {k for (k,) in query(
        authority.warehouse, "SELECT child_key FROM child_sources WHERE source = ?", [s])}
        for s in ("cin_census", "ssda903", "annex_a")}
    assert by_source["cin_census"] == keys(f.cin_ids)
    assert by_source["ssda903"] == keys(f.ssda903_ids)
    assert by_source["annex_a"] == keys(f.annex_a_ids)
    # The links the analysis depends on: looked-after children are in the census and Annex A.
    assert f.ssda903_ids and f.ssda903_ids <= f.cin_ids <= f.annex_a_ids
    assert by_source["ssda903"] <= by_source["cin_census"] <= by_source["annex_a"]
    children = {k for (k,) in query(authority.warehouse, "SELECT child_key FROM children")}
    assert children == keys(f.child_ids)


def test_no_child_id_upn_or_postcode_is_stored_in_any_table(authority: Authority):
    f = authority.facts
    assert f.upns and f.postcodes and f.child_ids  # the files do hold them
    assert identifier_hits(authority.warehouse, f.child_ids | f.upns | f.postcodes) == []


def test_the_identifier_scan_finds_an_id_that_is_stored(authority: Authority,
                                                        warehouse: Path):
    """The privacy scan above can fail: plant one id, one UPN and one postcode and it finds
    each of them."""
    f = authority.facts
    child, upn, post = sorted(f.cin_ids)[0], sorted(f.upns)[0], sorted(f.postcodes)[0]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE events SET team = ? WHERE rowid = 0", [f"team of {child}"])
        con.execute("UPDATE events SET detail = ? WHERE rowid = 1", [f'{{"x":"{upn}"}}'])
        con.execute("UPDATE events SET team = ? WHERE rowid = 2", [post.replace(" ", "")])
    hits = identifier_hits(warehouse, f.child_ids | f.upns | f.postcodes)
    assert sorted(v for _, _, v in hits) == sorted(
        [f"team of {child}", f'{{"x":"{upn}"}}', post.replace(" ", "")])


def test_the_warehouse_holds_only_the_documented_tables(authority: Authority):
    names = {n for (n,) in query(authority.warehouse,
                                 "SELECT table_name FROM duckdb_tables()")}
    views = query(authority.warehouse, "SELECT view_name FROM duckdb_views() WHERE NOT internal")
    assert names == set(TABLES)
    assert views == []


def test_no_raw_identifier_is_left_anywhere_in_the_database_file(authority: Authority):
    """Belt and braces for the column scan: the file's bytes hold none of the UPNs or ids
    as a separate word (a freed block would show up here, a table scan would not)."""
    words = set(re.findall(rb"[0-9A-Za-z]+", authority.warehouse.read_bytes()))
    f = authority.facts
    assert not {i.encode() for i in f.child_ids | f.upns} & words


def test_birth_dates_are_kept_only_as_the_first_of_the_month(authority: Authority):
    f = authority.facts
    for table in ("child_sources", "children"):
        date_cols = [c for c, kind in TABLES[table] if kind.startswith("DATE")]
        assert date_cols == ["birth_month"]
        rows = query(authority.warehouse, f"SELECT child_key, birth_month FROM {table}")
        assert rows and all(bm is not None and bm.day == 1 for _, bm in rows)
    expected = {expected_key(LA, cid): dob.replace(day=1) for cid, dob in f.birth_dates.items()}
    got = dict(query(authority.warehouse,
                     "SELECT child_key, birth_month FROM child_sources WHERE source = "
                     "'cin_census'"))
    assert got == {k: expected[k] for k in got}
    assert any(dob.day != 1 for dob in f.birth_dates.values())  # so degrading did something


# ---------------------------------------------------------------------------------------------
# one transaction: a bad file anywhere means nothing lands
# ---------------------------------------------------------------------------------------------


def truncated_xml(authority: Authority, folder: Path) -> Path:
    data = (authority.out / "cin_census.xml").read_bytes()
    path = folder / "census_cut.xml"
    path.write_bytes(data[: len(data) // 2])
    return path


def bad_date_903(authority: Authority, folder: Path) -> Path:
    src = authority.out / "ssda903"
    dest = folder / "ssda903_bad"
    shutil.copytree(src, dest)
    lines = (dest / "episodes.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[1] = "31/02/2024"  # DECOM: no such day
    lines[1] = ",".join(cells)
    (dest / "episodes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def annex_a_missing_sheets(authority: Authority, folder: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List 1"
    ws.append(["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
               "Date of Contact", "Contact Source"])
    ws.append([7001, "a) Male", "a) WBRI", dt.datetime(2015, 1, 1), 10,
               dt.datetime(2024, 6, 1), "l) 3F: Health services"])
    path = folder / "annex_partial.xlsx"
    wb.save(path)
    return path


def negative_population(authority: Authority, folder: Path) -> Path:
    lines = (authority.out / "population.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[3] = "-40"
    lines[2] = ",".join(cells)
    path = folder / "population_negative.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def unknown_kind(authority: Authority, folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("Minutes of the practice review meeting.\n", encoding="utf-8")
    return path


def empty_file(authority: Authority, folder: Path) -> Path:
    path = folder / "empty.csv"
    path.write_bytes(b"")
    return path


def non_utf8_csv(authority: Authority, folder: Path) -> Path:
    text = (authority.out / "population.csv").read_text(encoding="utf-8")
    path = folder / "population_cp1252.csv"
    path.write_bytes(text.replace("synthetic seed", "synthetic \u2013 seed").encode("cp1252"))
    return path


BAD_FILES = {
    "truncated census XML": (truncated_xml, "census_cut.xml"),
    "impossible date in a 903 table": (bad_date_903, "episodes.csv"),
    "Annex A without the core lists": (annex_a_missing_sheets, "annex_partial.xlsx"),
    "negative population": (negative_population, "population_negative.csv"),
    "unknown kind of file named": (unknown_kind, "notes.txt"),
    "empty file named": (empty_file, "empty.csv"),
    "population CSV not in UTF-8": (non_utf8_csv, "population_cp1252.csv"),
}


def newer_files(newer: SynthResult) -> list[Path]:
    out = newer.out_dir
    return [out / "cin_census.xml", out / "ssda903", out / "population.csv"]


def errors_naming(exc: InputError, name: str) -> list[Problem]:
    return [p for p in exc.problems if p.severity is Severity.ERROR and name in p.file]


def test_the_newer_return_alone_does_land(warehouse: Path, newer: SynthResult):
    """Control for the tests below: without a bad file these files change the warehouse."""
    before = fingerprint(warehouse)
    summary = import_paths(newer_files(newer), warehouse=warehouse)
    assert {s.kind for s in summary.imported} == {"cin_census", "ssda903", "population"}
    after = fingerprint(warehouse)
    assert after["child_sources"] != before["child_sources"]
    assert after["population"] != before["population"]


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_one_bad_file_in_a_batch_means_nothing_is_imported(
        case: str, authority: Authority, warehouse: Path, newer: SynthResult, tmp_path: Path):
    make, name = BAD_FILES[case]
    bad = make(authority, tmp_path)
    before = fingerprint(warehouse)
    with pytest.raises(InputError) as info:
        import_paths([*newer_files(newer), bad], warehouse=warehouse)
    assert fingerprint(warehouse) == before
    assert errors_naming(info.value, name), str(info.value)
    assert name in str(info.value)


def test_every_bad_file_of_a_batch_is_reported_with_its_row_or_field(
        authority: Authority, warehouse: Path, newer: SynthResult, tmp_path: Path):
    bad = [make(authority, tmp_path) for make, _ in BAD_FILES.values()]
    before = fingerprint(warehouse)
    with pytest.raises(InputError) as info:
        import_paths([*newer_files(newer), *bad], warehouse=warehouse)
    assert fingerprint(warehouse) == before
    exc = info.value
    missing = [name for _, name in BAD_FILES.values() if not errors_naming(exc, name)]
    assert missing == [], str(exc)
    date = errors_naming(exc, "episodes.csv")
    assert any(p.field == "DECOM" and p.value == "31/02/2024" and "row" in p.location
               for p in date), date
    pop = errors_naming(exc, "population_negative.csv")
    assert any(p.field == "population" and "-40" in (p.value or "") and p.location
               for p in pop), pop
    xml = errors_naming(exc, "census_cut.xml")
    assert all(p.location for p in xml), xml


def test_a_newer_return_arriving_with_a_bad_file_replaces_nothing(
        authority: Authority, warehouse: Path, newer: SynthResult, tmp_path: Path):
    old = {k: current_id(warehouse, k) for k in ("cin_census", "ssda903", "population")}
    with pytest.raises(InputError):
        import_paths([*newer_files(newer), empty_file(authority, tmp_path)],
                     warehouse=warehouse)
    assert {k: current_id(warehouse, k) for k in old} == old
    assert query(warehouse, "SELECT count(*) FROM imports WHERE status <> 'current'") == [(0,)]


# ---------------------------------------------------------------------------------------------
# a killed import leaves the warehouse as it was
# ---------------------------------------------------------------------------------------------


def _rows_reported(stderr: bytes) -> int:
    found = re.findall(rb"([\d,]+) rows", stderr)
    return max((int(n.replace(b",", b"")) for n in found), default=0)


@pytest.mark.slow
def test_an_import_killed_while_rows_are_being_written_leaves_the_warehouse_as_it_was(
        warehouse: Path, tmp_path: Path):
    # A census big enough to take a while, and an Annex A after it so the commit is seconds
    # away when the first rows of the census have been written into the transaction.
    big = generate(tmp_path / "big", children=8000, seed=3, period=PERIOD, la_code=LA,
                   formats=("cin_census", "ssda903", "annex_a"))
    before = fingerprint(warehouse)
    env = dict(os.environ, TTY_COMPATIBLE="1", COLUMNS="200")  # rich shows live progress
    proc = subprocess.Popen(
        [sys.executable, "-m", "arpkit.cli", "import", "-w", str(warehouse), str(big.out_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    seen = b""
    deadline = time.monotonic() + 180
    try:
        while _rows_reported(seen) == 0 and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                block = os.read(proc.stderr.fileno(), 65536)
                if not block:
                    break  # the process ended before any rows were written
                seen += block
        rows = _rows_reported(seen)
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert rows > 0, f"no rows were reported before the import ended: {seen[-400:]!r}"
    assert code == -signal.SIGKILL, "the import finished before it could be killed"

    # The next command to open the warehouse sees it exactly as before.
    from arpkit.engine.warehouse import open_duckdb

    with open_duckdb(warehouse):
        pass
    assert fingerprint(warehouse) == before
    # ... and it still takes imports.
    summary = import_paths([big.out_dir / "cin_census.xml"], warehouse=warehouse)
    assert [s.kind for s in summary.imported] == ["cin_census"]


# ---------------------------------------------------------------------------------------------
# re-import, newer returns, rollback
# ---------------------------------------------------------------------------------------------


def test_importing_the_same_files_again_changes_nothing(authority: Authority, warehouse: Path):
    before = fingerprint(warehouse)
    summary = import_paths([authority.out], warehouse=warehouse)
    assert summary.imported == []
    assert sorted(summary.unchanged) == sorted(
        ["cin_census.xml", "header.csv", "episodes.csv", "uasc.csv", "annex_a.xlsx",
         "population.csv"])
    assert fingerprint(warehouse) == before


def test_a_newer_return_for_the_same_year_replaces_the_older_one(
        authority: Authority, warehouse: Path, newer: SynthResult):
    old = current_id(warehouse, "cin_census")
    annex = current_id(warehouse, "annex_a")
    summary = import_paths([newer.out_dir / "cin_census.xml"], warehouse=warehouse)
    new = current_id(warehouse, "cin_census")
    assert new != old and [s.import_id for s in summary.imported] == [new]
    assert summary.imported[0].replaced == [old]
    assert imports(warehouse)[old][1:3] == ("superseded", new)
    for table in IMPORT_OWNED:
        assert query(warehouse, f"SELECT count(*) FROM {table} WHERE import_id = ?",
                     [old]) == [(0,)], table
    new_facts = read_facts(newer.out_dir)
    got = {k for (k,) in query(warehouse, "SELECT child_key FROM child_sources "
                                          "WHERE source = 'cin_census'")}
    assert got == keys(new_facts.cin_ids)
    # Other returns are untouched, and children are rebuilt from what is current.
    assert current_id(warehouse, "annex_a") == annex
    children = {k for (k,) in query(warehouse, "SELECT child_key FROM children")}
    f = authority.facts
    assert children == keys(new_facts.cin_ids | f.ssda903_ids | f.annex_a_ids)


def test_rolling_back_an_import_removes_its_rows_and_rebuilds_children(
        authority: Authority, warehouse: Path):
    annex = current_id(warehouse, "annex_a")
    others = {s: n for s, n in query(warehouse, "SELECT source, count(*) FROM child_sources "
                                                "WHERE source <> 'annex_a' GROUP BY source")}
    rollback_import(annex, warehouse=warehouse)
    assert imports(warehouse)[annex][1] == "rolled_back"
    for table in IMPORT_OWNED:
        assert query(warehouse, f"SELECT count(*) FROM {table} WHERE import_id = ?",
                     [annex]) == [(0,)], table
    assert dict(query(warehouse, "SELECT source, count(*) FROM child_sources GROUP BY source")
                ) == others
    f = authority.facts
    children = {k for (k,) in query(warehouse, "SELECT child_key FROM children")}
    assert children == keys(f.cin_ids | f.ssda903_ids)
    # The rolled-back workbook can be imported again.
    summary = import_paths([authority.out / "annex_a.xlsx"], warehouse=warehouse,
                           settings=ReadSettings(la_code=LA))
    assert [s.kind for s in summary.imported] == ["annex_a"]
    assert row_counts(warehouse)["children"] == authority.result.children


def test_only_a_current_import_can_be_rolled_back(warehouse: Path):
    annex = current_id(warehouse, "annex_a")
    rollback_import(annex, warehouse=warehouse)
    with pytest.raises(ConfigError, match="rolled_back"):
        rollback_import(annex, warehouse=warehouse)
    with pytest.raises(ConfigError, match="no import"):
        rollback_import("0" * 32, warehouse=warehouse)


# ---------------------------------------------------------------------------------------------
# which authority: --la and the census LEA
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["ssda903", "annex_a.xlsx"])
def test_a_return_without_an_authority_code_needs_la_or_a_census(
        part: str, authority: Authority, tmp_path: Path):
    target = tmp_path / "w.duckdb"
    with pytest.raises(InputError) as info:
        import_paths([authority.out / part], warehouse=target)
    exc = info.value
    problems = [p for p in exc.problems if p.field == "la_code"]
    assert problems and all("--la" in p.message for p in problems)
    expected_file = "episodes.csv" if part == "ssda903" else part
    assert all(expected_file in p.file for p in problems)
    assert row_counts(target)["imports"] == 0


def test_with_la_given_a_903_lands_under_that_authority(authority: Authority, tmp_path: Path):
    target = tmp_path / "w.duckdb"
    import_paths([authority.out / "ssda903"], warehouse=target,
                 settings=ReadSettings(la_code="202"))
    assert query(target, "SELECT DISTINCT la_code FROM child_sources") == [("202",)]
    got = {k for (k,) in query(target, "SELECT child_key FROM child_sources")}
    assert got == keys(authority.facts.ssda903_ids, "202")


def test_a_903_and_annex_a_take_the_authority_of_a_census_in_the_same_import(
        tmp_path: Path):
    la = "202"
    result = generate(tmp_path / "camden", children=600, seed=5, period=PERIOD, la_code=la,
                      formats=("cin_census", "ssda903", "annex_a"))
    target = tmp_path / "w.duckdb"
    summary = import_paths([result.out_dir], warehouse=target)
    assert {(s.kind, s.la_code) for s in summary.imported} == {
        ("cin_census", la), ("ssda903", la), ("annex_a", la)}
    facts = read_facts(result.out_dir)
    got = {k for (k,) in query(target, "SELECT child_key FROM child_sources "
                                       "WHERE source = 'ssda903'")}
    assert got == keys(facts.ssda903_ids, la)


def test_an_unchanged_census_in_the_same_import_still_names_the_authority(
        authority: Authority, warehouse: Path, newer: SynthResult):
    """Re-running an import of a folder whose census has not changed (skipped as already
    imported) must still give a changed 903 beside it the census's authority."""
    summary = import_paths([authority.out / "cin_census.xml", newer.out_dir / "ssda903"],
                           warehouse=warehouse)
    assert summary.unchanged == ["cin_census.xml"]
    assert [(s.kind, s.la_code) for s in summary.imported] == [("ssda903", LA)]


def test_la_disagreeing_with_the_census_lea_is_refused(authority: Authority, tmp_path: Path):
    target = tmp_path / "w.duckdb"
    with pytest.raises(InputError) as info:
        import_paths([authority.out / "cin_census.xml"], warehouse=target,
                     settings=ReadSettings(la_code="202"))
    problems = errors_naming(info.value, "cin_census.xml")
    assert any("202" in p.message and LA in p.message for p in problems), str(info.value)
    assert row_counts(target)["imports"] == 0


def test_validate_reports_the_missing_authority_without_writing(authority: Authority):
    problems = validate_paths([authority.out / "ssda903"])
    assert any(p.field == "la_code" and "--la" in p.message for p in problems)


# ---------------------------------------------------------------------------------------------
# ethnicity across returns
# ---------------------------------------------------------------------------------------------


def child_row(warehouse: Path, child_id: str) -> tuple:
    rows = query(warehouse, "SELECT ethnicity_code, ethnicity_group, ethnicity_period, "
                            "ethnicity_source, ethnicity_conflict FROM children "
                            "WHERE child_key = ?", [expected_key(LA, child_id)])
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("order", [(2024, 2025), (2025, 2024)])
def test_a_later_return_wins_and_a_disagreement_is_flagged(order: tuple[int, int],
                                                           tmp_path: Path):
    codes = {2024: "WBRI", 2025: "BAFR"}
    target = tmp_path / "w.duckdb"
    for period in order:
        folder = one_child_903(tmp_path / str(period), "1001", codes[period], period)
        import_paths([folder], warehouse=target, settings=ReadSettings(la_code=LA))
    assert child_row(target, "1001") == ("BAFR", "BLACK", 2025, "ssda903", True)


def test_returns_that_agree_are_not_flagged(tmp_path: Path):
    target = tmp_path / "w.duckdb"
    for period in (2024, 2025):
        folder = one_child_903(tmp_path / str(period), "1001", "WBRI", period)
        import_paths([folder], warehouse=target, settings=ReadSettings(la_code=LA))
    assert child_row(target, "1001") == ("WBRI", "WHITE", 2025, "ssda903", False)


def test_an_unrecognised_label_in_a_later_return_does_not_override_a_recorded_one(
        tmp_path: Path):
    target = tmp_path / "w.duckdb"
    for period, label in ((2024, "WBRI"), (2025, "Martian")):
        folder = one_child_903(tmp_path / str(period), "1001", label, period)
        import_paths([folder], warehouse=target, settings=ReadSettings(la_code=LA))
    assert child_row(target, "1001") == ("WBRI", "WHITE", 2024, "ssda903", False)


def test_within_one_year_the_census_wins_over_the_903_and_conflicts_are_flagged(
        authority: Authority):
    known = [c for c in authority.result.conflicts
             if group_for_code(c.cin_census) not in ("REFUSED", "NOT_OBTAINED", "UNKNOWN")
             and group_for_code(c.ssda903) not in ("REFUSED", "NOT_OBTAINED", "UNKNOWN")]
    assert known, "the synthetic authority should hold at least one cross-return conflict"
    flagged = {k for (k,) in query(authority.warehouse,
                                   "SELECT child_key FROM children WHERE ethnicity_conflict")}
    assert flagged == {expected_key(LA, c.child_id) for c in known}
    for c in known:
        code, _, period, source, conflict = child_row(authority.warehouse, c.child_id)
        assert (code, period, source, conflict) == (c.cin_census, PERIOD, "cin_census", True)


def test_unrecognised_labels_are_recorded_and_listed_by_ethnicity_unmapped(
        authority: Authority, capsys: pytest.CaptureFixture[str]):
    stored = dict(query(authority.warehouse,
                        "SELECT label, sum(children) FROM ethnicity_labels "
                        "WHERE NOT recognised AND label IS NOT NULL GROUP BY label"))
    assert stored.get("XXXX", 0) > 0  # the synthetic junk label
    assert cli.main(["ethnicity", "unmapped", "-w", str(authority.warehouse)]) == 0
    out = capsys.readouterr().out
    assert all(label in out for label in stored)


def test_a_mapping_decision_is_applied_when_the_files_are_imported_again(
        authority: Authority, warehouse: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    mapping = tmp_path / "decisions.yml"
    monkeypatch.setenv("ARPKIT_ETHNICITY_MAP", str(mapping))
    junk = {k for (k,) in query(warehouse, "SELECT child_key FROM child_sources "
                                           "WHERE ethnicity_source_label = 'XXXX'")}
    assert junk
    assert cli.main(["ethnicity", "map", "XXXX", "NOBT", "--by", "tester"]) == 0
    assert mapping.exists()
    assert cli.main(["import", "-w", str(warehouse), "--quiet", str(authority.out)]) == 0
    codes = query(warehouse, "SELECT DISTINCT ethnicity_code FROM child_sources "
                             "WHERE ethnicity_source_label = 'XXXX'")
    assert codes == [("NOBT",)]
    assert query(warehouse, "SELECT count(*) FROM ethnicity_labels "
                            "WHERE label = 'XXXX' AND NOT recognised") == [(0,)]
    capsys.readouterr()
    assert cli.main(["ethnicity", "unmapped", "-w", str(warehouse)]) == 0
    assert "XXXX" not in capsys.readouterr().out
    # The other returns were not re-read: their labels did not change meaning.
    assert query(warehouse, "SELECT kind FROM imports WHERE status = 'superseded'") == [
        ("annex_a",)]



def test_a_write_that_fails_in_the_background_stops_the_import_and_changes_nothing(
        authority: Authority, warehouse: Path, newer: SynthResult,
        monkeypatch: pytest.MonkeyPatch):
    # The writer inserts each chunk in a background thread while the next is read
    # (importer._Writer._insert); a failure there must surface and roll everything back.
    import arpkit.engine.importer as importer

    before = fingerprint(warehouse)
    real = importer._Writer._execute
    calls: list[str] = []

    def failing(self, sql, params, batch):
        calls.append(sql)
        if len(calls) == 2:
            raise duckdb.ConstraintException("made to fail for the test")
        return real(self, sql, params, batch)

    monkeypatch.setattr(importer._Writer, "_execute", failing)
    with pytest.raises(duckdb.ConstraintException, match="made to fail"):
        import_paths(newer_files(newer), warehouse=warehouse)
    assert len(calls) == 2
    assert fingerprint(warehouse) == before


def test_writing_in_the_background_gives_the_same_warehouse_as_writing_in_line(
        authority: Authority, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import arpkit.engine.importer as importer

    prints = []
    for overlap in (True, False):
        monkeypatch.setattr(importer._Writer, "OVERLAP", overlap)
        target = tmp_path / f"overlap-{overlap}.duckdb"
        import_paths([authority.out], warehouse=target)
        prints.append(row_counts(target))
        prints.append([query(target, "SELECT md5(string_agg(CAST(r AS VARCHAR), '|' ORDER BY "
                                     f"CAST(r AS VARCHAR))) FROM (SELECT {columns} "
                                     f"FROM {table}) r")
                       for table, columns in (("events", "* EXCLUDE (import_id)"),
                                              ("child_sources", "* EXCLUDE (import_id)"),
                                              ("children", "*"))])
    assert prints[0] == prints[2] and prints[1] == prints[3]
    assert prints[0]["events"] > 1000
