"""Disparity ratios, the DI, exact tests and WRES relative likelihoods (methods.md §1.3–1.6,
§2.1; vectors §5.3–5.6).

Tolerances: closed forms (Katz, DI, the a = 0 exact-conditional bound) at 1e-12 relative.  The
general exact-conditional interval (Beta quantiles) and the exact p-values (sums of
hypergeometric or binomial probabilities) are not closed forms; they are checked at 1e-10
relative against the 16-digit vectors (observed agreement ~1e-14), and at the stated precision
where methods.md gives fewer digits.  Cross-checks: statsmodels Table2x2 and
confint_poisson_2indep, scipy fisher_exact and binomtest, statsmodels test_poisson_2indep,
and for the p-values a 50-digit decimal sum that keeps its digits in the far tail.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.rates import confint_poisson_2indep
from statsmodels.stats.rates import test_poisson_2indep as sm_test_poisson_2indep

from arpkit.engine.intervals import wilson_limits
from arpkit.engine.ratios import (
    band_position,
    disproportionality_index,
    exact_conditional_p,
    exact_conditional_ratio,
    fisher_p,
    group_vs_rest,
    katz_ratio,
    relative_likelihood,
)

RTOL = 1e-12
RTOL_ITERATIVE = 1e-10


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


# --------------------------------------------------------------------------- §5.3 two groups

TWO_GROUPS = [
    # a, n1, c, n2, RR, SE, Katz, exact conditional, Fisher p, exact-cond p (digits)
    (9, 750, 17, 2429, 1.7145882352941177, 0.4101092721887657,
     (0.7674925952392299, 3.830411960772922), (0.6734475253674468, 4.066683156445014),
     0.24291327549331743, (0.24480082910007678, RTOL_ITERATIVE)),
    (45, 10000, 30, 20000, 3, 0.2353838472698489,
     (1.891307569308785, 4.758612584249965), (1.8488959569523835, 4.931947024210648),
     3.1339403671422988e-06, (3.221899413533058e-06, RTOL_ITERATIVE)),
    (5, 200, 2, 300, 3.75, 0.83166499665831,
     (0.7347113333384113, 19.140170243600625), (0.6139291212823389, 39.3802151586124),
     0.12191136475008976, (0.1242496, 5e-7)),
    (129, 10000, 64, 10000, 2.015625, 0.15223973851953412,
     (1.4956261019879997, 2.716416980971891), (1.4824714811862065, 2.7642955732087313),
     2.99811421218931e-06, (3.3396821899235154e-06, RTOL_ITERATIVE)),
]


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2", "rr", "se", "katz", "exact", "fisher", "cond"), TWO_GROUPS
)
def test_two_group_comparisons_reproduce_methods_5_3(a, n1, c, n2, rr, se, katz, exact, fisher,
                                                     cond):
    res = katz_ratio(a, n1, c, n2)
    close(res.value, rr)
    close(res.se_log, se)
    close((res.lower, res.upper), katz)
    assert res.method == "katz" and res.reason is None
    ex = exact_conditional_ratio(a, n1, c, n2)
    close(ex.value, rr)
    close((ex.lower, ex.upper), exact, RTOL_ITERATIVE)
    assert ex.method == "exact-conditional"
    close(fisher_p(a, n1, c, n2), fisher, RTOL_ITERATIVE)
    close(exact_conditional_p(a, n1, c, n2), cond[0], cond[1])


WALD_LOG = [  # §5.3 "wald-log 95%" column: the same counts read as person-time
    (0.7643071547332052, 3.846376157024449),
    (1.8901276136052674, 4.761583257774442),
    (0.727553546412598, 19.328474267411668),
    (1.4937059735713012, 2.719908879330104),
]


@pytest.mark.parametrize(("row", "expected"), list(zip(TWO_GROUPS, WALD_LOG, strict=True)))
def test_person_time_ratios_reproduce_the_wald_log_column_of_methods_5_3(row, expected):
    res = katz_ratio(*row[:4], person_time=True)
    close((res.lower, res.upper), expected)
    assert res.method == "wald-log"


def test_katz_gives_three_only_to_rounding_so_nothing_compares_with_equals():
    assert katz_ratio(45, 10000, 30, 20000).value == pytest.approx(3, rel=RTOL)


# --------------------------------------------------------------------------- zero rules (§1.4)


def test_no_events_in_the_group_gives_ratio_zero_with_the_exact_conditional_upper_limit():
    res = katz_ratio(0, 2000, 45, 10000)
    assert res.value == 0 and res.lower == 0
    close(res.upper, 0.4271439060478851)
    assert res.method == "exact-conditional" and res.reason is None
    assert math.isnan(res.se_log)
    # significantly lower: the whole interval is below 1
    assert res.upper < 1
    close(exact_conditional_p(0, 2000, 45, 10000), 0.0004432139470232216, RTOL_ITERATIVE)
    close(fisher_p(0, 2000, 45, 10000), 0.00043343486881733027, RTOL_ITERATIVE)


def test_no_events_in_a_small_group_is_not_significant():
    res = katz_ratio(0, 500, 30, 20000)
    close(res.upper, 5.233687258939939)
    assert res.upper > 1
    assert exact_conditional_p(0, 500, 30, 20000) == pytest.approx(1, rel=RTOL)
    assert fisher_p(0, 500, 30, 20000) == pytest.approx(1, rel=RTOL)


def test_the_zero_event_upper_limit_equals_the_clopper_pearson_beta_quantile():
    for c in (1, 2, 17, 300):
        pi_u = stats.beta.ppf(0.975, 1, c)
        close(katz_ratio(0, 700, c, 900).upper, pi_u / (1 - pi_u) * 900 / 700, 1e-10)


def test_a_reference_group_with_no_events_gives_no_ratio_but_a_p_value():
    res = katz_ratio(4, 500, 0, 2000)
    assert math.isnan(res.value) and math.isnan(res.lower) and math.isnan(res.upper)
    assert res.reason == "reference_group_zero_events" and res.method is None
    close(exact_conditional_p(4, 500, 0, 2000), 0.0016, RTOL_ITERATIVE)
    close(fisher_p(4, 500, 0, 2000), 0.001584670744574983, RTOL_ITERATIVE)


def test_no_events_in_either_group_gives_reason_no_events_and_never_adds_a_half():
    res = katz_ratio(0, 500, 0, 2000)
    assert res.reason == "no_events"
    assert math.isnan(res.value) and math.isnan(res.upper)
    assert exact_conditional_ratio(0, 500, 0, 2000).reason == "no_events"


def test_zero_rules_apply_element_by_element_in_a_vector():
    res = katz_ratio([9, 0, 4, 0, 0], [750, 2000, 500, 500, 0], [17, 45, 0, 0, 5], 2429)
    assert list(res.method) == ["katz", "exact-conditional", None, None, None]
    assert list(res.reason) == [
        None, None, "reference_group_zero_events", "no_events", "zero_denominator"
    ]
    assert list(np.isnan(res.value)) == [False, False, True, True, True]


def test_a_missing_count_gives_reason_missing_count():
    res = katz_ratio([np.nan], [10], [1], [10])
    assert res.reason[0] == "missing_count" and np.isnan(res.value[0])


def test_more_events_than_people_is_refused():
    with pytest.raises(ValueError, match="must not exceed"):
        katz_ratio(12, 10, 1, 10)


# --------------------------------------------------------------------------- cross-checks

counts = st.integers(min_value=1, max_value=3000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, counts)
@settings(max_examples=100, deadline=None)
def test_katz_agrees_with_statsmodels_riskratio_for_any_counts(g, r):
    (a, n1), (c, n2) = g, r
    assume(a > 0 and c > 0 and (a < n1 or c < n2))
    res = katz_ratio(a, n1, c, n2)
    table = Table2x2(np.array([[a, n1 - a], [c, n2 - c]]), shift_zeros=False)
    close(res.value, table.riskratio, 1e-10)
    close((res.lower, res.upper), table.riskratio_confint(alpha=0.05), 1e-10)


@given(st.integers(1, 500), st.integers(1, 500), st.floats(10, 1e5), st.floats(10, 1e5))
@settings(max_examples=100, deadline=None)
def test_person_time_ratio_agrees_with_statsmodels_wald_log(a, c, t1, t2):
    res = katz_ratio(a, t1, c, t2, person_time=True)
    expected = confint_poisson_2indep(a, t1, c, t2, method="wald-log", compare="ratio")
    close((res.lower, res.upper), expected, 1e-10)
    assert res.method == "wald-log"


def test_person_time_ratio_reproduces_the_epitools_rateratio_wald_example():
    res = katz_ratio(41, 28010, 15, 19017, person_time=True)
    close(res.value, 1.855759, 5e-7)
    close((res.lower, res.upper), (1.027226, 3.352563), 5e-7)


@given(counts, counts)
@settings(max_examples=100, deadline=None)
def test_exact_conditional_interval_agrees_with_binomtest_clopper_pearson(g, r):
    (a, n1), (c, n2) = g, r
    assume(c > 0 and a + c > 0)
    res = exact_conditional_ratio(a, n1, c, n2)
    # binomtest finds the Clopper-Pearson limits by root-finding, good to about 1e-9 relative
    ci = stats.binomtest(a, a + c).proportion_ci(confidence_level=0.95, method="exact")
    to_ratio = lambda pi: pi / (1 - pi) * n2 / n1  # noqa: E731
    close(res.lower, to_ratio(ci.low), 1e-7)
    close(res.upper, to_ratio(ci.high), 1e-7)
    # ... and, exactly: at the limits the binomial tail probabilities are alpha/2
    to_pi = lambda rr: rr * n1 / (rr * n1 + n2)  # noqa: E731
    if a > 0:
        close(stats.binom.sf(a - 1, a + c, to_pi(res.lower)), 0.025, 1e-8)
    close(stats.binom.cdf(a, a + c, to_pi(res.upper)), 0.025, 1e-8)


@given(counts, counts)
@settings(max_examples=100, deadline=None)
def test_fisher_p_agrees_with_scipy_fisher_exact(g, r):
    (a, n1), (c, n2) = g, r
    p = fisher_p(a, n1, c, n2)
    exact = decimal_two_sided(a, max(0, a + c - n2), min(a + c, n1),
                              lambda x: Decimal((n1 - x) * (a + c - x))
                              / Decimal((x + 1) * (n2 - a - c + x + 1)))
    close_p(p, exact, stats.fisher_exact([[a, n1 - a], [c, n2 - c]]).pvalue)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels, for c = 0
@given(counts, counts)
@settings(max_examples=100, deadline=None)
def test_exact_conditional_p_agrees_with_binomtest_and_statsmodels(g, r):
    (a, n1), (c, n2) = g, r
    assume(a + c > 0)
    p = exact_conditional_p(a, n1, c, n2)
    k = a + c
    exact = decimal_two_sided(a, 0, k, lambda x: Decimal((k - x) * n1) / Decimal((x + 1) * n2))
    close_p(p, exact, stats.binomtest(a, k, n1 / (n1 + n2)).pvalue,
            sm_test_poisson_2indep(a, n1, c, n2, method="exact-cond").pvalue)


def decimal_two_sided(observed: int, lo: int, hi: int, ratio) -> float:
    """A two-sided "no more likely than observed" p-value in 50-digit decimals: the terms of
    outcomes lo..hi from ``ratio(x)`` = P(x + 1) / P(x), normalised by their sum, with the
    engine's tie tolerance.  An independent reference that keeps its digits in the far tail,
    where doubles do not."""
    with localcontext() as ctx:
        ctx.prec = 50
        terms, t = [], Decimal(1)
        for x in range(lo, hi + 1):
            terms.append(t)
            if x < hi:
                t = t * ratio(x)
        cut = terms[observed - lo] * (1 + Decimal("1e-7"))
        return float(sum(u for u in terms if u <= cut) / sum(terms))


def close_p(actual: float, exact: float, *others: float) -> None:
    """Agreement of an exact p-value with the 50-digit reference, to 1e-9 relative (within
    1e-306 in the subnormal range below 2.2e-308, where a double keeps fewer digits the
    smaller it is), and with scipy and statsmodels to 1e-9 wherever their doubles keep the
    digits: above 1e-100.  In the far tail their sums part from the exact value: Hypothesis
    found binomtest 1.3e-4 out at 1.15e-264 (405 of 405 against 38 of 2,038), where arpkit
    matched the exact value to 1e-13."""
    np.testing.assert_allclose(actual, exact, rtol=1e-9, atol=1e-306)
    for other in others:
        if exact >= 1e-100:
            close(actual, other, 1e-9)


def test_exact_p_values_are_vectorised():
    a, n1, c, n2 = (np.array(col) for col in zip(*[r[:4] for r in TWO_GROUPS], strict=True))
    close(fisher_p(a, n1, c, n2), [r[8] for r in TWO_GROUPS], RTOL_ITERATIVE)


# --------------------------------------------------------------------------- DI (§1.3, §5.4)

POP = np.array([20000, 10000, 5000, 2000])  # White, Black, Asian, Mixed (§4.1)
EVENTS = np.array([30, 45, 5, 9])
DI_VECTORS = {
    "expected": [48.108108108108105, 24.054054054054053, 12.027027027027026, 4.8108108108108105],
    "di": [0.6235955056179776, 1.8707865168539326, 0.4157303370786517, 1.8707865168539326],
    "ci95": [(0.420655475534189, 0.8902526751988495), (1.364437504871066, 2.5033186315952105),
             (0.13498650884130692, 0.9701759256964918), (0.8554427224887549, 3.551335548890501)],
    "ci998": [(0.3292373373797981, 1.0625755875100644), (1.124642524050908, 2.9043735128197152),
              (0.06147585186732542, 1.3681473540138516), (0.509773612143032, 4.709678721546789)],
}


def test_the_worked_example_di_matches_methods_5_4():
    res = disproportionality_index(EVENTS, POP, EVENTS.sum(), POP.sum())
    close(res.expected, DI_VECTORS["expected"])
    close(res.value, DI_VECTORS["di"])
    close(np.column_stack([res.lower, res.upper]), DI_VECTORS["ci95"])
    assert list(res.method) == ["byar", "byar", "exact", "exact"]
    res = disproportionality_index(EVENTS, POP, EVENTS.sum(), POP.sum(), 0.998)
    close(np.column_stack([res.lower, res.upper]), DI_VECTORS["ci998"])


def test_the_di_is_the_share_of_the_system_over_the_share_of_the_population():
    res = disproportionality_index(EVENTS, POP, EVENTS.sum(), POP.sum())
    close(res.value, (EVENTS / EVENTS.sum()) / (POP / POP.sum()))


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 50000)), min_size=1,
                max_size=8))
@settings(max_examples=100, deadline=None)
def test_expected_weighted_di_averages_to_one(groups):
    o = np.array([g[0] for g in groups])
    pop = np.array([max(g) for g in groups])
    assume(o.sum() > 0)
    res = disproportionality_index(o, pop, o.sum(), pop.sum())
    assert np.sum(res.expected * res.value) / np.sum(res.expected) == pytest.approx(1, rel=1e-12)


def test_each_group_against_the_rest_matches_methods_5_4():
    expected = [
        (0.4322033898305085, 0.27862717054288416, 0.6704291251173284),
        (2.7613636363636362, 1.8236149555756835, 4.181326276644997),
        (0.38095238095238093, 0.15461441218307692, 0.9386234730915491),
        (1.9687499999999998, 0.9898343059266702, 3.915783216738845),
    ]
    res = group_vs_rest(EVENTS, POP, EVENTS.sum(), POP.sum())
    close(np.column_stack([res.value, res.lower, res.upper]), expected)
    assert isinstance(group_vs_rest(30, 20000, 89, 37000).value, float)


def test_the_worked_example_ratios_against_white_match_methods_4_1():
    white = 0
    res = katz_ratio(EVENTS[1:], POP[1:], EVENTS[white], POP[white])
    close(res.value, [3, 0.6666666666666666, 3])
    close(res.se_log, [0.2353838472698489, 0.4827870476031159, 0.3793342120669377])
    close(res.lower, [1.891307569308785, 0.2587972522683962, 1.4263673462924418])
    close(res.upper, [4.758612584249965, 1.7173460712925774, 6.3097350226038955])
    close(fisher_p(EVENTS[1:], POP[1:], EVENTS[white], POP[white]),
          [3.1339403671422988e-06, 0.5267874281659183, 0.007169536500191879], RTOL_ITERATIVE)
    close(exact_conditional_p(EVENTS[1:], POP[1:], EVENTS[white], POP[white]),
          [3.221899413533058e-06, 0.5270792989301099, 0.007222146411214716], RTOL_ITERATIVE)


# --------------------------------------------------------------------------- RRI chain (§5.5)

CHAIN = {  # population -> referrals -> assessments -> CP plans
    "Black": [10000, 450, 360, 45],
    "White": [20000, 600, 450, 30],
}
CHAIN_VECTORS = [
    # stage, Black Wilson, White Wilson, RRI, Katz, Fisher p
    ((0.041108657675359754, 0.04924078084195595), (0.02772458673498879, 0.03245592715774955),
     1.5, (1.3305870816996832, 1.6909828984104256), 7.032746860696653e-11),
    ((0.7605725078479408, 0.8343489008342767), (0.7138357639563884, 0.7829833855367613),
     1.0666666666666667, (0.9992067031460301, 1.1386810899040736), 0.063310066342283),
    ((0.09474723687619764, 0.1631713057903225), (0.04709401299388374, 0.09357506335402418),
     1.875, (1.2067361643490162, 2.913333588453888), 0.004958643308566109),
]


@pytest.mark.parametrize("stage", [1, 2, 3])
def test_rri_chain_stages_match_methods_5_5(stage):
    black, white = CHAIN["Black"], CHAIN["White"]
    b_ci, w_ci, rri, katz, p = CHAIN_VECTORS[stage - 1]
    close(wilson_limits(black[stage], black[stage - 1]), b_ci)
    close(wilson_limits(white[stage], white[stage - 1]), w_ci)
    res = katz_ratio(black[stage], black[stage - 1], white[stage], white[stage - 1])
    close(res.value, rri)
    close((res.lower, res.upper), katz)
    close(fisher_p(black[stage], black[stage - 1], white[stage], white[stage - 1]), p,
          RTOL_ITERATIVE)


def test_the_assessment_stage_is_a_boundary_case_that_is_not_significant():
    black, white = CHAIN["Black"], CHAIN["White"]
    res = katz_ratio(black[2], black[1], white[2], white[1])
    assert res.lower < 1 < res.upper


@st.composite
def nested_chain(draw, stages):
    """Population then ``stages`` decision points, each a subset of the one before."""
    chain = [draw(st.integers(1, 100000))]
    for _ in range(stages):
        chain.append(draw(st.integers(1, chain[-1])))
    return chain


@given(st.integers(1, 6).flatmap(lambda k: st.tuples(nested_chain(k), nested_chain(k))))
@settings(max_examples=150, deadline=None)
def test_product_of_stage_rris_equals_the_end_to_end_ratio(chains):
    g, ref = chains
    product = 1.0
    for k in range(1, len(g)):
        product *= katz_ratio(g[k], g[k - 1], ref[k], ref[k - 1]).value
    end_to_end = katz_ratio(g[-1], g[0], ref[-1], ref[0]).value
    assert product == pytest.approx(end_to_end, rel=1e-12)


def test_the_synthetic_chain_product_is_three():
    black, white = CHAIN["Black"], CHAIN["White"]
    stages = [katz_ratio(black[k], black[k - 1], white[k], white[k - 1]).value
              for k in (1, 2, 3)]
    assert math.prod(stages) == pytest.approx((45 / 10000) / (30 / 20000), rel=1e-12)


# --------------------------------------------------------------------------- WRES (§2.1, §5.6)


def test_wres_appointment_is_oriented_white_over_minority_and_is_above_the_band():
    rl = relative_likelihood(44, 300, 94, 200, beneficial=True)
    close(rl.value, 3.204545454545454)
    close((rl.lower, rl.upper), (2.350135532043047, 4.3695827028838075))
    assert rl.band_position == "above" and rl.significant is True
    assert rl.numerator_group == "white"
    assert f"{fisher_p(94, 200, 44, 300):.2e}" == "4.55e-15"


def test_wres_disciplinary_is_oriented_minority_over_white_and_outside_band_yet_not_significant():
    rl = relative_likelihood(9, 750, 17, 2429, beneficial=False)
    close(rl.value, 1.7145882352941177)
    close((rl.lower, rl.upper), (0.7674925952392299, 3.830411960772922))
    assert rl.band_position == "above" and rl.significant is False
    assert rl.numerator_group == "minority"
    assert f"{fisher_p(9, 750, 17, 2429):.3f}" == "0.243"


def test_wres_training_is_within_the_band_yet_significant():
    rl = relative_likelihood(250, 500, 600, 1000, beneficial=True)
    close(rl.value, 1.2)
    close((rl.lower, rl.upper), (1.0844895894558018, 1.3278135760829144))
    assert rl.band_position == "within" and rl.significant is True
    assert f"{fisher_p(600, 1000, 250, 500):.3g}" == "0.000262"


@given(counts, counts)
@settings(max_examples=100, deadline=None)
def test_switching_the_outcome_direction_inverts_the_relative_likelihood(m, w):
    (em, hm), (ew, hw) = m, w
    assume(em > 0 and ew > 0)
    good = relative_likelihood(em, hm, ew, hw, beneficial=True)
    bad = relative_likelihood(em, hm, ew, hw, beneficial=False)
    assert good.value * bad.value == pytest.approx(1, rel=1e-12)
    assert good.lower * bad.upper == pytest.approx(1, rel=1e-12)


def test_the_band_is_inclusive_configurable_and_validated():
    assert list(band_position([0.79, 0.8, 1.25, 1.26, np.nan])) == [
        "below", "within", "within", "above", None
    ]
    assert band_position(1.2, band=(0.9, 1.1)) == "above"
    rl = relative_likelihood(250, 500, 600, 1000, beneficial=True, band=(0.9, 1.1))
    assert rl.band_position == "above"
    with pytest.raises(ValueError, match="band"):
        band_position(1.0, band=(1.2, 1.5))


def test_the_outcome_direction_must_be_stated_as_a_boolean():
    with pytest.raises(ValueError, match="beneficial"):
        relative_likelihood(1, 10, 1, 10, beneficial="yes")


def test_a_relative_likelihood_with_no_white_events_for_an_adverse_outcome_has_a_reason():
    rl = relative_likelihood(3, 40, 0, 200, beneficial=False)
    assert rl.reason == "reference_group_zero_events"
    assert rl.band_position is None and rl.significant is None
