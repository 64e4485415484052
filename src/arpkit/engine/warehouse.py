"""The pseudonymised warehouse: table definitions, opening, and the Ibis view of it.

The warehouse of record is an embedded DuckDB file (``--warehouse PATH``, default
``./arpkit.duckdb``).  Imports write to it natively inside one transaction, so an import lands
whole or not at all, even if the process is killed (DuckDB discards an uncommitted transaction
on reopen).  Everything that *reads* - metrics, pathway, quality, reports, the web dashboards -
goes through Ibis, so the same expressions also run on a Parquet export of the warehouse loaded
into Spark (see :func:`export_parquet` and :func:`connect`).

Table reference: ``docs/warehouse.md``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from arpkit.engine.errors import ConfigError

SCHEMA_VERSION = 1
DEFAULT_WAREHOUSE = "arpkit.duckdb"
ENV_WAREHOUSE = "ARPKIT_WAREHOUSE"

#: Column definitions, in order.  Kept as data so docs, tests and the Parquet export agree.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "imports": (
        ("import_id", "VARCHAR NOT NULL PRIMARY KEY"),
        ("batch_id", "VARCHAR NOT NULL"),
        ("file_name", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR"),
        ("period", "INTEGER"),
        ("rows", "BIGINT NOT NULL"),
        ("imported_at", "TIMESTAMP NOT NULL"),
        ("imported_by", "VARCHAR"),
        ("status", "VARCHAR NOT NULL"),
        ("replaced_by", "VARCHAR"),
    ),
    "import_files": (
        ("import_id", "VARCHAR NOT NULL"),
        ("file_name", "VARCHAR NOT NULL"),
        ("sha256", "VARCHAR NOT NULL"),
        ("bytes", "BIGINT NOT NULL"),
    ),
    "child_sources": (
        ("child_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("source", "VARCHAR NOT NULL"),
        ("period", "INTEGER"),
        ("import_id", "VARCHAR NOT NULL"),
        ("ethnicity_code", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("ethnicity_source_label", "VARCHAR"),
        ("sex", "VARCHAR"),
        ("birth_month", "DATE"),
        ("disabled", "BOOLEAN"),
        ("uasc", "BOOLEAN"),
    ),
    "children": (
        ("child_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("ethnicity_code", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("ethnicity_source_label", "VARCHAR"),
        ("sex", "VARCHAR"),
        ("birth_month", "DATE"),
        ("disabled", "BOOLEAN"),
        ("uasc", "BOOLEAN"),
        ("ethnicity_source", "VARCHAR"),
        ("ethnicity_period", "INTEGER"),
        ("ethnicity_conflict", "BOOLEAN NOT NULL"),
    ),
    "events": (
        ("child_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("stage", "VARCHAR NOT NULL"),
        ("start_date", "DATE NOT NULL"),
        ("end_date", "DATE"),
        ("team", "VARCHAR"),
        ("referral_source", "VARCHAR"),
        ("referral_nfa", "BOOLEAN"),
        ("closure_reason", "VARCHAR"),
        ("need_code", "VARCHAR"),
        ("category_of_abuse", "VARCHAR"),
        ("legal_status", "VARCHAR"),
        ("placement", "VARCHAR"),
        ("rne", "VARCHAR"),
        ("detail", "VARCHAR"),
        ("source", "VARCHAR NOT NULL"),
        ("period", "INTEGER"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "population": (
        ("la_code", "VARCHAR NOT NULL"),
        ("period", "INTEGER"),
        ("ethnicity_code", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("age_band", "VARCHAR"),
        ("sex", "VARCHAR"),
        ("population", "BIGINT NOT NULL"),
        ("source", "VARCHAR NOT NULL"),
        ("vintage", "VARCHAR"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "ethnicity_labels": (
        ("import_id", "VARCHAR NOT NULL"),
        ("source", "VARCHAR NOT NULL"),
        ("label", "VARCHAR"),
        ("ethnicity_code", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("recognised", "BOOLEAN NOT NULL"),
        ("children", "BIGINT NOT NULL"),
    ),
    "settings": (
        ("key", "VARCHAR NOT NULL PRIMARY KEY"),
        ("value", "VARCHAR"),
    ),
    # Workforce (HR extracts; docs/workforce.md).  Staff and applicant keys are HMACs in a
    # domain of their own (hr_import.py), never equal to a child_key.
    "staff": (
        ("staff_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("ethnicity_category", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("grade", "VARCHAR"),
        ("grade_rank", "INTEGER"),
        ("team", "VARCHAR"),
        ("role", "VARCHAR"),
        ("start_date", "DATE NOT NULL"),
        ("leave_date", "DATE"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "staff_applications": (
        ("application_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("ethnicity_category", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("application_date", "DATE NOT NULL"),
        ("shortlisted", "BOOLEAN NOT NULL"),
        ("appointed", "BOOLEAN NOT NULL"),
        ("grade", "VARCHAR"),
        ("team", "VARCHAR"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "staff_disciplinary": (
        ("staff_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("case_date", "DATE NOT NULL"),
        ("formal", "BOOLEAN NOT NULL"),
        ("stage", "VARCHAR"),
        ("outcome", "VARCHAR"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "staff_grievances": (
        ("staff_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("case_date", "DATE NOT NULL"),
        ("stage", "VARCHAR"),
        ("outcome", "VARCHAR"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "staff_training": (
        ("staff_key", "VARCHAR NOT NULL"),
        ("la_code", "VARCHAR NOT NULL"),
        ("training_date", "DATE NOT NULL"),
        ("mandatory", "BOOLEAN NOT NULL"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    "staff_population": (
        ("la_code", "VARCHAR NOT NULL"),
        ("ethnicity_category", "VARCHAR"),
        ("ethnicity_group", "VARCHAR NOT NULL"),
        ("population", "BIGINT NOT NULL"),
        ("source", "VARCHAR NOT NULL"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
    # Peers' shared aggregate tables (aggregates.py; docs/aggregates.md, schema version 1).
    "peer_aggregates": (
        ("la_code", "VARCHAR NOT NULL"),
        ("dataset", "VARCHAR NOT NULL"),
        ("period", "INTEGER"),
        ("measure", "VARCHAR NOT NULL"),
        ("stage", "VARCHAR"),
        ("to_stage", "VARCHAR"),
        ("basis", "VARCHAR"),
        ("breakdown", "VARCHAR"),
        ("group_name", "VARCHAR"),
        ("reference_group", "VARCHAR"),
        ("numerator", "DOUBLE"),
        ("denominator", "DOUBLE"),
        ("reference_numerator", "DOUBLE"),
        ("reference_denominator", "DOUBLE"),
        ("value", "DOUBLE"),
        ("ci_lower", "DOUBLE"),
        ("ci_upper", "DOUBLE"),
        ("significant", "BOOLEAN"),
        ("suppressed", "BOOLEAN NOT NULL"),
        ("import_id", "VARCHAR NOT NULL"),
    ),
}

#: Tables whose rows belong to one import (deleted when it is replaced or rolled back).
IMPORT_OWNED: tuple[str, ...] = ("child_sources", "events", "population", "ethnicity_labels",
                                 "staff", "staff_applications", "staff_disciplinary",
                                 "staff_grievances", "staff_training", "staff_population",
                                 "peer_aggregates")


def ddl(table: str) -> str:
    cols = ",\n  ".join(f"{name} {kind}" for name, kind in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n)"


def resolve_path(warehouse: str | os.PathLike[str] | None) -> Path:
    """``--warehouse`` value, else ``ARPKIT_WAREHOUSE``, else ``./arpkit.duckdb``."""
    if warehouse is None:
        warehouse = os.environ.get(ENV_WAREHOUSE, DEFAULT_WAREHOUSE)
    text = str(warehouse)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://")
    if "://" in text:
        raise ConfigError(
            f"imports write to a DuckDB warehouse file; {text!r} is a URL. Import into DuckDB and "
            "use `arpkit export-parquet` to run the metrics on Spark or another Ibis backend."
        )
    return Path(text)


def initialise(con: duckdb.DuckDBPyConnection) -> None:
    """Create any missing tables and record the schema version."""
    for table in TABLES:
        con.execute(ddl(table))
    con.execute(
        "INSERT INTO settings VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
        [str(SCHEMA_VERSION)],
    )
    rows = con.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchall()
    found = rows[0] if rows else None  # fetchall: no result left open on the connection
    if found and int(found[0]) != SCHEMA_VERSION:
        raise ConfigError(
            f"warehouse schema version {found[0]} is not the version this arpkit uses "
            f"({SCHEMA_VERSION})"
        )


@contextmanager
def open_duckdb(warehouse: str | os.PathLike[str] | None, *, read_only: bool = False,
                create: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A native DuckDB connection to the warehouse file (created and initialised if needed)."""
    path = resolve_path(warehouse)
    if not path.exists():
        if read_only or not create:
            raise ConfigError(f"warehouse {path} does not exist: run `arpkit import` first")
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            initialise(con)
        yield con
    finally:
        con.close()


def connect(warehouse: object = None, *, read_only: bool = True):  # -> ibis BaseBackend
    """An Ibis connection to the warehouse tables.

    ``warehouse`` may be a DuckDB file path (default), an existing Ibis backend (returned as is,
    e.g. ``ibis.pyspark.connect(spark)`` with the tables registered), or a ``pyspark`` session
    together with :func:`register_parquet` for a Parquet export.
    """
    import ibis

    if warehouse is not None and hasattr(warehouse, "table") and hasattr(warehouse, "list_tables"):
        return warehouse
    path = resolve_path(warehouse)  # type: ignore[arg-type]
    if not path.exists():
        raise ConfigError(f"warehouse {path} does not exist: run `arpkit import` first")
    # A memory cap keeps peak memory flat as authorities grow (DuckDB spills to disk beyond
    # it); benchmarks/README.md has the figures.  ARPKIT_DUCKDB_MEMORY_LIMIT overrides it.
    # Set after opening, not as a connection option: DuckDB refuses a second connection to the
    # same file with a different configuration.
    limit = _scaled(os.environ.get("ARPKIT_DUCKDB_MEMORY_LIMIT", "1GB"), _concurrent_calls)
    con = ibis.duckdb.connect(str(path), read_only=read_only)
    con.raw_sql(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
    return con


#: Engine calls running at once in this process (see :func:`concurrent_calls`).
_concurrent_calls = 1
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B)\s*$", re.IGNORECASE)


@contextmanager
def concurrent_calls(n: int) -> Iterator[None]:
    """Let ``n`` engine calls run at once, each on its own :func:`connect`, within the memory
    budget one call has alone.

    Why: DuckDB keeps one database instance per file in a process, and every connection to the
    file shares it, memory limit included (a ``SET memory_limit`` on one connection is the
    limit of all). Two calls at once under one call's limit ran out of memory on the
    1,000,000-child report pack ("failed to pin block", benchmarks/README.md). Inside this
    block :func:`connect` sets ``n`` times the limit, so each call keeps its own share and
    the process's peak is bounded by ``n`` calls' worth, as it would be run one by one."""
    global _concurrent_calls
    previous, _concurrent_calls = _concurrent_calls, max(1, int(n))
    try:
        yield
    finally:
        _concurrent_calls = previous


def _scaled(limit: str, factor: int) -> str:
    """``limit`` (DuckDB size text such as ``1GB``) times ``factor``; unchanged if not a size."""
    match = _SIZE.match(limit)
    if factor == 1 or match is None:
        return limit
    number = float(match.group(1)) * factor
    return f"{number:g}{match.group(2)}"


def export_parquet(warehouse: str | os.PathLike[str] | None, out_dir: Path) -> list[Path]:
    """Write every warehouse table to ``out_dir/<table>.parquet`` (for Spark or sharing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with open_duckdb(warehouse, read_only=True) as con:
        for table in TABLES:
            target = out_dir / f"{table}.parquet"
            con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")
            written.append(target)
    return written


def register_parquet(backend, directory: Path, tables: tuple[str, ...] | None = None) -> None:
    """Register ``directory/<table>.parquet`` files as tables on an Ibis backend (e.g. Spark)."""
    for table in tables or tuple(TABLES):
        path = directory / f"{table}.parquet"
        if path.exists():
            backend.read_parquet(str(path), table_name=table)
