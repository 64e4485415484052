"""The ``children`` table after an import: the quick build (every child has one source row)
must give exactly the table the full rebuild (ordered ``first()`` per child) gives."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from arpkit.engine.importer import _REBUILD_CHILDREN, import_paths
from arpkit.engine.records import ReadSettings


def children_both_ways(warehouse: Path) -> tuple[list, list, list, list]:
    """(rows, column types) of ``children`` as imported, then as the full rebuild makes it."""
    con = duckdb.connect(str(warehouse))
    try:
        got = con.execute("SELECT * FROM children ORDER BY child_key").fetchall()
        got_types = con.execute("DESCRIBE children").fetchall()
        con.execute(_REBUILD_CHILDREN)
        full = con.execute("SELECT * FROM children ORDER BY child_key").fetchall()
        full_types = con.execute("DESCRIBE children").fetchall()
    finally:
        con.close()
    return got, full, got_types, full_types


@pytest.fixture(scope="module")
def fake_census(shared_data: Path) -> Path:
    return shared_data / "cin_census" / "samples" / "fake_CIN_data.xml"


def test_a_first_import_builds_children_exactly_as_the_full_rebuild(tmp_path, fake_census):
    warehouse = tmp_path / "w.duckdb"
    import_paths([fake_census], warehouse=warehouse, settings=ReadSettings(period=2022))
    got, full, got_types, full_types = children_both_ways(warehouse)
    assert len(got) == 332
    assert got == full and got_types == full_types


def test_children_in_two_returns_are_merged_with_their_conflicts_flagged(tmp_path,
                                                                          fake_census):
    warehouse = tmp_path / "w.duckdb"
    import_paths([fake_census], warehouse=warehouse, settings=ReadSettings(period=2022))
    text = fake_census.read_text(encoding="utf-8")
    first = text.index("<Ethnicity>") + len("<Ethnicity>")
    code = text[first:text.index("</Ethnicity>", first)]
    other = "WIRI" if code != "WIRI" else "BAFR"
    later = tmp_path / "later.xml"
    later.write_text(text[:first] + other + text[first + len(code):], encoding="utf-8")
    import_paths([later], warehouse=warehouse, settings=ReadSettings(period=2023))
    got, full, got_types, full_types = children_both_ways(warehouse)
    assert len(got) == 332
    assert got == full and got_types == full_types
    assert sum(row[-1] for row in got) == 1  # the one child whose ethnicity changed
