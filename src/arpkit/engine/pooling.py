"""Pooled analysis over several authorities' warehouses on any Ibis backend (Spark for a
region or the nation).

Why: a regional analysis (a pool of authorities sharing pseudonymised warehouses under a data
sharing agreement) must give each authority exactly its own figures and the pool the figures
of the union - with the same counting rules, not a re-implementation.  The engine's measures
take an Ibis backend and an ``la_codes`` restriction, so pooling is only plumbing: export each
warehouse to Parquet (:func:`arpkit.engine.warehouse.export_parquet`), stack each table across
authorities (every row carries its ``la_code``; keys are HMACs per authority, so they cannot
collide), register the stacked files on the backend (:func:`register_parquet`) and run the
same functions per authority and over the union.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from arpkit.engine import warehouse as wh
from arpkit.engine.errors import ConfigError

POOL = "pool"


def stack_warehouses(warehouses: Mapping[str, str | os.PathLike[str]], out_dir: Path) -> Path:
    """Export each authority's DuckDB warehouse and write one Parquet file per table holding
    every authority's rows (``out_dir/pooled/<table>.parquet``).  Returns that folder.

    ``warehouses`` maps the authority's la_code to its warehouse; a warehouse holding rows of
    another authority is refused (it would be counted twice).
    """
    if not warehouses:
        raise ConfigError("no warehouses to pool")
    out_dir = Path(out_dir)
    parts: dict[str, list[pa.Table]] = {t: [] for t in wh.TABLES}
    for la, path in warehouses.items():
        folder = out_dir / "authorities" / la
        wh.export_parquet(path, folder)
        for table in wh.TABLES:
            data = pq.read_table(folder / f"{table}.parquet")
            if "la_code" in data.column_names and table != "peer_aggregates":
                found = set(data.column("la_code").to_pylist()) - {None, ""}
                if found - {la}:
                    raise ConfigError(f"warehouse {path} holds rows of authorities "
                                      f"{sorted(found - {la})} as well as {la}: pool one "
                                      "warehouse per authority")
            parts[table].append(data)
    pooled = out_dir / "pooled"
    pooled.mkdir(parents=True, exist_ok=True)
    for table, tables in parts.items():
        if table in ("settings", "peer_aggregates"):
            continue
        pq.write_table(pa.concat_tables(tables, promote_options="permissive"),
                       pooled / f"{table}.parquet")
    return pooled


def register_pool(backend, pooled_dir: Path):
    """Register a stacked folder on an Ibis backend (e.g. ``ibis.pyspark.connect(spark)``, or
    ``ibis.duckdb.connect()`` when no cluster is needed).  Returns the backend."""
    wh.register_parquet(backend, Path(pooled_dir),
                        tables=tuple(t for t in wh.TABLES
                                     if t not in ("settings", "peer_aggregates")))
    return backend


def per_authority_and_pooled(backend, la_codes: list[str],
                             measure: Callable[..., pd.DataFrame], **kwargs) -> pd.DataFrame:
    """Run one engine function (``metrics``, ``workforce`` ...) for each authority and over the
    pool; the result has an ``area`` column first (the la_code, or ``"pool"``)."""
    frames = []
    for la in la_codes:
        frames.append(measure(backend, la_codes=[la], **kwargs).assign(area=la))
    frames.append(measure(backend, la_codes=list(la_codes), **kwargs).assign(area=POOL))
    out = pd.concat(frames, ignore_index=True)
    return out[["area", *[c for c in out.columns if c != "area"]]]
