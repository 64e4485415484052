"""Importing an HR extract: one transaction, pseudonymised keys, no identifying columns, clear
errors naming file, row and field, and re-import as a no-op."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from arpkit.engine.errors import ConfigError, InputError
from arpkit.engine.hr_import import HR_TABLES, import_hr
from arpkit.engine.pseudonymise import Pseudonymiser
from arpkit.engine.readers.hr_extract import load_hr_mapping
from arpkit.synth.workforce import generate_hr
from tests.workforce.helpers import WHITE, extract, people, write_csv

TEST_KEY = "test-key-not-secret-0123456789abcdef"


def rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("hr")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        result = generate_hr(root / "hr", staff=300, seed=3)
        summary = import_hr(result.mapping, la_code="999", warehouse=root / "w.duckdb")
    return result, summary, root / "w.duckdb"


def test_every_file_of_the_set_lands_in_its_table(synthetic):
    _, summary, warehouse = synthetic
    for table in HR_TABLES:
        assert rows(warehouse, f"SELECT count(*) FROM {table}")[0][0] == summary.rows[table] > 0
    assert rows(warehouse, "SELECT kind, la_code, status FROM imports") == \
        [("hr_extract", "999", "current")]


def test_no_name_date_of_birth_free_text_or_hr_id_reaches_the_warehouse(synthetic):
    result, _, warehouse = synthetic
    data = warehouse.read_bytes()
    staff = (result.out_dir / "staff.csv").read_text().splitlines()[1:]
    ids = {line.split(",")[0] for line in staff}
    names = {line.split(",")[1] for line in staff}
    words = set(re.findall(rb"[0-9A-Za-z ]+", data))
    assert not {i.encode() for i in ids} & set(re.findall(rb"[0-9A-Za-z]+", data))
    assert not any(n.encode() in data for n in list(names)[:50])
    assert b"invented case notes" not in data and b"Leadership course" not in data
    assert words  # the file was read


def test_staff_keys_are_in_their_own_domain_and_never_equal_a_child_key(synthetic):
    _, _, warehouse = synthetic
    keys = [k for (k,) in rows(warehouse, "SELECT DISTINCT staff_key FROM staff")]
    assert all(k.startswith("st-") and len(k) == 67 for k in keys)
    pseudo = Pseudonymiser(TEST_KEY.encode())
    staff_id = "100001"
    child = pseudo.key_for("999", staff_id)
    from arpkit.engine.hr_import import application_key, staff_key

    assert staff_key(pseudo, "999", staff_id)[3:] != child
    assert application_key(pseudo, "999", staff_id, None)[3:] != child


def test_re_importing_the_same_files_changes_nothing(synthetic):
    result, summary, warehouse = synthetic
    before = rows(warehouse, "SELECT count(*) FROM staff")
    again = import_hr(result.mapping, la_code="999", warehouse=warehouse)
    assert again.unchanged and again.import_id == summary.import_id
    assert rows(warehouse, "SELECT count(*) FROM staff") == before
    assert rows(warehouse, "SELECT count(*) FROM imports") == [(1,)]


def test_a_changed_extract_replaces_the_previous_one(tmp_path):
    mapping = extract(tmp_path / "a", staff=people("W", 10, WHITE))
    import_hr(mapping, la_code="999", warehouse=tmp_path / "w.duckdb")
    write_csv(tmp_path / "a" / "staff.csv", ["Staff ID", "Ethnicity", "Grade", "Team", "Start",
                                             "Leave"], people("X", 7, WHITE))
    summary = import_hr(mapping, la_code="999", warehouse=tmp_path / "w.duckdb")
    assert summary.replaced and not summary.unchanged
    assert rows(tmp_path / "w.duckdb", "SELECT count(*) FROM staff") == [(7,)]
    assert rows(tmp_path / "w.duckdb", "SELECT status FROM imports ORDER BY status") == \
        [("current",), ("superseded",)]


def test_a_bad_cell_in_any_file_lands_nothing_and_names_file_row_and_field(tmp_path):
    staff = [*people("W", 5, WHITE), ["W9", "Martian", "G1", "North", "2020-01-01", ""]]
    training = [["W0", "31/12/2024", "N"]]
    mapping = extract(tmp_path, staff=staff, training=training)
    with pytest.raises(InputError) as caught:
        import_hr(mapping, la_code="999", warehouse=tmp_path / "w.duckdb")
    text = str(caught.value)
    assert "staff.csv, row 6 (line 7): field Ethnicity value 'Martian'" in text
    assert "training.csv, row 1 (line 2): field Date value '31/12/2024'" in text
    assert "does not match the date format" in text
    con = duckdb.connect(str(tmp_path / "w.duckdb")) if (tmp_path / "w.duckdb").exists() else None
    if con is not None:
        try:
            assert con.execute("SELECT count(*) FROM staff").fetchone() == (0,)
        finally:
            con.close()


def test_a_grade_not_on_the_mapping_list_is_an_error(tmp_path):
    mapping = extract(tmp_path, staff=[["W1", WHITE, "G9", "North", "2020-01-01", ""]])
    with pytest.raises(InputError, match=r"field Grade value 'G9': is not one of the grades"):
        import_hr(mapping, la_code="999", warehouse=tmp_path / "w.duckdb")


def test_a_leave_date_before_the_start_date_is_an_error(tmp_path):
    mapping = extract(tmp_path, staff=[["W1", WHITE, "G1", "North", "2020-01-01",
                                        "2019-01-01"]])
    with pytest.raises(InputError, match="the leave date is before the start date"):
        import_hr(mapping, la_code="999", warehouse=tmp_path / "w.duckdb")


def test_mapping_problems_name_the_yaml_key(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("staff:\n  id: ID\n  ethnicty: Eth\n  start_date: Start\n"
                    "disciplinary:\n  id: ID\n  date: {column: D, format: '%d/%m/%Y'}\n"
                    "  formal: {column: T, values: {Formal: maybe}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_hr_mapping(path)
    text = str(caught.value)
    assert "staff.ethnicty" in text and "did you mean 'ethnicity'" in text
    assert "staff.start_date.format" in text
    assert "disciplinary.formal.values.Formal" in text
