"""Stratified samples for case audits: allocation, reproducibility and the warehouse frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from arpkit.engine.sampling import (
    SamplingError,
    allocate,
    draw_sample,
    frame_fingerprint,
    sampling_frame,
)

PERIOD = 2025


def frame_of(sizes: dict[str, int]) -> pd.DataFrame:
    rows = [{"child_key": f"{stratum.lower()}-{i:04d}", "stratum": stratum}
            for stratum, n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows)


SIZES = {"WHITE": 700, "ASIAN": 120, "BLACK": 60, "MIXED": 90, "OTHER": 25, "NOT_OBTAINED": 5}


def test_proportional_allocation_adds_up_to_the_sample_size_and_follows_the_strata():
    alloc = allocate(SIZES, 100, "proportional")
    assert sum(alloc.values()) == 100
    total = sum(SIZES.values())
    for stratum, n in alloc.items():
        assert abs(n - 100 * SIZES[stratum] / total) < 1


def test_equal_allocation_gives_every_group_the_same_number_where_it_can():
    alloc = allocate(SIZES, 60, "equal")
    assert alloc["NOT_OBTAINED"] == 5  # capped at what the group has
    assert sum(alloc.values()) == 60
    others = [n for s, n in alloc.items() if s != "NOT_OBTAINED"]
    assert max(others) - min(others) <= 1


def test_a_minimum_per_group_lifts_small_groups_before_the_rest_is_shared():
    alloc = allocate(SIZES, 50, "proportional", min_per_stratum=8)
    assert alloc["OTHER"] >= 8 and alloc["NOT_OBTAINED"] == 5
    assert sum(alloc.values()) == 50


def test_a_sample_larger_than_the_frame_takes_everyone():
    assert allocate({"WHITE": 3, "BLACK": 2}, 10) == {"WHITE": 3, "BLACK": 2}


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 0}, "at least 1"),
    ({"size": 5, "method": "optimal"}, "allocation must be one of"),
    ({"size": 5, "min_per_stratum": -1}, "must not be negative"),
])
def test_impossible_requests_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(SamplingError, match=message):
        allocate(SIZES, **kwargs)


def test_the_same_seed_draws_the_same_sample_and_another_seed_a_different_one():
    frame = frame_of(SIZES)
    first = draw_sample(frame, size=40, seed=17)
    again = draw_sample(frame.sample(frac=1, random_state=3), size=40, seed=17)  # row order
    other = draw_sample(frame, size=40, seed=18)
    assert first.sample["child_key"].tolist() == again.sample["child_key"].tolist()
    assert first.fingerprint == again.fingerprint
    assert set(first.sample["child_key"]) != set(other.sample["child_key"])


def test_each_case_carries_its_design_weight_and_the_weights_add_up_to_the_frame():
    draw = draw_sample(frame_of(SIZES), size=60, seed=1, method="equal")
    assert draw.sample["weight"].sum() == pytest.approx(sum(SIZES.values()))
    row = draw.allocation.set_index("stratum").loc["BLACK"]
    assert row["weight"] == pytest.approx(row["frame_size"] / row["sample_size"])
    assert draw.sample.groupby("stratum").size().to_dict() == {
        s: n for s, n in draw.allocation.set_index("stratum")["sample_size"].items() if n}


def test_a_sample_never_repeats_a_child_and_stays_inside_its_stratum():
    frame = frame_of(SIZES)
    draw = draw_sample(frame, size=200, seed=5)
    assert not draw.sample["child_key"].duplicated().any()
    merged = draw.sample.merge(frame, on="child_key", suffixes=("", "_frame"))
    assert (merged["stratum"] == merged["stratum_frame"]).all()


def test_the_fingerprint_changes_when_a_child_moves_group():
    frame = frame_of({"WHITE": 5, "BLACK": 5})
    moved = frame.copy()
    moved.loc[0, "stratum"] = "BLACK"
    assert frame_fingerprint(frame) != frame_fingerprint(moved)


def test_a_frame_listing_a_child_twice_is_refused():
    frame = pd.DataFrame({"child_key": ["a", "a"], "stratum": ["WHITE", "BLACK"]})
    with pytest.raises(SamplingError, match="more than once"):
        draw_sample(frame, size=1, seed=1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from arpkit.engine.importer import import_paths
    from arpkit.synth import generate

    out = tmp_path_factory.mktemp("sampling")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        mp.setenv("ARPKIT_ETHNICITY_MAP", str(out / "no-decisions.yml"))
        result = generate(out / "returns", children=1500, seed=4, period=PERIOD,
                          formats=("cin_census", "annex_a"))
        path = out / "wh.duckdb"
        import_paths([result.out_dir], warehouse=path)
    return path


@pytest.mark.slow
def test_the_warehouse_frame_lists_each_child_counted_at_the_stages_once(warehouse: Path):
    from arpkit.engine import counting
    from arpkit.engine.warehouse import connect

    con = connect(warehouse)
    frame = sampling_frame(con, period=PERIOD, stages=["cp_plan", "assessment"])
    assert not frame["child_key"].duplicated().any()
    q = counting.qualifying_children(con, PERIOD, counting.stage_sources(con, PERIOD),
                                     stages=("cp_plan", "assessment")).to_pandas()
    expected = set(q.loc[q["basis"] == "in_year", "child_key"])
    assert set(frame["child_key"]) == expected
    both = set(q.loc[(q["basis"] == "in_year") & (q["stage"] == "cp_plan"), "child_key"])
    assert (frame.set_index("child_key").loc[sorted(both), "stage"] == "cp_plan").all()
    children = con.table("children").to_pandas().set_index("child_key")
    assert (frame.set_index("child_key")["stratum"]
            == children.loc[frame["child_key"], "ethnicity_group"].to_numpy()).all()
    draw = draw_sample(frame, size=30, seed=9, method="equal")
    assert len(draw.sample) == 30


def test_an_unknown_stage_is_named_in_the_error(warehouse: Path):
    from arpkit.engine.warehouse import connect

    with pytest.raises(SamplingError, match=r"unknown stage.*visit"):
        sampling_frame(connect(warehouse), period=PERIOD, stages=["visit"])
