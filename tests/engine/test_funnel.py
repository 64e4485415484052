"""Funnel plots (methods.md §1.7; vectors §5.2).

Proportion limits are a closed form and are checked at 1e-12 relative against both the closed
form and PHE's published values (which agree to 3e-14).  PHE's Poisson funnel counts were found
by bisection; arpkit uses the χ² closed form, checked at 1e-12 against the closed-form column
and at 1e-6 against the published bisection values, as §5.2 allows.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from arpkit.engine.funnel import (
    LABELS,
    classify_poisson,
    classify_proportion,
    poisson_benchmark,
    poisson_funnel_curve,
    proportion_benchmark,
    proportion_funnel_curve,
    proportion_funnel_limits,
)
from arpkit.engine.intervals import exact_poisson_limits


def close(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


# --------------------------------------------------------------------------- §5.2 vectors


def test_proportion_funnel_limits_reproduce_the_published_phe_values():
    # p = 0.975 is the one-sided quantile of the 95% limits; p = 0.999 of the 99.8% ones.
    low = proportion_funnel_limits(100000, 0.9, confidence=0.95).lower * 100
    close(low, 89.81406149030863)
    close(low, 89.81406149030842)
    high = proportion_funnel_limits(300000, 0.85, confidence=0.998).upper * 1000
    close(high, 852.0145849883004)
    close(high, 852.0145849882799)


def test_poisson_funnel_counts_match_the_closed_form_and_phe_bisection():
    lower_200 = exact_poisson_limits(200, confidence=0.95).lower
    close(lower_200, 173.24088268145732)
    close(lower_200, 173.24086241121654, rtol=1e-6)
    upper_500 = exact_poisson_limits(500, confidence=0.998).upper
    close(upper_500, 573.027603256997)
    close(upper_500, 573.0274767209943, rtol=1e-6)


def test_proportion_limits_for_a_five_percent_benchmark_match_methods_5_2_and_clip_at_zero():
    lower, upper = proportion_funnel_limits([100, 1000], 0.05, 0.95)
    close(lower, [0.007283575292052952, 0.03649188044237945])
    close(upper, [0.09271642470794705, 0.06350811955762056])
    lower, upper = proportion_funnel_limits([100, 1000], 0.05, 0.998)
    assert lower[0] == 0.0  # clipped
    close(lower[1], 0.028702043618249337)
    close(upper, [0.1173500516732507, 0.07129795638175067])


def test_proportion_limits_never_leave_zero_to_one():
    lower, upper = proportion_funnel_limits(np.arange(1, 200), 0.97, 0.998)
    assert (lower >= 0).all() and (upper <= 1).all()
    assert (upper == 1).any()


# --------------------------------------------------------------------------- classification


def test_proportion_units_are_classified_with_the_labels_of_methods_1_7():
    p_bar, n = 0.2, 400
    lo95, up95 = proportion_funnel_limits(n, p_bar, 0.95)
    lo998, up998 = proportion_funnel_limits(n, p_bar, 0.998)
    # one unit in each band, placed half way between the limits
    rates = np.array([
        lo998 / 2,  # below the 99.8% lower limit
        (lo998 + lo95) / 2,
        (up95 + up998) / 2,
        (up998 + 1) / 2,
        p_bar,
    ])
    labels = classify_proportion(rates * n, n, benchmark=p_bar)
    assert list(labels) == ["Low (0.001)", "Low (0.025)", "High (0.025)", "High (0.001)",
                            "Not significant"]
    assert set(labels) == set(LABELS)


def test_a_unit_exactly_on_a_limit_is_not_beyond_it():
    lo95, _ = proportion_funnel_limits(400, 0.2, 0.95)
    assert classify_proportion(lo95 * 400, 400, benchmark=0.2) == "Not significant"


def test_the_default_proportion_benchmark_is_the_pooled_proportion():
    x, n = np.array([10, 50, 300]), np.array([100, 400, 1000])
    assert proportion_benchmark(x, n) == pytest.approx(360 / 1500, rel=1e-15)
    assert list(classify_proportion(x, n)) == list(classify_proportion(x, n, 360 / 1500))


def test_crude_rates_are_classified_by_their_own_interval_against_the_benchmark():
    # The §4.1 groups against the overall rate 89/37000: from the §5.4 intervals (per
    # 10,000) against 24.054: White 95% upper 21.41 < 24.05 but 99.8% upper 25.56 > 24.05;
    # Black 99.8% lower 27.05 > 24.05; Asian 95% upper 23.34 < 24.05 < its 99.8% upper;
    # Mixed 95% interval 20.58-85.42 contains it.
    o = np.array([30, 45, 5, 9])
    n = np.array([20000, 10000, 5000, 2000])
    assert poisson_benchmark(o, n) == pytest.approx(89 / 37000, rel=1e-15)
    assert list(classify_poisson(o, n)) == [
        "Low (0.025)", "High (0.001)", "Low (0.025)", "Not significant"
    ]


def test_observed_over_expected_ratios_use_expected_counts_and_a_benchmark_of_one():
    o = np.array([30, 45, 5, 9])
    expected = np.array([20000, 10000, 5000, 2000]) * 89 / 37000
    assert poisson_benchmark(o, expected) == pytest.approx(1, rel=1e-12)
    # same classification as the crude rates: the DI is the rate over the overall rate
    assert list(classify_poisson(o, expected, benchmark=1.0)) == list(
        classify_poisson(o, np.array([20000, 10000, 5000, 2000]))
    )


def test_a_unit_with_no_denominator_is_not_classified():
    assert list(classify_poisson([3, 5], [0, 100], benchmark=0.05)) == [None, "Not significant"]
    assert list(classify_proportion([0, 5], [0, 100], benchmark=0.05)) == [None,
                                                                           "Not significant"]


# --------------------------------------------------------------------------- curves


@given(st.floats(1e-4, 0.5), st.sampled_from([0.95, 0.998]))
@settings(max_examples=40, deadline=None)
def test_poisson_curve_points_sit_where_the_tail_probability_is_alpha_over_two(r_bar, level):
    curve = poisson_funnel_curve(r_bar, 60, level)
    alpha2 = (1 - level) / 2
    o = curve["count"].to_numpy()
    # at the lower curve's denominator a unit with O events has P(X <= O) = alpha/2
    mean_lower = curve["lower_n"].to_numpy() * r_bar
    close(stats.poisson.cdf(o, mean_lower), alpha2, rtol=1e-8)
    # at the upper curve's denominator P(X >= O) = alpha/2 (O >= 1)
    mean_upper = curve["upper_n"].to_numpy()[1:] * r_bar
    close(stats.poisson.sf(o[1:] - 1, mean_upper), alpha2, rtol=1e-8)
    # and the plotted values are the unit's rate O/n at those points
    close(curve["lower"], o / curve["lower_n"])
    close(curve["upper"][1:], o[1:] / curve["upper_n"][1:])


def test_the_poisson_curves_narrow_towards_the_benchmark():
    curve = poisson_funnel_curve(0.0024, 500)
    assert curve["upper"].iloc[-1] < curve["upper"].iloc[10]
    assert curve["lower"].iloc[-1] > curve["lower"].iloc[10]
    assert curve["lower"].iloc[-1] < 0.0024 < curve["upper"].iloc[-1]
    assert np.isnan(curve.loc[0, "upper"])


def test_the_proportion_curve_has_both_levels():
    curve = proportion_funnel_curve(0.05, [100, 1000])
    assert list(curve.columns) == ["n", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    close(curve["upper_95"], [0.09271642470794705, 0.06350811955762056])


def test_bad_benchmarks_are_refused():
    with pytest.raises(ValueError, match="benchmark"):
        proportion_funnel_limits(100, 1.5)
    with pytest.raises(ValueError, match="benchmark"):
        poisson_funnel_curve(0, 10)
