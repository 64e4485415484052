"""Injected multipliers are what a disproportionality test recovers: the conversion into each
stage for a group, relative to WHITE, equals the configured multiplier within binomial noise,
and ratios against the population follow the product along the chain."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import binomtest

from arpkit.engine.errors import ConfigError
from arpkit.synth import PARENT_STAGE, SynthResult, SynthWarning, generate, load_config

ALPHA = 0.001  # 99.9% Wilson intervals: several stages are checked in one test
INJECTED = {"contact": 1.8, "early_help": 0.6, "referral": 1.5, "assessment": 1.0, "s47": 1.6,
            "cp_plan": 1.5, "cla": 2.0}


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Half the population White British, half Black African, so both groups are large."""
    return generate(tmp_path_factory.mktemp("inject"), children=4000, seed=31, period=2024,
                    formats=["population"],
                    config={"shares": {"WBRI": 50, "BAFR": 50},
                            "multipliers": {"BLACK": INJECTED}})


def wilson(x: int, n: int) -> tuple[float, float]:
    ci = binomtest(x, n).proportion_ci(confidence_level=1 - ALPHA, method="wilson")
    return ci.low, ci.high


def _counts(result: SynthResult, stage: str, group: str) -> tuple[int, int]:
    parent = PARENT_STAGE[stage]
    numerator = result.count(stage, group)
    if parent == "population":
        return numerator, result.population_by_group[group]
    return numerator, result.count(parent, group)


def _ratio_bounds(result: SynthResult, stage: str, group: str) -> tuple[float, float]:
    """Conservative interval for the ratio of two proportions from their Wilson intervals."""
    x, n = _counts(result, stage, group)
    rx, rn = _counts(result, stage, "WHITE")
    lo, hi = wilson(x, n)
    rlo, rhi = wilson(rx, rn)
    return lo / rhi, hi / rlo


@pytest.mark.parametrize("stage", list(INJECTED))
def test_the_conversion_into_each_stage_relative_to_white_is_the_injected_multiplier(
        injected, stage: str) -> None:
    lo, hi = _ratio_bounds(injected, stage, "BLACK")
    assert lo <= INJECTED[stage] <= hi


@pytest.mark.parametrize("stage", ["contact", "referral", "s47"])
def test_strong_injected_differences_are_detectable_at_this_size(injected, stage) -> None:
    """The intervals above are narrow enough to have excluded "no difference"."""
    lo, _ = _ratio_bounds(injected, stage, "BLACK")
    assert lo > 1


def test_the_rate_of_care_per_population_follows_the_product_along_the_chain(injected) -> None:
    """Open at 31 March mixes in-year entrants and carried-over children; both follow
    contact x referral x cla relative to White."""
    expected = INJECTED["contact"] * INJECTED["referral"] * INJECTED["cla"]
    pop = injected.population_by_group
    black = injected.count("cla", "BLACK", kind="open_at_31_march")
    white = injected.count("cla", "WHITE", kind="open_at_31_march")
    lo_b, hi_b = wilson(black, pop["BLACK"])
    lo_w, hi_w = wilson(white, pop["WHITE"])
    assert lo_b / hi_w <= expected <= hi_b / lo_w


def test_the_truth_records_the_multipliers_used(injected) -> None:
    assert injected.multipliers["requested"]["BAFR"] == INJECTED
    assert injected.multipliers["effective"]["WBRI"]["cla"] == 1.0


def test_a_multiplier_that_would_make_a_probability_reach_1_is_clipped_with_a_warning(
        tmp_path: Path) -> None:
    cfg = {"multipliers": {"BLACK": {"s47": 5.0}}}
    with pytest.warns(SynthWarning, match="s47"):
        result = generate(tmp_path, children=300, seed=1, period=2024, config=cfg,
                          formats=["population"])
    rate = load_config().rates["s47"]
    assert result.multipliers["requested"]["BCRB"]["s47"] == 5.0
    assert math.isclose(result.multipliers["effective"]["BCRB"]["s47"], 0.95 / rate)
    assert any("BCRB" in w for w in result.warnings)


def test_a_code_multiplier_overrides_its_group(tmp_path: Path) -> None:
    cfg = {"multipliers": {"BLACK": {"contact": 2.0}, "BCRB": {"contact": 0.5}}}
    result = generate(tmp_path, children=200, seed=1, period=2024, config=cfg,
                      formats=["population"])
    assert result.multipliers["requested"]["BAFR"]["contact"] == 2.0
    assert result.multipliers["requested"]["BCRB"]["contact"] == 0.5
    assert result.multipliers["requested"]["BAFR"]["referral"] == 1.0


def test_given_multipliers_replace_the_illustrative_defaults_whole(tmp_path: Path) -> None:
    defaults = load_config()
    assert defaults.multipliers["ASIAN"]["contact"] != 1.0
    cfg = load_config({"multipliers": {"BLACK": {"cla": 1.2}}})
    assert cfg.multipliers == {"BLACK": {"cla": 1.2}}
    merged = load_config({"rates": {"contact": 0.2}})
    assert merged.rates["contact"] == 0.2 and merged.rates["cla"] == defaults.rates["cla"]


def test_default_settings_give_england_like_rates_per_10000(tmp_path: Path) -> None:
    """DfE: CIN at 31 March about 330 per 10,000 children, CP plans about 40, CLA about 70."""
    result = generate(tmp_path, children=20000, seed=2, period=2025, formats=["population"])
    per_10k = {s: 10_000 * result.count(s, kind="open_at_31_march") / result.population_total
               for s in ("cin", "cp_plan", "cla")}
    assert 280 < per_10k["cin"] < 380
    assert 30 < per_10k["cp_plan"] < 52
    assert 55 < per_10k["cla"] < 85


def test_unknown_ethnicity_is_recorded_but_never_as_a_population_group(injected) -> None:
    recorded = injected.stages["in_year"]["contact"]["by_group"]
    assert recorded["NOT_OBTAINED"] > 0
    assert "NOT_OBTAINED" not in {g for g, n in injected.population_by_group.items() if n}


@pytest.mark.parametrize("cfg,message", [
    ({"multipliers": {"PURPLE": {"cla": 2}}}, "PURPLE"),
    ({"multipliers": {"BLACK": {"adoption": 2}}}, "adoption"),
    ({"rates": {"contact": 1.5}}, "rates.contact"),
    ({"shares": {"WBRI": -1}}, "shares.WBRI"),
    ({"share": {"WBRI": 1}}, "unknown setting"),
    ({"teams": []}, "teams"),
    ({"rates": {"contact": 0.9}}, "lower rates.contact"),
])
def test_bad_settings_are_refused_naming_the_setting(tmp_path: Path, cfg, message) -> None:
    with pytest.raises(ConfigError, match=message):
        generate(tmp_path, children=100, seed=1, period=2024, config=cfg)


def test_a_yaml_file_of_settings_is_merged_over_the_defaults(write_config) -> None:
    path = write_config({"multipliers": {"MIXED": {"referral": 1.3}},
                         "teams": ["North", "South"]})
    cfg = load_config(path)
    assert cfg.team_names == ("North", "South")
    assert cfg.multipliers == {"MIXED": {"referral": 1.3}}
    assert cfg.rates == load_config().rates


@pytest.mark.parametrize("kwargs,message", [
    ({"period": 2016}, "period"),
    ({"period": 2027}, "period"),
    ({"la_code": "99"}, "la_code"),
    ({"children": 0}, "children"),
    ({"seed": -1}, "seed"),
    ({"formats": ["cin_census", "ofsted"]}, "ofsted"),
])
def test_bad_arguments_are_refused_in_plain_words(tmp_path: Path, kwargs, message) -> None:
    args = {"children": 100, "seed": 1, "period": 2024, **kwargs}
    with pytest.raises(ConfigError, match=message):
        generate(tmp_path, **args)
