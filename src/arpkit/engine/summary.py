"""What is in the warehouse: the analyst's first look after an import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from arpkit.engine import warehouse as wh
from arpkit.engine.ethnicity import GROUPS


@dataclass
class WarehouseSummary:
    imports: pd.DataFrame
    children_by_group: pd.DataFrame
    events_by_stage: pd.DataFrame
    population: pd.DataFrame
    conflicts: int
    unmapped_labels: pd.DataFrame


def summarise(warehouse: str | Path | None = None) -> WarehouseSummary:
    """Counts only: no child-level rows leave this function."""
    with wh.open_duckdb(warehouse, read_only=True) as con:
        imports = con.execute(
            "SELECT kind, la_code, period, file_name, rows, imported_at, status FROM imports "
            "WHERE status = 'current' ORDER BY kind, period, imported_at").df()
        by_group = con.execute(
            "SELECT la_code, ethnicity_group, count(*) AS children FROM children "
            "GROUP BY ALL ORDER BY la_code").df()
        order = {g: i for i, g in enumerate(GROUPS)}
        by_group = by_group.sort_values(
            ["la_code", "ethnicity_group"], key=lambda s: s.map(order) if s.name ==
            "ethnicity_group" else s).reset_index(drop=True)
        events = con.execute(
            "SELECT period, stage, source, count(*) AS events, count(DISTINCT child_key) AS "
            "children FROM events GROUP BY ALL ORDER BY period, stage, source").df()
        population = con.execute(
            "SELECT la_code, period, source, vintage, sum(population)::BIGINT AS population "
            "FROM population GROUP BY ALL ORDER BY la_code, period, source").df()
        conflicts = con.execute(
            "SELECT count(*) FROM children WHERE ethnicity_conflict").fetchone()[0]
        unmapped = con.execute(
            "SELECT label, sum(children)::BIGINT AS children FROM ethnicity_labels "
            "WHERE NOT recognised AND label IS NOT NULL GROUP BY label "
            "ORDER BY children DESC, label").df()
    return WarehouseSummary(imports, by_group, events, population, int(conflicts), unmapped)
