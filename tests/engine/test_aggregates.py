"""Regional aggregates: a safe, versioned export; strict import; comparison with peers and a
regional pool recomputed from published counts."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arpkit.engine.aggregates import (
    COLUMNS,
    SCHEMA_VERSION,
    compare_with_peers,
    export_aggregates,
    import_aggregates,
    peer_table,
    read_aggregates,
)
from arpkit.engine.errors import InputError
from arpkit.engine.hr_import import import_hr
from arpkit.engine.importer import import_paths
from arpkit.engine.intervals import rate_limits
from arpkit.engine.ratios import katz_ratio
from arpkit.engine.records import ReadSettings
from arpkit.synth import generate
from arpkit.synth.workforce import generate_hr

pytestmark = pytest.mark.slow

TEST_KEY = "test-key-not-secret-0123456789abcdef"
DATASETS = ("metrics", "workforce")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Two synthetic authorities, each with returns for 2025 and an HR extract; 998 exports
    its aggregates, 999 imports them."""
    root = tmp_path_factory.mktemp("aggregates")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        for i, la in enumerate(("999", "998")):
            folder = generate(root / la, children=800, seed=40 + i, period=2025,
                              la_code=la).out_dir
            out[la] = root / f"{la}.duckdb"
            import_paths([folder], warehouse=out[la], settings=ReadSettings(la_code=la))
            hr = generate_hr(root / f"hr{la}", staff=400, seed=50 + i, periods=(2025,))
            import_hr(hr.mapping, la_code=la, warehouse=out[la])
        out["export"] = export_aggregates(out["998"], root / "998.zip", la_code="998",
                                          datasets=DATASETS)
        import_aggregates([out["export"]], warehouse=out["999"])
    return out


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        zf.extractall(into)
    return into


def test_the_manifest_names_the_schema_authority_periods_and_file_hashes(region):
    manifest, table = read_aggregates(region["export"])
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["la_code"] == "998"
    assert manifest["periods"] == [2025] and manifest["generated_at"]
    assert set(manifest["files"]) == {"metrics.csv", "workforce.csv"}
    assert tuple(table.columns) == COLUMNS
    assert set(table["dataset"]) == set(DATASETS)


def test_the_export_shows_no_count_from_one_to_five(region):
    _, table = read_aggregates(region["export"])
    assert table["suppressed"].any()
    shown = table[~table["suppressed"]]
    for col in ("numerator", "reference_numerator"):
        v = shown[col].dropna()
        assert not ((v > 0) & (v <= 5)).any()
    hidden = table[table["suppressed"]]
    assert hidden[["numerator", "value", "ci_lower", "ci_upper"]].isna().all().all()


def test_a_changed_file_is_refused_by_its_hash(region, tmp_path):
    folder = _unzip(region["export"], tmp_path / "x")
    metrics = folder / "metrics.csv"
    metrics.write_text(metrics.read_text().replace("False", "True", 1))
    with pytest.raises(InputError, match=r"metrics\.csv: field sha256 .*changed or damaged"):
        read_aggregates(folder)


def test_another_schema_version_is_refused(region, tmp_path):
    folder = _unzip(region["export"], tmp_path / "x")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="schema_version value '99'"):
        read_aggregates(folder)


def _rewrite(folder: Path, name: str, edit) -> None:
    import hashlib

    path = folder / name
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    edit(frame)
    frame.to_csv(path, index=False, lineterminator="\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_an_unsuppressed_small_count_is_refused_naming_file_row_and_field(region, tmp_path):
    folder = _unzip(region["export"], tmp_path / "x")

    def leak(frame: pd.DataFrame) -> None:
        frame.loc[2, "suppressed"] = "False"
        frame.loc[2, "numerator"] = "3"

    _rewrite(folder, "workforce.csv", leak)
    with pytest.raises(InputError, match=r"workforce\.csv, row 3: field numerator value "
                                         r"'3\.0': is a count from 1 to 5"):
        read_aggregates(folder)


def test_a_missing_column_is_refused(region, tmp_path):
    folder = _unzip(region["export"], tmp_path / "x")
    _rewrite(folder, "metrics.csv", lambda f: f.drop(columns=["ci_upper"], inplace=True))
    with pytest.raises(InputError, match="missing ci_upper"):
        read_aggregates(folder)


def test_a_failed_import_changes_nothing_and_a_re_import_replaces_the_peer(region, tmp_path):
    before = peer_table(region["999"])
    folder = _unzip(region["export"], tmp_path / "bad")
    (folder / "workforce.csv").write_text("nonsense\n")
    with pytest.raises(InputError):
        import_aggregates([region["export"], folder], warehouse=region["999"])
    assert len(peer_table(region["999"])) == len(before)
    import_aggregates([region["export"]], warehouse=region["999"])
    again = peer_table(region["999"])
    assert len(again) == len(before) and set(again["la_code"]) == {"998"}


@pytest.fixture(scope="module")
def comparison(region):
    return compare_with_peers(region["999"], 2025, la_code="999",
                              reference_dir=Path(__file__).resolve().parents[3] / "shared"
                              / "data" / "reference")


def _key(df, measure, stage, basis, breakdown, group):
    return df[(df["measure"] == measure) & (df["stage"] == stage) & (df["basis"] == basis)
              & (df["breakdown"] == breakdown) & (df["group"] == group)]


def test_the_regional_pool_sums_the_published_counts_and_recomputes_the_rate(comparison):
    rows = _key(comparison, "rate_per_10k", "referral", "in_year", "all", "ALL")
    by = rows.set_index("area_type")
    assert set(by.index) >= {"authority", "peer", "region"}
    pool = by.loc["region"]
    assert pool["numerator"] == by.loc["authority", "numerator"] + by.loc["peer", "numerator"]
    assert pool["authorities"] == 2 and pool["excluded_suppressed"] == 0
    est = rate_limits(pool["numerator"], pool["denominator"])
    assert math.isclose(pool["value"], est.value, rel_tol=1e-12)
    assert math.isclose(pool["ci_upper"], est.upper, rel_tol=1e-12)


def test_a_pooled_disparity_ratio_is_katz_on_summed_counts_never_an_average(comparison):
    ratios = comparison[(comparison["measure"] == "disparity_ratio")
                        & (comparison["area_type"] == "region")
                        & comparison["value"].notna()]
    assert len(ratios)
    r = ratios.iloc[0]
    ref = _key(comparison, "rate_per_10k", r["stage"], r["basis"], r["breakdown"],
               r["reference_group"])
    ref = ref[ref["area_type"] == "region"].iloc[0]
    expected = katz_ratio(r["numerator"], r["denominator"], ref["numerator"],
                          ref["denominator"])
    assert math.isclose(r["value"], expected.value, rel_tol=1e-12)
    assert math.isclose(r["ci_lower"], expected.lower, rel_tol=1e-12)


def test_suppressed_cells_are_left_out_of_the_pool_and_counted(comparison):
    partial = comparison[(comparison["area_type"] == "region")
                         & (comparison["excluded_suppressed"] > 0)]
    assert len(partial)
    empty = partial[partial["authorities"] == 0]
    assert empty["suppressed"].all() and empty["value"].isna().all()


def test_england_is_shown_beside_the_overall_rates(comparison):
    england = comparison[comparison["area_type"] == "england"]
    assert len(england) and (england["breakdown"] == "all").all()
    assert np.isfinite(england["value"].astype(float)).all()


def test_workforce_indicators_pool_with_their_orientation(region):
    df = compare_with_peers(region["999"], 2025, la_code="999", dataset="workforce")
    pool = df[(df["area_type"] == "region") & (df["measure"] == "non_mandatory_training")
              & (df["group"] == "MINORITY")]
    assert len(pool) == 1
    assert pool.iloc[0]["value"] > 1 or pool.iloc[0]["suppressed"]

