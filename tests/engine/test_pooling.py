"""Pooled analysis over several authorities' warehouses: the same engine code per authority and
over the union, on DuckDB and on Spark local mode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arpkit.engine.hr_import import import_hr
from arpkit.engine.importer import import_paths
from arpkit.engine.metrics import metrics
from arpkit.engine.pooling import POOL, per_authority_and_pooled, register_pool, stack_warehouses
from arpkit.engine.records import ReadSettings
from arpkit.engine.workforce import workforce
from arpkit.synth import generate
from arpkit.synth.workforce import generate_hr

pytestmark = pytest.mark.slow

TEST_KEY = "test-key-not-secret-0123456789abcdef"
AUTHORITIES = ("999", "998", "997")


@pytest.fixture(scope="module")
def stacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("pooling")
    warehouses = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        for i, la in enumerate(AUTHORITIES):
            folder = generate(root / la, children=600, seed=70 + i, period=2025,
                              la_code=la).out_dir
            warehouses[la] = root / f"{la}.duckdb"
            import_paths([folder], warehouse=warehouses[la], settings=ReadSettings(la_code=la))
            hr = generate_hr(root / f"hr{la}", staff=250, seed=80 + i, periods=(2025,))
            import_hr(hr.mapping, la_code=la, warehouse=warehouses[la])
    return warehouses, stack_warehouses(warehouses, root / "parquet")


def _duckdb_pool(pooled_dir):
    import ibis

    return register_pool(ibis.duckdb.connect(), pooled_dir)


def test_each_authority_of_a_pool_gets_exactly_its_own_workforce_table(stacked):
    warehouses, pooled_dir = stacked
    con = _duckdb_pool(pooled_dir)
    table = per_authority_and_pooled(con, list(AUTHORITIES), workforce, period=2025,
                                     suppression="none", by_team=False)
    for la in AUTHORITIES:
        alone = workforce(warehouses[la], period=2025, suppression="none", by_team=False)
        mine = table[table["area"] == la].drop(columns="area").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)


def test_the_metrics_of_one_authority_in_the_pool_equal_its_own_warehouse(stacked):
    warehouses, pooled_dir = stacked
    con = _duckdb_pool(pooled_dir)
    got = metrics(con, period=2025, suppression="none", la_codes=["998"])
    alone = metrics(warehouses["998"], period=2025, suppression="none")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), alone.reset_index(drop=True),
                                  check_dtype=False)


def test_the_pool_adds_up_the_authorities_counts(stacked):
    _, pooled_dir = stacked
    con = _duckdb_pool(pooled_dir)
    table = per_authority_and_pooled(con, list(AUTHORITIES), workforce, period=2025,
                                     suppression="none", by_team=False)
    keys = ["indicator", "breakdown", "level", "group"]
    rl = table[table["indicator"] == "formal_disciplinary"]
    parts = rl[rl["area"] != POOL].groupby(keys)[["events", "base"]].sum()
    pool = rl[rl["area"] == POOL].set_index(keys)[["events", "base"]]
    pd.testing.assert_frame_equal(pool.loc[parts.index].astype("int64"),
                                  parts.astype("int64"))


@pytest.mark.spark
def test_the_pooled_tables_on_spark_equal_duckdb(stacked, spark):
    import ibis

    _, pooled_dir = stacked
    on_spark = register_pool(ibis.pyspark.connect(spark.newSession()), pooled_dir)
    on_duckdb = _duckdb_pool(pooled_dir)
    # The metrics table's Spark parity is tests/engine/test_spark_parity.py; here the HR
    # tables and the workforce counting (windows, left joins) run on Spark.
    for measure, kwargs in ((workforce, {"period": 2025, "suppression": "none",
                                         "by_team": False}),):
        got = measure(on_spark, **kwargs)
        expected = measure(on_duckdb, **kwargs)
        assert len(got) == len(expected) > 0
        num = got.select_dtypes("number").columns
        np.testing.assert_allclose(got[num].to_numpy(float, na_value=np.nan),
                                   expected[num].to_numpy(float, na_value=np.nan),
                                   rtol=1e-12, equal_nan=True)
        other = [c for c in got.columns if c not in num]
        pd.testing.assert_frame_equal(got[other].astype(str), expected[other].astype(str))
