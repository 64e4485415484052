"""The web platform's view of the engine's warehouse: where it is and whose it is.

One place for these two rules so every app (dashboards, Thinking Tool, audits, workforce,
regional comparison) links to the same file and the same authority.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def warehouse_path() -> Path:
    """The DuckDB warehouse file the platform reads (``settings.WAREHOUSE_PATH``)."""
    return Path(getattr(settings, "WAREHOUSE_PATH", "arpkit.duckdb"))


def warehouse_exists() -> bool:
    return warehouse_path().exists()


def authority_code() -> str | None:
    """The authority's DfE code: ``ARPKIT_LA_CODE``, else the one authority in the warehouse.

    None when the setting is empty and the warehouse is missing or pools several authorities;
    callers that must link records to the warehouse (typed child ids) treat that as an error.
    """
    configured = getattr(settings, "ARPKIT_LA_CODE", "")
    if configured:
        return str(configured)
    if not warehouse_exists():
        return None
    from arpkit.engine.warehouse import open_duckdb

    with open_duckdb(warehouse_path(), read_only=True) as con:
        codes = [r[0] for r in con.execute(
            "SELECT DISTINCT la_code FROM children WHERE la_code IS NOT NULL").fetchall()]
    return codes[0] if len(codes) == 1 else None
