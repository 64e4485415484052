"""Linking a tool to the engine's warehouse: pseudonymising the child id and reading the child.

The practitioner types the authority's child id (LAchildID); it is turned into the warehouse's
``child_key`` straight away with the engine's own HMAC (:mod:`arpkit.engine.pseudonymise`, key
from ``ARPKIT_PSEUDONYM_KEY`` or ``ARPKIT_KEY_FILE``) and never stored.  The authority code in
the HMAC comes from the ``ARPKIT_LA_CODE`` setting, else from the warehouse when it holds one
authority only.

The warehouse (``settings.WAREHOUSE_PATH``) is opened read-only and closed at once, so the web
process never holds DuckDB's lock while an import runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from arpkit.engine.pseudonymise import child_key
from arpkit.web.core import warehouse as core_warehouse


class ChildLookupError(Exception):
    """The child id cannot be pseudonymised (no authority code configured)."""


@dataclass(frozen=True)
class WarehouseChild:
    child_key: str
    ethnicity_code: str | None
    ethnicity_group: str


def warehouse_path() -> Path | None:
    """The warehouse file, or None before anything has been imported."""
    return core_warehouse.warehouse_path() if core_warehouse.warehouse_exists() else None


def _query(sql: str, params: list | None = None) -> list[tuple]:
    from arpkit.engine.warehouse import open_duckdb

    path = warehouse_path()
    if path is None:
        return []
    with open_duckdb(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def la_code() -> str:
    code = core_warehouse.authority_code()
    if code:
        return code
    raise ChildLookupError(
        "set ARPKIT_LA_CODE to the authority's three-digit DfE code: the warehouse does not "
        "hold exactly one authority, so the child id cannot be linked")


def clean_child_id(raw: str) -> str:
    """Trim, and remove spreadsheet float damage (``566910.0``), as the readers do."""
    from arpkit.engine.values import clean_identifier

    return clean_identifier(raw)


def pseudonymise(raw_child_id: str) -> str:
    """The warehouse ``child_key`` for the authority's child id."""
    return child_key(la_code(), clean_child_id(raw_child_id))


def warehouse_child(key: str) -> WarehouseChild | None:
    rows = _query("SELECT ethnicity_code, ethnicity_group FROM children WHERE child_key = ?",
                  [key])
    if not rows:
        return None
    return WarehouseChild(key, rows[0][0], rows[0][1])


def assessments(period: int) -> pd.DataFrame:
    """Children with an assessment starting in ``period`` (the engine's counting rules), with
    their team and ethnic group: ``child_key, team, ethnicity_group``.  Empty without a
    warehouse."""
    from arpkit.engine import counting
    from arpkit.engine.warehouse import connect

    path = warehouse_path()
    if path is None:
        return pd.DataFrame(columns=["child_key", "team", "ethnicity_group"])
    con = connect(path)
    try:
        q = counting.qualifying_children(con, period, counting.stage_sources(con, period),
                                         stages=("assessment",))
        q = q.filter(q.basis == "in_year")
        df = counting.with_characteristics(con, q).to_pandas()
    finally:
        con.disconnect()
    return df[["child_key", "team", "ethnicity_group"]]


def periods() -> list[int]:
    """Collection years with assessment events in the warehouse, latest first."""
    rows = _query("SELECT DISTINCT period FROM events WHERE stage = 'assessment' "
                  "AND period IS NOT NULL ORDER BY 1 DESC")
    return [int(r[0]) for r in rows]
