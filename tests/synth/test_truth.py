"""The truth returned by `generate` (and written to truth.json) is what the files contain, so
an engine test can compare its output with it."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from arpkit.synth import SynthResult
from tests.synth.readback import count_from_files, read_annex_a, read_cin, read_csv


@pytest.fixture(scope="module")
def from_files(lettered_2024: SynthResult) -> dict:
    return count_from_files(lettered_2024.out_dir, 2024)


def _truth_keys(result: SynthResult) -> list[tuple[str, str]]:
    return [(kind, stage) for kind, stages in result.stages.items() for stage in stages]


def test_every_truth_stage_is_counted_from_the_files(lettered_2024, from_files) -> None:
    assert set(_truth_keys(lettered_2024)) == set(from_files)


@pytest.mark.parametrize("kind,stage", [
    ("in_year", s) for s in ("contact", "early_help", "referral", "assessment", "s47", "icpc",
                             "cp_plan", "cla", "cin_plan")
] + [(k, s) for k in ("during_year", "open_at_31_march")
     for s in ("cin", "cp_plan", "cla", "cin_plan")])
def test_truth_counts_equal_distinct_children_counted_from_the_files(
        lettered_2024, from_files, kind: str, stage: str) -> None:
    truth = {g: n for g, n in lettered_2024.stages[kind][stage]["by_group"].items() if n}
    assert truth == from_files[(kind, stage)]
    assert sum(truth.values()) > 0


def test_truth_population_equals_the_population_file(lettered_2024) -> None:
    rows = read_csv(lettered_2024.files["population"])
    assert {r["ethnicity"]: int(r["population"]) for r in rows} == {
        c: n for c, n in lettered_2024.population.items() if n}
    assert {r["la_code"] for r in rows} == {"999"} and {r["period"] for r in rows} == {"2024"}


def test_the_children_in_the_returns_number_exactly_as_asked(lettered_2024) -> None:
    cin_ids = {c.child_id for c in read_cin(lettered_2024.files["cin_census"])}
    annex = read_annex_a(lettered_2024.files["annex_a"])
    annex_ids = {str(r["Child Unique ID"]) for rows in annex.values() for r in rows
                 if "Child Unique ID" in r}
    assert len(cin_ids | annex_ids) == lettered_2024.children == 2500


def test_a_child_has_the_same_id_in_every_return(lettered_2024) -> None:
    cin_ids = {c.child_id for c in read_cin(lettered_2024.files["cin_census"])}
    header = {h["CHILD"] for h in read_csv(lettered_2024.files["ssda903_header"])}
    annex = read_annex_a(lettered_2024.files["annex_a"])
    cla_rows = {str(r["Child Unique ID"]) for r in annex["List 8"]}
    cp_rows = {str(r["Child Unique ID"]) for r in annex["List 7"]}
    assert header and header <= cin_ids
    assert cla_rows == header
    assert cp_rows <= cin_ids


def test_ethnicity_agrees_across_returns_except_the_recorded_conflicts(
        tmp_path, write_config) -> None:
    from arpkit.synth import generate

    cfg = write_config({"conflicts": {"share": 0.5, "same_group": 0.7}})
    result = generate(tmp_path, children=2500, seed=21, period=2025, config=cfg,
                      formats=["cin_census", "ssda903"])
    census = {c.child_id: c.ethnicity for c in read_cin(result.files["cin_census"])}
    header = {h["CHILD"]: h["ETHNIC"] for h in read_csv(result.files["ssda903_header"])}
    differ = {cid for cid, code in header.items() if census[cid] != code}
    assert differ == result.conflict_ids
    assert 0.3 * len(header) < len(differ) < 0.7 * len(header)
    for conflict in result.conflicts:
        assert (census[conflict.child_id], header[conflict.child_id]) == (
            conflict.cin_census, conflict.ssda903)
    truth = json.loads(result.files["truth"].read_text())
    assert truth["conflicts"]["count"] == len(differ)
    assert sum(truth["stages"]["during_year"]["cla"]["by_group_ssda903"].values()) == len(header)


def test_truth_json_holds_aggregates_and_no_child_ids(lettered_2024) -> None:
    text = lettered_2024.files["truth"].read_text()
    truth = json.loads(text)
    assert truth["children"] == 2500
    assert truth["stages"]["in_year"]["referral"]["total"] == lettered_2024.count("referral")
    ids = {c.child_id for c in read_cin(lettered_2024.files["cin_census"])}
    assert not any(cid in text for cid in ids)


def test_team_breakdowns_in_the_truth_match_the_allocated_team_column(lettered_2024) -> None:
    annex = read_annex_a(lettered_2024.files["annex_a"])
    census = {c.child_id: c.ethnicity for c in read_cin(lettered_2024.files["cin_census"])}
    from arpkit.engine.ethnicity import group_for_code

    counted: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    wrong_team = []
    for sheet in ("List 3", "List 4", "List 5", "List 6", "List 7", "List 8"):
        for row in annex[sheet]:
            cid = str(row["Child Unique ID"])
            if row["Allocated Team"] != lettered_2024.team_of(cid):
                wrong_team.append((sheet, cid))
            if sheet == "List 3":
                counted[row["Allocated Team"]][group_for_code(census[cid])].add(cid)
    assert wrong_team == []
    truth = lettered_2024.teams["in_year"]["referral"]
    assert {t: {g: n for g, n in groups.items() if n} for t, groups in truth.items()
            if any(groups.values())} == {
        t: {g: len(ids) for g, ids in groups.items()} for t, groups in counted.items()}
    assert len(counted) > 3, "children should be spread over several teams"
