"""The metrics give the same table on Spark as on the embedded DuckDB warehouse.

Why: regional and national pools run on Spark over a Parquet export (README "Spark and other
backends"); an analyst must get the figures they would get locally, row for row.  Counting is
Ibis (``counting.py``) so both backends run the same rules; these tests prove it on a pool of
three generated authorities (one of 3,000 children over two years), that the pool adds up its
authorities, and that restricting it to one authority gives that authority alone, DfE
suppression included.

Spark runs in local mode with one core (Java 17 is on the project's machines).  Most of the
time is Spark's start-up and first-query warm-up, and DfE suppression (pandas), so the file
runs only two metric tables on Spark, shares one session, and keeps the expensive results in
module fixtures.  The session is shared with the suite's other Spark tests (``spark`` in
tests/conftest.py), and ``--dist loadfile`` keeps this module on one xdist worker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arpkit.engine.importer import import_paths
from arpkit.engine.metrics import COLUMNS, metrics
from arpkit.engine.records import ReadSettings
from arpkit.engine.warehouse import export_parquet, register_parquet
from arpkit.synth import generate

pytestmark = [pytest.mark.spark, pytest.mark.slow]

TEST_KEY = "test-key-not-secret-0123456789abcdef"  # the autouse key of tests/conftest.py

#: la_code -> (children, periods).  The first is the "small authority" of the parity tests;
#: the third has only the later year, so the pool's earlier year holds two authorities.
AUTHORITIES: dict[str, tuple[int, tuple[int, ...]]] = {
    "999": (3_000, (2024, 2025)),
    "998": (1_500, (2024, 2025)),
    "997": (1_500, (2025,)),
}
MAIN = "999"

KEY_COLS = ["measure", "stage", "to_stage", "basis", "period", "breakdown", "group",
            "reference_group"]
FLOAT_COLS = ["denominator", "value", "ci_lower", "ci_upper"]
EXACT_COLS = [c for c in COLUMNS if c not in FLOAT_COLS]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One DuckDB warehouse per authority, plus ``"pool"`` holding all of them.

    Generated and imported once for the module; the pseudonym key is set by hand because the
    autouse key fixture is function-scoped.
    """
    root = tmp_path_factory.mktemp("spark_parity")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        out: dict[str, Path] = {"pool": root / "pool.duckdb"}
        for i, (la, (children, periods)) in enumerate(AUTHORITIES.items()):
            folders = [generate(root / la / str(p), children=children, seed=100 * i + p % 100,
                                period=p, la_code=la).out_dir for p in periods]
            # SSDA903 and Annex A carry no authority code, so each authority is its own call.
            settings = ReadSettings(la_code=la)
            out[la] = root / f"{la}.duckdb"
            import_paths(folders, warehouse=out[la], settings=settings)
            import_paths(folders, warehouse=out["pool"], settings=settings)
    return out


def _spark_backend(spark, warehouse: Path, out_dir: Path):
    """An Ibis Spark backend over a Parquet export, in a Spark session of its own (its own
    temporary views, the shared JVM), so other users of the session cannot clash with it."""
    import ibis

    export_parquet(warehouse, out_dir)
    con = ibis.pyspark.connect(spark.newSession())
    register_parquet(con, out_dir)
    return con


@pytest.fixture(scope="module")
def spark_pool(spark, warehouses, tmp_path_factory):
    return _spark_backend(spark, warehouses["pool"], tmp_path_factory.mktemp("parquet_pool"))


@pytest.fixture(scope="module")
def pooled_on_spark(spark_pool) -> pd.DataFrame:
    """The unsuppressed metrics of the whole pool, computed on Spark (used by two tests)."""
    return metrics(spark_pool, suppression="none")


# --------------------------------------------------------------------------- helpers


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY_COLS, na_position="first", kind="stable").reset_index(drop=True)


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Row for row after sorting: counts, labels and flags exact; floats to 1e-12 relative."""
    assert list(got.columns) == list(expected.columns) == list(COLUMNS)
    assert len(got) == len(expected) > 0
    assert not expected.duplicated(KEY_COLS).any(), "the metric keys should identify a row"
    g, e = _sorted(got), _sorted(expected)
    for col in EXACT_COLS:
        same = (g[col].isna() & e[col].isna()) | (g[col] == e[col]).fillna(False)
        bad = e.loc[~same.astype(bool), [*KEY_COLS, col]]
        assert bad.empty, f"column {col} differs on {len(bad)} rows, e.g.\n{bad.head()}\n" \
                          f"Spark gave\n{g.loc[bad.index[:5], col]}"
    for col in FLOAT_COLS:
        a, b = g[col].to_numpy(float, na_value=np.nan), e[col].to_numpy(float, na_value=np.nan)
        close = np.isclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True)
        assert close.all(), f"column {col} differs beyond 1e-12 on {(~close).sum()} rows, " \
                            f"e.g.\n{e.loc[~close, KEY_COLS].head()}\n{a[~close][:5]} vs " \
                            f"{b[~close][:5]}"


def _counts(df: pd.DataFrame, measures: tuple[str, ...]) -> pd.DataFrame:
    keys = ["measure", "stage", "to_stage", "basis", "period", "breakdown", "group"]
    rows = df[df["measure"].isin(measures)].fillna({"to_stage": ""})
    return rows.set_index(keys)[["numerator", "denominator"]].astype(float)


# --------------------------------------------------------------------------- tests


def test_the_metrics_table_on_spark_equals_duckdb_without_suppression(pooled_on_spark,
                                                                       warehouses):
    """Both years of a pool of three authorities (which holds the 3,000-child one)."""
    assert_same_table(pooled_on_spark, metrics(warehouses["pool"], suppression="none"))


def test_one_authority_of_a_pool_on_spark_equals_it_alone_on_duckdb_with_dfe_suppression(
        spark_pool, warehouses):
    """Restricting a pool to one authority gives that authority's own table, suppression
    (which depends on every small cell and on the previous year) included."""
    got = metrics(spark_pool, suppression="dfe", la_codes=[MAIN])
    expected = metrics(warehouses[MAIN], suppression="dfe")
    assert expected["suppressed"].any(), "a 3,000-child authority should have small cells"
    assert set(expected["period"]) == {2024, 2025}
    assert_same_table(got, expected)


def test_a_pooled_warehouse_on_spark_adds_up_the_authorities_in_it(pooled_on_spark,
                                                                   warehouses):
    """Counts and population denominators of the pool are the sums of each authority alone
    (for each year, the authorities that sent a return for it)."""
    measures = ("rate_per_10k", "stage_conversion")
    alone = [_counts(metrics(warehouses[la], suppression="none"), measures)
             for la in AUTHORITIES]
    summed = pd.concat(alone).groupby(level=list(range(7)), dropna=False).sum(min_count=1)
    pooled = _counts(pooled_on_spark, measures)
    assert set(pooled.index) == set(summed.index)
    pooled = pooled.loc[summed.index]
    assert (pooled["numerator"] == summed["numerator"]).all()
    assert (pooled["denominator"].isna() == summed["denominator"].isna()).all()
    has = summed["denominator"].notna()
    assert np.allclose(pooled.loc[has, "denominator"], summed.loc[has, "denominator"],
                       rtol=1e-12, atol=0)
    # The pool really mixes authorities: its earlier year has two, the later three.
    for period, authorities in ((2024, 2), (2025, 3)):
        key = ("rate_per_10k", "referral", "", "in_year", period, "all", "ALL")
        parts = [a.loc[key] for a in alone if key in a.index]
        assert len(parts) == authorities
        assert all(0 < p["numerator"] < summed.loc[key, "numerator"] for p in parts)
        assert all(0 < p["denominator"] < summed.loc[key, "denominator"] for p in parts)
