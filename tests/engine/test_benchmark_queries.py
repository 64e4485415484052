"""The hand-written SQL that ``benchmarks/metrics_vs_sql.py`` measures arpkit against counts
exactly what arpkit counts, so its ratios compare like with like.

The benchmark's two queries are the floor (rates by ethnic group and code, the issue's
target) and arpkit's whole count cube written by hand (what every measure is computed
from).  The benchmark checks both against arpkit on every run; these tests keep those checks
honest on a small synthetic authority with every return, teams from Annex A included.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from arpkit.engine.importer import import_paths
from arpkit.synth import generate

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
PERIOD = 2025


def _load_benchmark():
    """``benchmarks/metrics_vs_sql.py`` as a module (it imports its neighbour ``_common``)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("metrics_vs_sql",
                                                      BENCHMARKS / "metrics_vs_sql.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.fixture(scope="module")
def bench():
    return _load_benchmark()


@pytest.fixture(scope="module")
def runs(bench, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The benchmark's floor, hand-written cube and arpkit jobs, run by its own worker on a
    1,000-child authority; their outputs."""
    out = tmp_path_factory.mktemp("bench")
    # The test key is set for the whole session (conftest.pytest_configure).
    folder = generate(out / "returns", children=1000, seed=11, period=PERIOD).out_dir
    warehouse = out / "w.duckdb"
    import_paths([folder], warehouse=warehouse)
    paths = {}
    for job in ("sql", "sql-cube", "arpkit-none"):
        paths[job] = out / f"{job}.parquet"
        bench.worker(job, warehouse, warehouse, PERIOD, paths[job])
    paths["arpkit-cube"] = paths["arpkit-none"].with_suffix(".cube")
    return paths


def test_the_floor_counts_the_same_children_and_rates_as_arpkit(bench, runs):
    verdict = bench._agreement(runs["sql"], runs["arpkit-none"])
    assert verdict.startswith("yes"), verdict


def test_the_hand_written_cube_is_arpkits_cube_cell_by_cell(bench, runs):
    cube = pd.read_parquet(runs["sql-cube"])
    assert len(cube) > 100  # every stage, breakdown and team of the authority
    assert cube["team"].ne("not recorded").any()  # teams were found, not all defaulted
    verdict = bench._cube_agreement(runs["sql-cube"], runs["arpkit-cube"])
    assert verdict.startswith("yes"), verdict


def test_the_cube_check_notices_a_cell_or_a_conversion_that_differs(bench, runs, tmp_path):
    cube = pd.read_parquet(runs["sql-cube"])
    moved = cube.copy()
    moved.loc[moved.index[0], "n"] += 1
    moved.to_parquet(tmp_path / "moved.parquet", index=False)
    verdict = bench._cube_agreement(tmp_path / "moved.parquet", runs["arpkit-cube"])
    assert verdict.startswith("NO") and "children equal in every cell: False" in verdict

    flagged = cube.copy()
    row = flagged.index[(flagged["stage"] == "referral") & (flagged["basis"] == "in_year")][0]
    flagged.loc[row, "x_s47"] += 1
    flagged.to_parquet(tmp_path / "flagged.parquet", index=False)
    verdict = bench._cube_agreement(tmp_path / "flagged.parquet", runs["arpkit-cube"])
    assert verdict.startswith("NO") and "referral>s47" in verdict
