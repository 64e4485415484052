"""The warehouse file: where it is, what it holds, and the Parquet export for Spark.

Small warehouses are built by importing a hand-made one-child SSDA903 return; expected row
counts come from DuckDB or pyarrow reading the files, not from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from arpkit.engine.errors import ConfigError
from arpkit.engine.importer import import_paths
from arpkit.engine.records import ReadSettings
from arpkit.engine.warehouse import (
    ENV_WAREHOUSE,
    SCHEMA_VERSION,
    TABLES,
    connect,
    export_parquet,
    open_duckdb,
    register_parquet,
    resolve_path,
)
from tests.engine.import_helpers import one_child_903, query, row_counts

DOCS = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A warehouse holding two children from two one-child 903 returns (2024 and 2025)."""
    target = tmp_path / "w.duckdb"
    for period, child in ((2024, "1001"), (2025, "1002")):
        folder = one_child_903(tmp_path / str(period), child, "WBRI", period)
        import_paths([folder], warehouse=target, settings=ReadSettings(la_code="999"))
    return target


def test_a_new_warehouse_has_every_table_with_its_columns_in_order(tmp_path: Path):
    target = tmp_path / "new.duckdb"
    with open_duckdb(target):
        pass
    with duckdb.connect(str(target), read_only=True) as con:
        for table, cols in TABLES.items():
            got = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall()]
            assert got == [c for c, _ in cols], table
        assert con.execute("SELECT value FROM settings WHERE key = 'schema_version'"
                           ).fetchall() == [(str(SCHEMA_VERSION),)]


def test_every_column_is_described_in_the_warehouse_documentation():
    text = DOCS.read_text(encoding="utf-8")
    undocumented = {}
    for table, cols in TABLES.items():
        if table == "settings":
            continue
        start = (re.search(rf"^### `{table}`", text, re.M)
                 or re.search(rf"`{table}\(", text))
        assert start, f"docs/warehouse.md does not describe the {table} table"
        section = text[start.start():]
        end = section.find("\n##", 1)
        section = section[:end] if end > 0 else section
        words = set(re.findall(r"[a-z_0-9]+", section))
        missing = [c for c, _ in cols if c not in words]
        if missing:
            undocumented[table] = missing
    assert undocumented == {}


def test_opening_a_warehouse_again_keeps_one_schema_version_row(small: Path):
    with open_duckdb(small):
        pass
    assert query(small, "SELECT count(*) FROM settings") == [(1,)]


def test_a_warehouse_from_another_schema_version_is_refused(small: Path):
    with duckdb.connect(str(small)) as con:
        con.execute("UPDATE settings SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="schema version 99"), open_duckdb(small):
        pass


def test_reading_a_warehouse_that_does_not_exist_says_to_import_first(tmp_path: Path):
    target = tmp_path / "missing.duckdb"
    with pytest.raises(ConfigError, match="arpkit import"), open_duckdb(target, read_only=True):
        pass
    with pytest.raises(ConfigError, match="arpkit import"):
        connect(target)
    assert not target.exists()


def test_the_warehouse_path_comes_from_the_option_then_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV_WAREHOUSE, str(tmp_path / "env.duckdb"))
    assert resolve_path(None) == tmp_path / "env.duckdb"
    assert resolve_path(tmp_path / "given.duckdb") == tmp_path / "given.duckdb"
    assert resolve_path(f"duckdb://{tmp_path}/url.duckdb") == tmp_path / "url.duckdb"
    monkeypatch.delenv(ENV_WAREHOUSE)
    assert resolve_path(None) == Path("arpkit.duckdb")


def test_a_non_duckdb_url_is_refused_with_the_way_to_use_spark():
    with pytest.raises(ConfigError, match="export-parquet"):
        resolve_path("postgres://server/db")


def test_the_parquet_export_holds_every_table_with_every_row(small: Path, tmp_path: Path):
    out = tmp_path / "parquet"
    written = export_parquet(small, out)
    assert sorted(p.name for p in written) == sorted(f"{t}.parquet" for t in TABLES)
    counts = row_counts(small)
    assert counts["children"] == 2
    for table, cols in TABLES.items():
        data = pq.read_table(out / f"{table}.parquet")
        assert data.num_rows == counts[table], table
        assert data.column_names == [c for c, _ in cols], table


def test_an_exported_warehouse_registers_on_another_ibis_backend(small: Path, tmp_path: Path):
    import ibis

    out = tmp_path / "parquet"
    export_parquet(small, out)
    backend = ibis.duckdb.connect()
    register_parquet(backend, out)
    counts = row_counts(small)
    for table in TABLES:
        assert backend.table(table).count().execute() == counts[table], table
    assert connect(backend) is backend


def test_connect_reads_the_warehouse_without_locking_out_other_readers(small: Path):
    con = connect(small)
    try:
        assert con.table("children").count().execute() == 2
        assert query(small, "SELECT count(*) FROM children") == [(2,)]
    finally:
        con.disconnect()


def _memory_limit(con) -> str:
    return con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]


def _as_duckdb_shows(size: str) -> str:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{size}'")
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_connections_share_one_memory_limit_so_calls_run_at_once_get_that_many_times_it(
        small: Path, monkeypatch: pytest.MonkeyPatch):
    from arpkit.engine.warehouse import concurrent_calls, connect

    monkeypatch.setenv("ARPKIT_DUCKDB_MEMORY_LIMIT", "512MB")
    assert _memory_limit(connect(small)) == _as_duckdb_shows("512MB")
    with concurrent_calls(2):
        first, second = connect(small), connect(small)
        assert _memory_limit(first) == _memory_limit(second) == _as_duckdb_shows("1024MB")
    assert _memory_limit(connect(small)) == _as_duckdb_shows("512MB")


def test_a_memory_limit_that_is_not_a_size_is_passed_to_duckdb_unchanged():
    from arpkit.engine.warehouse import _scaled

    assert _scaled("1GB", 2) == "2GB"
    assert _scaled("1.5 GiB", 2) == "3GiB"
    assert _scaled("80%", 2) == "80%"
    assert _scaled("1GB", 1) == "1GB"
