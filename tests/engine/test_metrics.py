"""The metrics table: its output contract, its numbers, and disclosure control.

A two-year warehouse is written by hand (children, referrals, assessments, s47 enquiries and CP
plans per DfE code, and a population per code), so every count is known.  Expected values are
computed here from those counts with independent code - SciPy's chi-squared quantiles for exact
Poisson limits, Byar's formula written out from methods.md §1.1, statsmodels ``Table2x2`` for
Katz intervals, ``proportion_confint`` for Wilson and ``confint_proportions_2indep`` for
Newcombe - never with arpkit's own primitives.  Disclosure control is checked against the
published table as a whole with :func:`arpkit.engine.suppression.recoverable_cells`, using
margins written down here from what the table publishes.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from arpkit.cli import main as cli_main
from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import group_for_code
from arpkit.engine.metrics import metrics
from arpkit.engine.suppression import recoverable_cells
from tests.engine.test_counting import HandWarehouse

D = dt.date
Z95 = 1.959963984540054
REL = 1e-9

#: The output contract of the metrics issue, column by column.
CONTRACT = ["measure", "stage", "to_stage", "basis", "period", "breakdown", "group",
            "reference_group", "numerator", "denominator", "value", "ci_lower", "ci_upper",
            "significant", "suppressed"]
KEY = ["measure", "stage", "to_stage", "basis", "period", "breakdown", "group"]
GROUPS = ["WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "REFUSED", "NOT_OBTAINED", "UNKNOWN"]
NO_POPULATION = {"REFUSED", "NOT_OBTAINED", "UNKNOWN"}

#: Children per DfE code (None = no ethnicity recorded): referred, of whom assessed, of whom
#: s47, of whom CP plan.  Each stage is a subset of the one before, all in the year.
CHILDREN = {
    2025: {"WBRI": (30, 20, 2, 0), "BAFR": (45, 36, 6, 3), "APKN": (5, 5, 0, 0),
           "MWBC": (9, 4, 0, 0), "CHNE": (3, 0, 0, 0), "OOTH": (0, 0, 0, 0),
           "REFU": (2, 1, 0, 0), "NOBT": (1, 0, 0, 0), None: (1, 1, 0, 0)},
    2024: {"WBRI": (25, 15, 3, 1), "BAFR": (20, 12, 4, 2), "APKN": (6, 4, 0, 0),
           "MWBC": (7, 7, 1, 0), "CHNE": (2, 1, 0, 0), "OOTH": (1, 0, 0, 0),
           "REFU": (0, 0, 0, 0), "NOBT": (3, 1, 0, 0), None: (0, 0, 0, 0)},
}
POPULATION = {
    2025: {"WBRI": 20000, "BAFR": 10000, "APKN": 5000, "MWBC": 2000, "CHNE": 1000, "OOTH": 1500},
    2024: {"WBRI": 19500, "BAFR": 9800, "APKN": 5100, "MWBC": 1900, "CHNE": 900, "OOTH": 1400},
}
STAGES = ("referral", "assessment", "s47", "cp_plan")


def _build(path: Path) -> Path:
    hand = HandWarehouse(path)
    serial = 0
    for period, per_code in CHILDREN.items():
        year = period - 1
        for code, counts in per_code.items():
            for j in range(counts[0]):
                serial += 1
                key = hand.child(f"c{serial}", D(2012, 1, 1), code, sex="FM"[j % 2])
                for stage, n, day in zip(STAGES, counts, (1, 3, 5, 9), strict=True):
                    if j < n:  # CP plans stay open on 31 March; the rest close in the year
                        start = D(year, 6, day)
                        end = None if stage == "cp_plan" else start + dt.timedelta(days=60)
                        hand.event(key, stage, start, end, period=period)
        for code, n in POPULATION[period].items():
            hand.population(code, n, period=period)
    return hand.write()


def count(period: int, stage: str, group: str, chinese: str = "asian") -> int:
    """The hand count of children at ``stage`` in ``group`` (a group or a DfE code)."""
    i = STAGES.index(stage)
    total = 0
    for code, counts in CHILDREN[period].items():
        if group in (code, group_for_code(code, chinese), "ALL"):
            total += counts[i]
    return total


def population(period: int, group: str, chinese: str = "asian") -> int:
    return sum(n for code, n in POPULATION[period].items()
               if group in (code, group_for_code(code, chinese), "ALL"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("metrics") / "w.duckdb")


@pytest.fixture(scope="module")
def unsuppressed(warehouse: Path) -> pd.DataFrame:
    return metrics(warehouse, suppression="none")


@pytest.fixture(scope="module")
def published(warehouse: Path) -> pd.DataFrame:
    return metrics(warehouse)  # suppression dfe is the default


def row(df: pd.DataFrame, measure: str, stage: str, group: str, *, period: int = 2025,
        breakdown: str = "ethnicity_group", basis: str = "in_year",
        to_stage: str | None = None) -> pd.Series:
    sel = df[(df["measure"] == measure) & (df["stage"] == stage) & (df["group"] == group)
             & (df["period"] == period) & (df["breakdown"] == breakdown)
             & (df["basis"] == basis)]
    sel = sel[sel["to_stage"].isna()] if to_stage is None else sel[sel["to_stage"] == to_stage]
    assert len(sel) == 1, f"{len(sel)} rows for {measure} {stage}>{to_stage} {group}"
    return sel.iloc[0]


def blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# ------------------------------------------------------------------------------ independent maths


def poisson_limits(o: int, confidence: float = 0.95) -> tuple[float, float]:
    """methods.md §1.1: exact (Garwood) below 10, Byar from 10, written out independently."""
    alpha = 1 - confidence
    if o < 10:
        lower = 0.0 if o == 0 else stats.chi2.ppf(alpha / 2, 2 * o) / 2
        return lower, stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    z = stats.norm.ppf(1 - alpha / 2)
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def katz(a: int, n1: int, c: int, n2: int) -> tuple[float, float, float]:
    table = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float))
    lower, upper = table.riskratio_confint(alpha=0.05)
    return table.riskratio, lower, upper


def exact_conditional_upper(c: int, n1: int, n2: int) -> float:
    """§1.4, a = 0: Clopper-Pearson upper bound on a/(a+c), turned into a rate ratio."""
    pi = stats.beta.ppf(0.975, 1, c)
    return pi / (1 - pi) * n2 / n1


def close(actual: object, expected: float) -> bool:
    return math.isclose(float(actual), float(expected), rel_tol=REL, abs_tol=1e-12)


# ------------------------------------------------------------------------------ output contract


def test_the_table_has_exactly_the_contract_columns_in_order(unsuppressed, published):
    assert list(unsuppressed.columns) == CONTRACT
    assert list(published.columns) == CONTRACT


def test_the_columns_have_stable_types(unsuppressed):
    for col in ("measure", "stage", "to_stage", "basis", "breakdown", "group",
                "reference_group"):
        values = unsuppressed[col].dropna()
        assert all(isinstance(v, str) for v in values), col
    assert unsuppressed["period"].dtype == np.int64
    assert str(unsuppressed["numerator"].dtype) == "Int64"
    for col in ("denominator", "value", "ci_lower", "ci_upper"):
        assert str(unsuppressed[col].dtype) == "Float64", col
    assert str(unsuppressed["significant"].dtype) == "boolean"
    assert unsuppressed["suppressed"].dtype == bool


def test_there_is_one_row_per_measure_stage_basis_period_breakdown_and_group(unsuppressed):
    assert not unsuppressed.duplicated(KEY).any()
    assert set(unsuppressed["basis"]) == {"in_year", "at_31_march"}


def test_every_ethnic_group_and_code_has_a_rate_row_even_with_no_children(unsuppressed):
    rates = unsuppressed[(unsuppressed["measure"] == "rate_per_10k")
                         & (unsuppressed["stage"] == "referral")
                         & (unsuppressed["basis"] == "in_year")
                         & (unsuppressed["period"] == 2025)]
    by_group = rates[rates["breakdown"] == "ethnicity_group"]
    assert sorted(by_group["group"]) == sorted(GROUPS)
    by_code = rates[rates["breakdown"] == "ethnicity_code"]
    assert len(by_code) == 21 and "UNKNOWN" in set(by_code["group"])
    assert row(unsuppressed, "rate_per_10k", "referral", "OOTH",
               breakdown="ethnicity_code")["numerator"] == 0


def test_cells_that_do_not_apply_are_blank(unsuppressed):
    df = unsuppressed
    pairwise = df["measure"].str.removesuffix("_change").isin(["stage_conversion", "rri"])
    assert df.loc[pairwise, "to_stage"].notna().all()
    assert df.loc[~pairwise, "to_stage"].isna().all()
    against = df["measure"].str.removesuffix("_change").isin(["disparity_ratio", "rri"])
    assert df.loc[against, "reference_group"].notna().all()
    assert df.loc[~against, "reference_group"].isna().all()
    # a rate or a share is not a comparison, so it has no significance flag
    plain = df["measure"].isin(["rate_per_10k", "stage_conversion"])
    assert df.loc[plain, "significant"].isna().all()
    assert (df.loc[df["measure"].isin(["stage_conversion", "rri"]), "basis"] == "in_year").all()


@pytest.mark.slow  # one more metrics run
def test_the_cli_writes_the_same_table_as_csv(warehouse, published, tmp_path):
    out = tmp_path / "metrics.csv"
    assert cli_main(["metrics", "--warehouse", str(warehouse), "--period", "2025",
                     "--out", str(out), "--quiet"]) == 0
    csv = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(csv.columns) == CONTRACT
    expected = published[published["period"] == 2025].reset_index(drop=True)
    assert len(csv) == len(expected)
    assert (csv["to_stage"] == "").sum() == expected["to_stage"].isna().sum()
    assert (csv["value"] == "").sum() == expected["value"].isna().sum()
    assert csv["measure"].tolist() == expected["measure"].tolist()


def test_an_unknown_period_or_reference_is_refused_with_a_message(warehouse):
    with pytest.raises(ConfigError, match="2023"):
        metrics(warehouse, period=2023)
    with pytest.raises(ConfigError, match="XXXX"):
        metrics(warehouse, period=2025, reference_code="XXXX")


# ------------------------------------------------------------------------------ rates


@pytest.mark.parametrize("group", ["WHITE", "BLACK", "ASIAN", "MIXED", "OTHER", "ALL"])
def test_a_rate_per_10000_has_the_exact_or_byar_poisson_interval(unsuppressed, group):
    n, pop = count(2025, "referral", group), population(2025, group)
    breakdown = "all" if group == "ALL" else "ethnicity_group"
    r = row(unsuppressed, "rate_per_10k", "referral", group, breakdown=breakdown)
    lower, upper = poisson_limits(n)
    assert r["numerator"] == n and close(r["denominator"], pop)
    assert close(r["value"], 10_000 * n / pop)
    assert close(r["ci_lower"], 10_000 * lower / pop)
    assert close(r["ci_upper"], 10_000 * upper / pop)


def test_a_group_with_no_children_has_rate_0_and_upper_limit_minus_log_alpha_over_2(unsuppressed):
    r = row(unsuppressed, "rate_per_10k", "referral", "OTHER")
    assert r["numerator"] == 0 and r["value"] == 0 and r["ci_lower"] == 0
    assert close(r["ci_upper"], 10_000 * -math.log(0.025) / population(2025, "OTHER"))


@pytest.mark.parametrize("group", sorted(NO_POPULATION))
def test_groups_without_a_population_get_a_numerator_only_row(unsuppressed, group):
    r = row(unsuppressed, "rate_per_10k", "referral", group)
    assert r["numerator"] == count(2025, "referral", {"REFUSED": "REFU",
                                                      "NOT_OBTAINED": "NOBT"}.get(group, group))
    for col in ("denominator", "value", "ci_lower", "ci_upper"):
        assert blank(r[col]), col
    others = unsuppressed[unsuppressed["measure"].isin(
        ["disproportionality_index", "disparity_ratio"]) & (unsuppressed["group"] == group)]
    assert others.empty


# ------------------------------------------------------------------------------ DI and disparity


@pytest.mark.parametrize("group", ["WHITE", "BLACK", "ASIAN", "MIXED", "OTHER"])
def test_the_disproportionality_index_is_observed_over_expected_at_the_known_rate(
        unsuppressed, group):
    known = sum(count(2025, "referral", g) for g in ("WHITE", "BLACK", "ASIAN", "MIXED",
                                                     "OTHER"))
    expected = population(2025, group) * known / population(2025, "ALL")
    o = count(2025, "referral", group)
    r = row(unsuppressed, "disproportionality_index", "referral", group)
    lower, upper = poisson_limits(o)
    assert r["numerator"] == o and close(r["denominator"], expected)
    assert close(r["value"], o / expected)
    assert close(r["ci_lower"], lower / expected) and close(r["ci_upper"], upper / expected)
    assert bool(r["significant"]) == (lower / expected > 1 or upper / expected < 1)


@pytest.mark.parametrize("group", ["BLACK", "ASIAN", "MIXED"])
def test_the_disparity_ratio_against_white_has_the_katz_interval(unsuppressed, group):
    a, n1 = count(2025, "referral", group), population(2025, group)
    c, n2 = count(2025, "referral", "WHITE"), population(2025, "WHITE")
    value, lower, upper = katz(a, n1, c, n2)
    r = row(unsuppressed, "disparity_ratio", "referral", group)
    assert r["reference_group"] == "WHITE" and r["numerator"] == a and r["denominator"] == n1
    assert close(r["value"], value)
    assert close(r["ci_lower"], lower) and close(r["ci_upper"], upper)
    assert bool(r["significant"]) == (lower > 1 or upper < 1)


def test_the_reference_group_has_no_disparity_row(unsuppressed):
    ratios = unsuppressed[unsuppressed["measure"] == "disparity_ratio"]
    assert not ratios.empty
    assert "WHITE" not in set(ratios.loc[ratios["breakdown"] == "ethnicity_group", "group"])
    assert "WBRI" not in set(ratios.loc[ratios["breakdown"] == "ethnicity_code", "group"])
    assert set(ratios.loc[ratios["breakdown"] == "ethnicity_code", "reference_group"]) == {"WBRI"}


def test_a_group_with_no_children_has_disparity_0_with_the_exact_conditional_interval(
        unsuppressed):
    r = row(unsuppressed, "disparity_ratio", "referral", "OTHER")
    c = count(2025, "referral", "WHITE")
    upper = exact_conditional_upper(c, population(2025, "OTHER"), population(2025, "WHITE"))
    assert r["value"] == 0 and r["ci_lower"] == 0
    assert close(r["ci_upper"], upper)


def test_no_disparity_ratio_is_given_when_the_reference_group_has_no_children(unsuppressed):
    assert count(2025, "cp_plan", "WHITE") == 0 < count(2025, "cp_plan", "BLACK")
    r = row(unsuppressed, "disparity_ratio", "cp_plan", "BLACK")
    assert r["numerator"] == count(2025, "cp_plan", "BLACK")
    for col in ("value", "ci_lower", "ci_upper", "significant"):
        assert blank(r[col]), col


# ------------------------------------------------------------------------------ conversions, RRI


@pytest.mark.parametrize("group", ["WHITE", "BLACK", "ASIAN", "MIXED", "REFUSED"])
@pytest.mark.parametrize("pair", [("referral", "assessment"), ("referral", "s47"),
                                  ("s47", "cp_plan")])
def test_a_stage_conversion_is_the_share_reaching_the_next_stage_with_a_wilson_interval(
        unsuppressed, pair, group):
    code = {"REFUSED": "REFU"}.get(group, group)
    x, n = count(2025, pair[1], code), count(2025, pair[0], code)
    r = row(unsuppressed, "stage_conversion", pair[0], group, to_stage=pair[1])
    assert r["numerator"] == x and r["denominator"] == n
    if n == 0:
        assert blank(r["value"])
        return
    lower, upper = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert close(r["value"], x / n)
    assert close(r["ci_lower"], lower) and close(r["ci_upper"], upper)


@pytest.mark.parametrize("group", ["BLACK", "ASIAN", "MIXED"])
def test_the_rri_is_the_conversion_against_whites_with_a_katz_interval(unsuppressed, group):
    a, n1 = count(2025, "assessment", group), count(2025, "referral", group)
    c, n2 = count(2025, "assessment", "WHITE"), count(2025, "referral", "WHITE")
    value, lower, upper = katz(a, n1, c, n2)
    r = row(unsuppressed, "rri", "referral", group, to_stage="assessment")
    assert r["numerator"] == a and r["denominator"] == n1 and r["reference_group"] == "WHITE"
    assert close(r["value"], value)
    assert close(r["ci_lower"], lower) and close(r["ci_upper"], upper)
    assert bool(r["significant"]) == (lower > 1 or upper < 1)


def test_an_rri_with_no_conversions_in_the_group_is_0_with_the_exact_conditional_interval(
        unsuppressed):
    # MIXED: 9 referred, no s47; WHITE: 30 referred, 2 with a s47
    assert count(2025, "s47", "MIXED") == 0 < count(2025, "s47", "WHITE")
    r = row(unsuppressed, "rri", "referral", "MIXED", to_stage="s47")
    upper = exact_conditional_upper(count(2025, "s47", "WHITE"), count(2025, "referral", "MIXED"),
                                    count(2025, "referral", "WHITE"))
    assert r["value"] == 0 and r["ci_lower"] == 0 and close(r["ci_upper"], upper)


def test_no_rri_is_given_when_no_reference_child_converts(unsuppressed):
    assert count(2025, "cp_plan", "WHITE") == 0 < count(2025, "cp_plan", "BLACK")
    r = row(unsuppressed, "rri", "s47", "BLACK", to_stage="cp_plan")
    for col in ("value", "ci_lower", "ci_upper", "significant"):
        assert blank(r[col]), col


# ------------------------------------------------------------------------------ settings


@pytest.mark.slow  # one more metrics run
def test_chinese_children_and_population_move_to_other_when_asked(warehouse, unsuppressed):
    other = metrics(warehouse, period=2025, suppression="none", chinese_group="other")
    for group in ("ASIAN", "OTHER"):
        r = row(other, "rate_per_10k", "referral", group)
        assert r["numerator"] == count(2025, "referral", group, chinese="other")
        assert r["denominator"] == population(2025, group, chinese="other")
    assert row(other, "rate_per_10k", "referral", "OTHER")["numerator"] == \
        count(2025, "referral", "CHNE") > 0
    # the code breakdown is unchanged; the group totals are not
    assert row(other, "rate_per_10k", "referral", "CHNE", breakdown="ethnicity_code")[
        "numerator"] == row(unsuppressed, "rate_per_10k", "referral", "CHNE",
                            breakdown="ethnicity_code")["numerator"]
    assert other.attrs["chinese_group"] == "other"


@pytest.mark.slow  # one more metrics run
def test_the_reference_group_and_code_can_be_chosen(warehouse):
    df = metrics(warehouse, period=2025, suppression="none", reference_group="BLACK",
                 reference_code="BAFR")
    ratios = df[df["measure"] == "disparity_ratio"]
    assert set(ratios.loc[ratios["breakdown"] == "ethnicity_group", "reference_group"]) == \
        {"BLACK"}
    assert "BLACK" not in set(ratios["group"])
    r = row(df, "disparity_ratio", "referral", "WHITE")
    value, _, upper = katz(count(2025, "referral", "WHITE"), population(2025, "WHITE"),
                               count(2025, "referral", "BLACK"), population(2025, "BLACK"))
    assert close(r["value"], value) and close(r["ci_upper"], upper)
    code = row(df, "disparity_ratio", "referral", "WBRI", breakdown="ethnicity_code")
    assert code["reference_group"] == "BAFR" and close(code["value"], value)
    rri = row(df, "rri", "referral", "WHITE", to_stage="assessment")
    assert rri["reference_group"] == "BLACK"


# ------------------------------------------------------------------------------ trends


def test_change_rows_exist_for_the_second_period_only(unsuppressed):
    change = unsuppressed[unsuppressed["measure"].str.endswith("_change")]
    assert set(change["period"]) == {2025}
    assert set(change["measure"]) >= {"rate_per_10k_change", "stage_conversion_change",
                                      "disproportionality_index_change",
                                      "disparity_ratio_change", "rri_change"}


def test_a_rate_change_is_the_ratio_of_the_two_rates_with_a_katz_interval(unsuppressed):
    o2, n2 = count(2025, "referral", "BLACK"), population(2025, "BLACK")
    o1, n1 = count(2024, "referral", "BLACK"), population(2024, "BLACK")
    value, lower, upper = katz(o2, n2, o1, n1)
    r = row(unsuppressed, "rate_per_10k_change", "referral", "BLACK")
    assert r["numerator"] == o2 and r["denominator"] == o1  # this year's and last year's count
    assert close(r["value"], value)
    assert close(r["ci_lower"], lower) and close(r["ci_upper"], upper)
    assert bool(r["significant"]) == (lower > 1 or upper < 1)


def test_a_conversion_change_is_the_difference_with_a_newcombe_interval(unsuppressed):
    x2, n2 = count(2025, "assessment", "WHITE"), count(2025, "referral", "WHITE")
    x1, n1 = count(2024, "assessment", "WHITE"), count(2024, "referral", "WHITE")
    lower, upper = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb", compare="diff")
    r = row(unsuppressed, "stage_conversion_change", "referral", "WHITE", to_stage="assessment")
    assert close(r["value"], x2 / n2 - x1 / n1)
    assert close(r["ci_lower"], lower) and close(r["ci_upper"], upper)


def test_a_ratio_change_is_this_years_ratio_over_last_years(unsuppressed):
    now = row(unsuppressed, "disparity_ratio", "referral", "BLACK")
    before = row(unsuppressed, "disparity_ratio", "referral", "BLACK", period=2024)
    r = row(unsuppressed, "disparity_ratio_change", "referral", "BLACK")
    assert close(r["value"], now["value"] / before["value"])
    assert r["ci_lower"] < r["value"] < r["ci_upper"]


def test_every_change_is_flagged_significant_exactly_when_its_interval_excludes_no_change(
        unsuppressed):
    change = unsuppressed[unsuppressed["measure"].str.endswith("_change")
                          & unsuppressed["ci_lower"].notna()]
    assert len(change) > 50
    null = np.where(change["measure"] == "stage_conversion_change", 0.0, 1.0)
    lower = change["ci_lower"].astype(float).to_numpy()
    upper = change["ci_upper"].astype(float).to_numpy()
    expected = (lower > null) | (upper < null)
    assert change["significant"].astype(bool).tolist() == expected.tolist()
    assert expected.any() and not expected.all()


# ------------------------------------------------------------------------------ suppression


def test_suppression_none_shows_every_count(unsuppressed):
    assert not unsuppressed["suppressed"].any()
    assert row(unsuppressed, "rate_per_10k", "referral", "APKN",
               breakdown="ethnicity_code")["numerator"] == 5
    assert row(unsuppressed, "rate_per_10k", "referral", "CHNE",
               breakdown="ethnicity_code")["numerator"] == 3
    small = unsuppressed["numerator"].dropna()
    assert small.between(1, 5).any()


def _count_columns(df: pd.DataFrame) -> list[pd.Series]:
    """Every published cell that is a count of children: numerators everywhere, and the
    denominators of conversions, RRIs and changes (a from-stage or last year's count)."""
    counts_as_denominator = df["measure"].isin(["stage_conversion", "rri"]) \
        | df["measure"].str.endswith("_change")
    return [df["numerator"], df.loc[counts_as_denominator, "denominator"]]


@pytest.mark.parametrize("threshold", [5, pytest.param(10, marks=pytest.mark.slow)])
def test_no_count_from_1_to_the_threshold_is_visible_anywhere(warehouse, published, threshold):
    df = published if threshold == 5 else metrics(warehouse, period=2025, threshold=threshold)
    for column in _count_columns(df):
        shown = column.dropna().astype(float)
        assert not shown.between(1, threshold).any(), shown[shown.between(1, threshold)]
    assert df["suppressed"].any()


def test_every_statistic_of_a_suppressed_row_is_blank(published):
    hidden = published[published["suppressed"]]
    assert len(hidden) > 0
    for col in ("numerator", "value", "ci_lower", "ci_upper", "significant"):
        assert hidden[col].isna().all(), col


def _suppressed_cells(df: pd.DataFrame) -> tuple[set, set]:
    rates = df[(df["measure"] == "rate_per_10k") & df["suppressed"]]
    stage = {(r.period, r.stage, r.basis, r.breakdown, r.group) for r in rates.itertuples()}
    conv = df[(df["measure"] == "stage_conversion") & df["suppressed"]]
    converted = {(r.period, r.stage, r.to_stage, r.breakdown, r.group) for r in conv.itertuples()}
    return stage, converted


def test_every_statistic_built_from_a_suppressed_count_is_suppressed(published):
    stage, converted = _suppressed_cells(published)
    assert stage and converted
    for r in published.itertuples():
        measure = r.measure.removesuffix("_change")
        periods = (r.period, r.period - 1) if r.measure.endswith("_change") else (r.period,)
        uses: list[bool] = []
        for p in periods:
            if measure in ("rate_per_10k", "disproportionality_index", "disparity_ratio"):
                uses.append((p, r.stage, r.basis, r.breakdown, r.group) in stage)
                if measure == "disparity_ratio":
                    uses.append((p, r.stage, r.basis, r.breakdown, r.reference_group) in stage)
            else:
                for g in (r.group, r.reference_group) if measure == "rri" else (r.group,):
                    uses.append((p, r.stage, "in_year", r.breakdown, g) in stage)
                    uses.append((p, r.stage, r.to_stage, r.breakdown, g) in converted)
        if any(uses):
            assert r.suppressed, r
            assert all(blank(v) for v in (r.numerator, r.value, r.ci_lower, r.ci_upper)), r
        if measure in ("stage_conversion", "rri") and \
                (r.period, r.stage, "in_year", r.breakdown, r.group) in stage:
            assert blank(r.denominator), r  # the from-stage count itself


def _published_cells(unsuppressed: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Every count the table publishes - stage counts (rate rows) and conversion numerators -
    with its true value and whether it is suppressed.  Conversion denominators are the stage
    counts again, and DI, disparity and change rows repeat these counts, so nothing is left."""
    keep = unsuppressed["measure"].isin(["rate_per_10k", "stage_conversion"])
    cells = unsuppressed.loc[keep, [*KEY, "numerator"]].fillna({"to_stage": ""})
    flags = published.loc[published["measure"].isin(["rate_per_10k", "stage_conversion"]),
                          [*KEY, "suppressed"]].fillna({"to_stage": ""})
    cells = cells.merge(flags, on=KEY, how="left", validate="one_to_one")
    assert cells["suppressed"].notna().all()
    cells["suppressed"] = cells["suppressed"].astype(bool)
    cells["count"] = cells["numerator"].astype(float)
    return cells.reset_index(drop=True)


BLOCK = ["measure", "stage", "to_stage", "basis", "period"]


def _totals(block: pd.DataFrame, known_published: bool) -> list[tuple[str, list[int]]]:
    """The sums this table publishes within one stage: (name of the cell or quantity they
    add up to, member rows).  Totals are cells of the same table ('all', a group, a sex or an
    age band) or the known-ethnicity total, which the DI rows give away (E = n N_known / N)."""
    at = {(b, g): i for i, b, g in zip(block.index, block["breakdown"], block["group"],
                                       strict=True)}
    sums: list[tuple[str, list[int]]] = []
    for b, rows in block.groupby("breakdown"):
        if b == "all":
            continue
        members = rows.index.tolist()
        groups = rows["group"].tolist()
        if b != "ethnicity_group_excluding_uasc":  # no 'all' row for children excluding UASC
            sums.append(("all|ALL", members))
        if b in ("ethnicity_group", "ethnicity_code") and known_published:
            unknown = NO_POPULATION | {"REFU", "NOBT"}
            sums.append(("known", [i for i, g in zip(members, groups, strict=True)
                                   if g not in unknown]))
        if b == "ethnicity_code":
            for parent in {group_for_code(None if g == "UNKNOWN" else g) for g in groups}:
                sums.append((f"ethnicity_group|{parent}",
                             [i for i, g in zip(members, groups, strict=True)
                              if group_for_code(None if g == "UNKNOWN" else g) == parent]))
        if b.startswith("ethnicity_group_x_"):
            other = b.removeprefix("ethnicity_group_x_")
            parts = [g.split(" | ") for g in groups]
            for first in {p[0] for p in parts}:
                sums.append((f"ethnicity_group|{first}",
                             [i for i, p in zip(members, parts, strict=True) if p[0] == first]))
            for second in {p[1] for p in parts}:
                sums.append((f"{other}|{second}",
                             [i for i, p in zip(members, parts, strict=True) if p[1] == second]))
    return [(name, rows) for name, rows in sums
            if name == "known" or tuple(name.split("|")) in at]


def _known_published(published: pd.DataFrame) -> set[tuple]:
    di = published[(published["measure"] == "disproportionality_index")
                    & ~published["suppressed"]]
    return {("rate_per_10k", r.stage, "", r.basis, r.period) for r in di.itertuples()}


def test_no_suppressed_count_can_be_worked_out_from_the_published_totals(unsuppressed,
                                                                         published):
    """recoverable_cells over every published total: each breakdown adding up to the 'all'
    row, codes to their group, X | sex and X | age band to X and to the sex or age band, and
    known ethnicities to the DI's known total - counting a total only where it is shown."""
    cells = _published_cells(unsuppressed, published)
    known = _known_published(published)
    margin_of = pd.Series(None, index=cells.index, dtype=object)
    columns: dict[str, pd.Series] = {}
    for key, block in cells.groupby(BLOCK):
        at = {(b, g): i for i, b, g in zip(block.index, block["breakdown"], block["group"],
                                           strict=True)}
        for name, rows in _totals(block, key in known):
            if name != "known" and cells.at[at[tuple(name.split("|"))], "suppressed"]:
                continue  # a suppressed total is not published
            # one column per kind of total: a cell belongs to at most one total of each kind
            kind = name.split("|")[0]
            kind = kind if kind in ("all", "known", "ethnicity_group") else "second part"
            col = columns.setdefault(kind, margin_of.copy())
            col[rows] = f"{key}|{name}"
    table = cells.assign(**{f"m{i}": c for i, c in enumerate(columns.values())})
    margins = [[f"m{i}"] for i in range(len(columns))]
    assert cells["suppressed"].any() and margins
    found = recoverable_cells(table, margins, cells["suppressed"])
    assert not found.any(), cells.loc[found, [*KEY, "count"]]
    # and the check can fail: with only the primary suppressions, cells are exposed
    primary_only = cells["suppressed"] & cells["count"].between(1, 5)
    assert recoverable_cells(table, margins, primary_only).any()


def _worked_out(cells: pd.DataFrame, known: set[tuple]) -> pd.Series:
    """Suppressed cells whose value follows from everything published, suppressed totals
    included: each published sum is an equation (members - total = 0) in which shown cells are
    known and suppressed cells unknown; a cell is determined when no solution of the
    homogeneous system can change it (it is zero in every null-space vector)."""
    found = pd.Series(False, index=cells.index)
    for key, block in cells.groupby(BLOCK):
        at = {(b, g): i for i, b, g in zip(block.index, block["breakdown"], block["group"],
                                           strict=True)}
        unknowns = [i for i in block.index if cells.at[i, "suppressed"]]
        if not unknowns:
            continue
        sums = _totals(block, key in known)
        extra = ["known"] if key not in known else []  # the known total, if not given away
        col = {i: j for j, i in enumerate(unknowns + extra)}
        rows = []
        for name, members in sums:
            eq = np.zeros(len(col))
            for i in members:
                if i in col:
                    eq[col[i]] += 1
            total = "known" if name == "known" else at[tuple(name.split("|"))]
            if total in col:
                eq[col[total]] -= 1
            rows.append(eq)
        if not rows:
            continue
        basis = linalg.null_space(np.array(rows))
        determined = np.all(np.abs(basis[: len(unknowns)]) < 1e-9, axis=1)
        found[[i for i, d in zip(unknowns, determined, strict=True) if d]] = True
    return found


def test_no_suppressed_non_zero_count_can_be_worked_out_from_anything_published(unsuppressed,
                                                                                published):
    """Stricter than recoverable_cells: suppressed totals count as unknowns, so a withheld
    group cannot be rebuilt from its codes, its X | sex cells or its age bands either.  A
    suppressed zero may be worked out - a non-ethnic or intersectional breakdown lists only
    the groups that have children, so a missing row says 0 - and a zero is not disclosive
    (zeros are shown, methods.md §3 rule 1)."""
    cells = _published_cells(unsuppressed, published)
    found = _worked_out(cells, _known_published(published))
    assert not (found & (cells["count"] > 0)).any(), cells.loc[found, [*KEY, "count"]]
    # and the check can fail: with only the primary suppressions, counts are exposed
    primary = cells.assign(suppressed=cells["suppressed"] & cells["count"].between(1, 5))
    assert (_worked_out(primary, set()) & (primary["count"] > 0)).any()


def test_suppression_hides_values_but_never_changes_them(unsuppressed, published):
    both = unsuppressed.fillna({"to_stage": "", "reference_group": ""}).merge(
        published.fillna({"to_stage": "", "reference_group": ""}), on=[*KEY, "reference_group"],
        suffixes=("", "_dfe"), validate="one_to_one")
    shown = both[~both["suppressed_dfe"]]
    assert len(shown) > 100
    for col in ("numerator", "value", "ci_lower", "ci_upper"):
        a = shown[col].astype(float).to_numpy()
        b = shown[f"{col}_dfe"].astype(float).to_numpy()
        assert np.array_equal(a, b, equal_nan=True), col
