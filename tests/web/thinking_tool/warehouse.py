"""A small hand-made warehouse for the practice-tool tests: known children, known assessments.

Built with the engine's own schema (:func:`arpkit.engine.warehouse.open_duckdb`) and keys
(:func:`arpkit.engine.pseudonymise.child_key`), so it links exactly as an imported one would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from arpkit.engine.ethnicity import group_for_code
from arpkit.engine.pseudonymise import child_key
from arpkit.engine.warehouse import open_duckdb

LA = "999"
PERIOD = 2025


@dataclass(frozen=True)
class Child:
    child_id: str
    ethnicity_code: str
    team: str = "Team A"
    assessed: dt.date | None = dt.date(2024, 6, 1)
    stage: str = "assessment"


def key_of(child_id: str) -> str:
    return child_key(LA, child_id)


def build(path: Path, kids: list[Child]) -> Path:
    with open_duckdb(path) as con:
        for kid in kids:
            key = key_of(kid.child_id)
            con.execute(
                "INSERT INTO children (child_key, la_code, ethnicity_code, ethnicity_group, sex,"
                " birth_month, ethnicity_conflict) VALUES (?, ?, ?, ?, 'F', DATE '2015-01-01',"
                " false)", [key, LA, kid.ethnicity_code, group_for_code(kid.ethnicity_code)])
            if kid.assessed:
                con.execute(
                    "INSERT INTO events (child_key, la_code, stage, start_date, team, source,"
                    " period, import_id) VALUES (?, ?, ?, ?, ?, 'cin_census', ?, 'test')",
                    [key, LA, kid.stage, kid.assessed, kid.team, PERIOD])
    return path
