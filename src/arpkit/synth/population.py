"""Write the denominator table of a synthetic authority (``population.csv``).

Why this shape: the population reader accepts ``ethnicity,population`` with optional
``period``, ``la_code``, ``age_band`` and ``sex``; the synthetic file gives one row per DfE code
with a population (the 18 known codes; REFU and NOBT are recording outcomes, not groups, and
have no denominator - docs/formats.md §4.5), aged 0-17, with ``source`` and ``vintage`` naming
it as synthetic so it can never be mistaken for an ONS or school-census table.
"""

from __future__ import annotations

import csv
from pathlib import Path

from arpkit.synth import codes
from arpkit.synth.model import Plan

COLUMNS = ("la_code", "period", "ethnicity", "population", "source", "vintage")
SOURCE = "arpkit_synthetic"


def write_population(path: Path, plan: Plan) -> int:
    """Write the table; returns the number of rows."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i, code in enumerate(codes.ETHNIC_CODES):
            if code not in codes.KNOWN_ETHNIC or plan.shares[i] <= 0:
                continue
            out.writerow((plan.la_code, plan.period, code, int(plan.population[i]), SOURCE,
                          f"synthetic seed {plan.seed}"))
            rows += 1
    return rows
