"""Published DfE comparators read into one tidy table (arpkit.engine.reference)."""

from __future__ import annotations

import pytest

from arpkit.engine import reference
from arpkit.engine.errors import InputError


@pytest.fixture(scope="module")
def figures(shared_data):
    return reference.published_figures(shared_data / "reference")


def test_published_rates_are_read_as_published(figures):
    eng = figures[(figures["measure"] == "cla_at_31_march") & (figures["period"] == 2025)
                  & (figures["geographic_level"] == "national")].iloc[0]
    assert eng["number"] == 81770 and eng["rate_per_10k"] == 67
    assert eng["rate_source"] == "published" and eng["area_code"] == "E92000001"


def test_a_rate_dfe_does_not_publish_uses_the_previous_mid_year_estimate(figures):
    eng = figures[(figures["measure"] == "cin_at_31_march") & (figures["period"] == 2025)
                  & (figures["geographic_level"] == "national")].iloc[0]
    assert eng["population"] == 12183016  # ONS mid-2024, as DfE's CLA 2025 release uses
    assert eng["rate_per_10k"] == pytest.approx(10_000 * 402400 / 12183016)
    assert eng["rate_source"] == "computed"


def test_dfe_symbols_leave_the_number_blank_and_are_kept(figures):
    hidden = figures[figures["symbol"] == "c"]
    assert len(hidden) > 0
    assert hidden["number"].isna().all()


def test_the_newer_release_wins_for_a_period_in_two_releases(figures):
    rows = figures[(figures["measure"] == "cla_at_31_march") & (figures["period"] == 2022)
                   & (figures["geographic_level"] == "national")]
    assert len(rows) == 1 and rows.iloc[0]["release"] == 2025


def test_statistical_neighbours_skip_the_old_groupings_unless_asked(shared_data):
    sn = reference.statistical_neighbours(
        shared_data / "reference/geography/New_Statistical_Neighbour_Groupings_April_2021.csv")
    herts = sn[sn["la_number"] == "919"]
    assert list(herts["rank"]) == list(range(1, 11))
    assert not sn[sn["la_number"] == "835"]["current"].any()  # Dorset before 2019


def test_comparators_give_england_the_region_and_ten_neighbours(figures, shared_data):
    sn = reference.statistical_neighbours(
        shared_data / "reference/geography/New_Statistical_Neighbour_Groupings_April_2021.csv")
    comp = reference.comparators(figures, "919", neighbours=sn, measures=["cla_at_31_march"])
    year = comp[comp["period"] == 2025]
    assert year["area_kind"].value_counts().to_dict() == {
        "neighbours": 10, "england": 1, "published_authority": 1, "region": 1}
    assert year[year["area_kind"] == "region"]["area"].iloc[0] == "East of England"


def test_an_unknown_authority_gets_england_only(figures):
    comp = reference.comparators(figures, "999")
    assert set(comp["area_kind"]) == {"england"}


def test_a_value_that_is_neither_a_number_nor_a_symbol_is_reported_with_file_row_and_field(
        tmp_path, shared_data):
    src = shared_data / "reference/dfe_cla/release_2025/cla_number_and_rate_per_10k_children.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",sixty"
    bad = tmp_path / "dfe_cla/release_2025"
    bad.mkdir(parents=True)
    (bad / src.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        reference.published_figures(tmp_path)
    text = str(info.value.problems[0])
    assert src.name in text and "row 4" in text and "rate_per_10000" in text
    assert "'sixty'" in text


def test_a_file_missing_a_column_names_the_column(tmp_path):
    folder = tmp_path / "dfe_cin/release_2025"
    folder.mkdir(parents=True)
    (folder / "b1_children_in_need_2013_to_2025.csv").write_text("time_period,x\n2025,1\n")
    with pytest.raises(InputError, match=r"At31_episodes|geographic_level"):
        reference.published_figures(tmp_path)
