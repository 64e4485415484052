"""Confidence limits for counts, rates, proportions and O/E ratios (methods.md §1.1–1.3, §5.1).

Published vectors are PHE's (PHEindicatormethods test workbooks) as copied into methods.md §5.1;
closed forms are checked at relative tolerance 1e-12 (methods.md §5: an independent SciPy coding
reproduces them to 3e-14).  Independent cross-checks use scipy.stats.poisson tail probabilities
and statsmodels' Wilson interval.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from arpkit.engine.intervals import (
    Z95,
    Z998,
    byar_limits,
    exact_poisson_limits,
    interval_flag,
    poisson_limits,
    poisson_method,
    proportion_limits,
    rate_limits,
    ratio_to_expected,
    wilson_limits,
    z_for,
)

RTOL = 1e-12


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


# --------------------------------------------------------------------------- constants (§0, §5)


def test_z_values_come_from_the_normal_quantile_and_match_the_published_constants():
    close(Z95, 1.959963984540054)
    close(Z998, 3.090232306167813)
    assert z_for(0.95) == Z95
    assert z_for(0.998) == Z998
    close(z_for(0.9), stats.norm.ppf(0.95))


def test_the_upper_limit_for_a_zero_count_is_minus_log_half_alpha():
    close(exact_poisson_limits(0, 0.95).upper, 3.6888794541139363)
    close(poisson_limits(0, 0.998).upper, 6.907755278982137)
    assert poisson_limits(0).lower == 0.0


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "95%"])
def test_a_confidence_level_outside_zero_to_one_is_refused(confidence):
    with pytest.raises(ValueError, match="confidence"):
        poisson_limits(5, confidence)


# --------------------------------------------------------------------------- Byar primitive (§5.1)

BYAR = [
    # O, 95% lower, 95% upper, 99.8% lower, 99.8% upper (None: not published)
    (65, 50.163187710459454, 82.849138545939837, 42.880261471480203, 94.000290844318016),
    (1045, 982.59320180733255, 1110.3312129856499, 947.94070356103737, 1148.8061609880331),
    (10, None, None, 2.916318374695686, 24.193724927880535),
    (1, 0.013072132901504351, 5.5637555824752605, None, 9.362180217908362),
]


@pytest.mark.parametrize(("o", "lo95", "up95", "lo998", "up998"), BYAR)
def test_byar_primitive_reproduces_phe_published_limits(o, lo95, up95, lo998, up998):
    for conf, lo, up in ((0.95, lo95, up95), (0.998, lo998, up998)):
        lower, upper = byar_limits(o, conf)
        if lo is not None:
            close(lower, lo)
        if up is not None:
            close(upper, up)


def test_byar_primitive_does_not_switch_to_exact_at_small_counts():
    # At O = 1 the primitive is Byar's formula, not the exact limit.
    assert not math.isclose(byar_limits(1).lower, exact_poisson_limits(1).lower, rel_tol=1e-3)
    # ... and at 99.8% its lower limit goes negative, which is why it is only a primitive.
    assert byar_limits(1, 0.998).lower < 0


def test_byar_with_a_hard_coded_1_96_would_miss_the_published_limit():
    o = 65
    with_196 = o * (1 - 1 / (9 * o) - 1.96 / (3 * math.sqrt(o))) ** 3
    assert not math.isclose(with_196, 50.163187710459454, rel_tol=1e-7)
    close(byar_limits(o).lower, 50.163187710459454)


@given(st.integers(min_value=10, max_value=20000))
@settings(max_examples=200, deadline=None)
def test_byar_is_within_0_2_percent_of_exact_from_ten_events(o):
    # PHE Technical Guide (2018): at 95% Byar is within 0.2% of exact for numerators >= 10.
    byar, exact = byar_limits(o), exact_poisson_limits(o)
    assert abs(byar.lower / exact.lower - 1) < 0.002
    assert abs(byar.upper / exact.upper - 1) < 0.002


# --------------------------------------------------------------------------- exact limits


@given(
    st.integers(min_value=1, max_value=5000),
    st.sampled_from([0.9, 0.95, 0.99, 0.998]),
)
@settings(max_examples=200, deadline=None)
def test_exact_poisson_limits_have_the_stated_tail_probabilities(o, confidence):
    # Garwood's limits are the means at which P(X >= O) and P(X <= O) equal alpha/2.
    alpha = 1 - confidence
    lower, upper = exact_poisson_limits(o, confidence)
    assert stats.poisson.sf(o - 1, lower) == pytest.approx(alpha / 2, rel=1e-8)
    assert stats.poisson.cdf(o, upper) == pytest.approx(alpha / 2, rel=1e-8)


def test_poisson_limits_switch_from_exact_to_byar_at_ten():
    counts = np.arange(0, 15)
    lower, upper = poisson_limits(counts)
    ex_lo, ex_up = exact_poisson_limits(counts)
    by_lo, by_up = byar_limits(counts)
    small = counts < 10
    close(lower[small], ex_lo[small])
    close(upper[small], ex_up[small])
    close(lower[~small], by_lo[~small])
    close(upper[~small], by_up[~small])
    assert list(poisson_method([9, 10])) == ["exact", "byar"]


# --------------------------------------------------------------------------- rates (§5.1)

RATES = [
    # O, n, rate, 95% lower, 95% upper, 99.8% lower, 99.8% upper (per 100,000)
    (1, 100, 1000, 25.317807984289896, 5571.6433909388979, 1.0005003335835343,
     9233.4134764515857),
    (5, 100, 5000, 1623.4863901184199, 11668.332079322669, 739.37173191783893,
     16454.745203680104),
    (20, 100, 20000, 12211.428834875936, 30889.880369197064, 8922.8023651441927,
     38085.035625041914),
    (65, 100, 65000, 50163.187710459453, 82849.138545939844, 42880.261471480204,
     94000.290844318006),
    (222, 3215, 6905.1321928460338, 6026.5748776526743, 7875.7293708718507,
     5560.7376952598534, 8461.0466817334109),
    (999, 3456, 28906.25, 27141.304936090521, 30755.833237378414, 26162.147596445768,
     31845.604819822653),
    (9856, 12345, 79837.991089509916, 78269.490589767578, 81430.016542721409,
     77375.905432710526, 82354.472770954308),
]


@pytest.mark.parametrize(("o", "n", "rate", "lo95", "up95", "lo998", "up998"), RATES)
def test_rates_per_100000_reproduce_phe_published_values(o, n, rate, lo95, up95, lo998, up998):
    value, lower, upper = rate_limits(o, n, multiplier=100000)
    close(value, rate)
    close(lower, lo95)
    close(upper, up95)
    _, lower, upper = rate_limits(o, n, multiplier=100000, confidence=0.998)
    close(lower, lo998)
    close(upper, up998)


def test_rates_are_vectorised_and_scalars_give_floats():
    o = np.array([r[0] for r in RATES])
    n = np.array([r[1] for r in RATES])
    value, lower, upper = rate_limits(o, n, multiplier=100000)
    assert isinstance(value, np.ndarray) and value.shape == (len(RATES),)
    close(lower, [r[3] for r in RATES])
    close(upper, [r[4] for r in RATES])
    assert isinstance(rate_limits(5, 100).value, float)


def test_a_rate_with_a_zero_denominator_is_missing_not_an_error():
    value, lower, upper = rate_limits([3, 0], [0, 0])
    assert np.isnan(value).all() and np.isnan(lower).all() and np.isnan(upper).all()


def test_a_missing_count_gives_a_missing_rate():
    value, lower, upper = rate_limits([np.nan, 4], [100, 100])
    assert np.isnan([value[0], lower[0], upper[0]]).all()
    assert not np.isnan([value[1], lower[1], upper[1]]).any()


def test_a_negative_count_is_refused_with_the_value_named():
    with pytest.raises(ValueError, match=r"count must not be negative; found -3$"):
        rate_limits(-3, 100)


WORKED_RATES = [
    # §5.4: group, O, n, 95% limits, 99.8% limits per 10,000
    ("White", 30, 20000, (10.118469546633197, 21.41418597099935),
     (7.9194927099464945, 25.559250618485333)),
    ("Black", 45, 10000, (32.82025349554726, 60.21496167891182),
     (27.052212065008323, 69.86195747052828)),
    ("Asian", 5, 5000, (3.2469727802368427, 23.33666415864534),
     (1.4787434638356654, 32.90949040736021)),
    ("Mixed", 9, 2000, (20.57686548689167, 85.42401725709583),
     (12.262122021818875, 113.28686654531465)),
]


@pytest.mark.parametrize(("group", "o", "n", "ci95", "ci998"), WORKED_RATES)
def test_the_worked_example_rates_per_10000_match_methods_5_4(group, o, n, ci95, ci998):
    value, lower, upper = rate_limits(o, n)
    close(value, 10000 * o / n)
    close((lower, upper), ci95)
    _, lower, upper = rate_limits(o, n, confidence=0.998)
    close((lower, upper), ci998)


# --------------------------------------------------------------------------- Wilson (§5.1)

WILSON = [
    (1, 100, 0.0017674320641406511, 0.054486196178705294, 0.000873065697299977,
     0.10455445283705821),
    (5, 100, 0.02154367915436798, 0.11175046923191911, 0.013865320725997183,
     0.16458852282596442),
    (20, 100, 0.1333669333310325, 0.28882916559315885, 0.10519162066711432,
     0.3471109417008601),
    (65, 100, 0.55254443296887967, 0.73635751756902468, 0.49549465740704313,
     0.77835406140896968),
    (222, 3215, 0.060791690363636595, 0.078339566813836331, 0.05647101964624248,
     0.084184141852701344),
    (999, 3456, 0.27418951080009873, 0.30440389662818057, 0.26583995768074953,
     0.31344754492799848),
    (1045, 5000, 0.19795549880013297, 0.22049130373189027, 0.19179381799015244,
     0.22731562902525818),
    (0.445, 1, 0.043817447720588223, 0.93346212769791559, 0.019347006132900975,
     0.97022599470195414),
]


@pytest.mark.parametrize(("x", "n", "lo95", "up95", "lo998", "up998"), WILSON)
def test_wilson_limits_reproduce_phe_published_values(x, n, lo95, up95, lo998, up998):
    close(wilson_limits(x, n, 0.95), (lo95, up95))
    close(wilson_limits(x, n, 0.998), (lo998, up998))


def test_wilson_for_none_of_a_hundred_matches_the_published_constant():
    lower, upper = wilson_limits(0, 100)
    assert lower == 0.0
    close(upper, 0.03699349820698568)


def test_wilson_gives_exactly_zero_and_one_at_the_boundaries_and_nothing_for_n_zero():
    lower, upper = wilson_limits([0, 7, 0], [7, 7, 0])
    assert lower[0] == 0.0
    assert upper[1] == 1.0
    assert np.isnan(lower[2]) and np.isnan(upper[2])


def test_more_events_than_people_is_refused_with_both_values_named():
    with pytest.raises(ValueError, match=r"numerator 8 with denominator 7"):
        wilson_limits(8, 7)


@given(
    st.integers(min_value=1, max_value=100000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    st.sampled_from([0.9, 0.95, 0.998]),
)
@settings(max_examples=300, deadline=None)
def test_wilson_agrees_with_statsmodels_for_any_counts(xn, confidence):
    x, n = xn
    expected = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(wilson_limits(x, n, confidence), expected, rtol=1e-9, atol=1e-15)


def test_a_proportion_can_be_reported_as_a_percentage_with_its_wilson_limits():
    value, lower, upper = proportion_limits(20, 100, multiplier=100)
    close(value, 20.0)
    close((lower, upper), (13.33669333310325, 28.882916559315885))


# --------------------------------------------------------------------------- O/E ratios (§5.1 ISR)

ISR_E = 835.88356123117433
ISR = [
    (895, 1.0707232939020275, 1.0017147712553987, 1.1432332872498949, 0.96351556196144372,
     1.1860070415876287),
    (91, 0.10886683770400503, 0.08765040101829405, 0.13366576328418911, 0.076954255283921108,
     0.14897920510466744),
    (9, 0.010767049882813684, 0.0049233808250957762, 0.02043921455549973,
     0.0029339306550682617, 0.027105896514690211),
]


@pytest.mark.parametrize(("o", "ratio", "lo95", "up95", "lo998", "up998"), ISR)
def test_observed_over_expected_reproduces_phe_isr_values(o, ratio, lo95, up95, lo998, up998):
    value, lower, upper = ratio_to_expected(o, ISR_E)
    close(value, ratio)
    close((lower, upper), (lo95, up95))
    close(ratio_to_expected(o, ISR_E, 0.998)[1:], (lo998, up998))


def test_an_expected_count_of_zero_gives_no_ratio():
    assert all(math.isnan(v) for v in ratio_to_expected(3, 0))


# --------------------------------------------------------------------------- flag (§1.6)


def test_the_significance_flag_comes_from_the_interval_against_the_benchmark():
    flags = interval_flag([1.1, 0.5, 0.9, np.nan], [2.0, 0.95, 1.2, 1.0])
    assert list(flags) == ["higher", "lower", "not significant", None]
    # a rate against England's rate B: higher when L > B
    assert interval_flag(30.0, 40.0, benchmark=24.05) == "higher"
    assert interval_flag(10.0, 24.05, benchmark=24.05) == "not significant"
