"""Change between two periods: rates, proportions and ratio measures.

Cross-checks: statsmodels Table2x2 (Katz), binomtest (exact conditional p), statsmodels
confint_proportions_2indep(method="newcomb") and Newcombe's (1998) own worked example.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep

from arpkit.engine.ratios import disproportionality_index, katz_ratio
from arpkit.engine.trends import di_log_se, proportion_change, rate_change, ratio_change

counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


# --------------------------------------------------------------------------- rates


def test_a_rate_change_is_the_later_rate_over_the_earlier_with_a_katz_interval():
    # 30 per 20,000 children last year, 45 per 20,000 this year
    res = rate_change(30, 20000, 45, 20000)
    assert res.estimate == pytest.approx(1.5, rel=1e-12)
    table = Table2x2(np.array([[45, 20000 - 45], [30, 20000 - 30]]))
    np.testing.assert_allclose((res.lower, res.upper), table.riskratio_confint(), rtol=1e-10)
    assert res.method == "katz"
    assert res.significant is False and res.direction == "no significant change"
    assert res.p_value == pytest.approx(stats.binomtest(45, 75, 0.5).pvalue, rel=1e-10)


def test_a_significant_rise_and_fall_are_named():
    rise = rate_change(30, 20000, 90, 20000)
    fall = rate_change(90, 20000, 30, 20000)
    assert rise.significant is True and rise.direction == "increase"
    assert fall.significant is True and fall.direction == "decrease"


def test_no_events_in_the_earlier_period_gives_no_ratio_with_its_own_reason():
    res = rate_change([0, 5], [100, 100], [3, 0], [100, 100])
    assert res.reason[0] == "earlier_period_zero_events" and np.isnan(res.estimate[0])
    assert res.significant[0] is None and res.direction[0] is None
    # no events later: ratio 0 with the exact conditional upper limit (§1.4)
    assert res.estimate[1] == 0 and res.method[1] == "exact-conditional"
    assert res.p_value[0] == pytest.approx(stats.binomtest(3, 3, 0.5).pvalue, rel=1e-12)


@given(counts, counts)
@settings(max_examples=80, deadline=None)
def test_rate_change_flag_always_follows_its_reported_interval(earlier, later):
    (o1, n1), (o2, n2) = earlier, later
    res = rate_change(o1, n1, o2, n2)
    if res.significant is None:
        assert math.isnan(res.lower)
    else:
        assert res.significant == (res.lower > 1 or res.upper < 1)


# --------------------------------------------------------------------------- proportions


def test_proportion_change_reproduces_newcombes_worked_example():
    # Newcombe (1998), Table II, 56/70 against 48/80, method 10: 0.0524 to 0.3339
    res = proportion_change(48, 80, 56, 70)
    assert res.estimate == pytest.approx(0.2, rel=1e-12)
    assert round(res.lower, 4) == 0.0524 and round(res.upper, 4) == 0.3339
    assert res.significant is True and res.direction == "increase"


@given(counts, counts)
@settings(max_examples=150, deadline=None)
def test_proportion_change_agrees_with_statsmodels_newcombe(earlier, later):
    (x1, n1), (x2, n2) = earlier, later
    res = proportion_change(x1, n1, x2, n2)
    low, high = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb", compare="diff")
    np.testing.assert_allclose((res.lower, res.upper), (low, high), rtol=1e-9, atol=1e-12)
    assert res.significant == (res.lower > 0 or res.upper < 0)


def test_the_rri_chain_assessment_stage_change_is_checked_on_the_difference_scale():
    # §5.5 stage 2 as a change: 450/600 to 360/450; Fisher p equals the §5.5 stage-2 p
    res = proportion_change(450, 600, 360, 450)
    assert res.estimate == pytest.approx(0.05, rel=1e-12)
    assert res.p_value == pytest.approx(0.063310066342283, rel=1e-10)
    assert res.lower < 0 < res.upper and res.significant is False


def test_a_proportion_with_no_denominator_has_no_change():
    res = proportion_change([0], [0], [3], [10])
    assert np.isnan(res.estimate[0]) and res.reason[0] == "zero_denominator"


# --------------------------------------------------------------------------- ratio measures


def test_a_ratio_change_is_the_z_test_of_the_difference_of_logs():
    res = ratio_change(1.5, 0.1, 2.0, 0.15)
    d, se = math.log(2.0 / 1.5), math.hypot(0.1, 0.15)
    assert res.estimate == pytest.approx(2.0 / 1.5, rel=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(d / se), rel=1e-12)
    assert res.lower == pytest.approx(math.exp(d - 1.959963984540054 * se), rel=1e-12)


@given(st.floats(0.05, 20), st.floats(0.01, 2), st.floats(0.05, 20), st.floats(0.01, 2))
@settings(max_examples=100, deadline=None)
def test_a_ratio_change_is_significant_exactly_when_its_p_value_is_below_five_percent(
    r1, se1, r2, se2
):
    res = ratio_change(r1, se1, r2, se2)
    assume(abs(res.p_value - 0.05) > 1e-9)
    assert res.significant == (res.p_value < 0.05)
    back = ratio_change(r2, se2, r1, se1)
    assert res.estimate * back.estimate == pytest.approx(1, rel=1e-12)
    assert res.p_value == pytest.approx(back.p_value, rel=1e-12)


def test_a_disparity_ratio_change_uses_the_katz_standard_errors():
    year1 = katz_ratio(45, 10000, 30, 20000)
    year2 = katz_ratio(60, 10000, 28, 20000)
    res = ratio_change(year1.value, year1.se_log, year2.value, year2.se_log)
    assert res.estimate == pytest.approx(year2.value / year1.value, rel=1e-12)
    assert res.method == "log-ratio-z"


def test_a_di_change_uses_one_over_root_o_for_the_log_standard_error():
    o1, o2 = np.array([30, 45]), np.array([35, 60])
    pop = np.array([20000, 10000])
    di1 = disproportionality_index(o1, pop, o1.sum(), pop.sum())
    di2 = disproportionality_index(o2, pop, o2.sum(), pop.sum())
    res = ratio_change(di1.value, di_log_se(o1), di2.value, di_log_se(o2))
    np.testing.assert_allclose(di_log_se(o1), 1 / np.sqrt(o1), rtol=1e-15)
    assert res.estimate.shape == (2,)
    assert math.isnan(di_log_se(0))


def test_a_zero_ratio_has_no_log_and_so_no_change():
    res = ratio_change(0.0, 0.5, 1.2, 0.2)
    assert math.isnan(res.estimate) and res.reason == "zero_or_missing_ratio"
    assert res.significant is None
