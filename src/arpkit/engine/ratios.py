"""Ratios between groups: disparity ratios, the DI, WRES relative likelihoods, exact tests.

Implements methods.md §1.3 (disproportionality index), §1.4 (disparity ratio against an
explicit reference group, Katz log interval, arpkit's zero-count rules), §1.6 (exact p-values)
and §2.1 (WRES-style relative likelihoods with a fixed orientation and the 0.80–1.25 band).
Functions are vectorised over numpy arrays like :mod:`arpkit.engine.intervals`.

Zero counts never get a silent 0.5 added or a cap (as Aequitas does at 10): every result carries
a ``method`` label (``katz``, ``wald-log``, ``exact-conditional`` or ``None`` when there is no
interval) and a ``reason`` code explaining a missing ratio (``None`` when there is one):

* ``reference_group_zero_events`` — the reference group has no events: no ratio, no interval;
  the exact conditional p-value can still be shown; advise pooling years or another reference.
* ``no_events`` — neither group has events.
* ``zero_denominator`` — a group has no people (or no person-time).
* ``missing_count`` — an input is NaN.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from arpkit.engine.intervals import (
    Number,
    alpha_for,
    check_non_negative,
    check_not_above,
    finish,
    interval_flag,
    poisson_method,
    ratio_to_expected,
    to_arrays,
    z_for,
)

KATZ = "katz"
WALD_LOG = "wald-log"
EXACT_CONDITIONAL = "exact-conditional"

REFERENCE_ZERO = "reference_group_zero_events"
NO_EVENTS = "no_events"
ZERO_DENOMINATOR = "zero_denominator"
MISSING = "missing_count"

#: NHSE/I's "non-adverse" range for WRES indicator 3, the four-fifths rule (methods.md §2.2).
WRES_BAND: tuple[float, float] = (0.8, 1.25)

#: R's and SciPy's relative tolerance for "no more likely than the observed table" (§1.6).
_TIE_TOLERANCE = 1.0 + 1e-7


class RatioResult(NamedTuple):
    """A ratio with its interval.  ``se_log`` is SE(ln ratio) where the interval is Katz or
    Wald-log (used by :mod:`arpkit.engine.trends`), NaN otherwise."""

    value: Number
    lower: Number
    upper: Number
    se_log: Number
    method: Any
    reason: Any


class DIResult(NamedTuple):
    """Disproportionality index O/E with its expected count and interval method label."""

    value: Number
    lower: Number
    upper: Number
    expected: Number
    method: Any


class RLResult(NamedTuple):
    """A WRES-style relative likelihood, oriented so RL > 1 is adverse to minority staff."""

    value: Number
    lower: Number
    upper: Number
    se_log: Number
    method: Any
    reason: Any
    band_position: Any  # "below" | "within" | "above" | None
    significant: Any  # True | False | None (no interval)
    numerator_group: str  # "white" (beneficial outcome) or "minority" (adverse outcome)


# --------------------------------------------------------------------------- helpers


def _prepare(
    a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike, person_time: bool
) -> tuple[list[np.ndarray], bool]:
    (a_, n1_, c_, n2_), scalar = to_arrays(a=a, n1=n1, c=c, n2=n2)
    check_non_negative("events in the group (a)", a_)
    check_non_negative("events in the reference group (c)", c_)
    check_non_negative("denominator of the group (n1)", n1_)
    check_non_negative("denominator of the reference group (n2)", n2_)
    if not person_time:
        check_not_above("events in the group (a)", a_, "its denominator (n1)", n1_)
        check_not_above("events in the reference group (c)", c_, "its denominator (n2)", n2_)
    return [a_, n1_, c_, n2_], scalar


def _reasons(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """The §1.4 reason code for each cell (``None`` where a ratio exists)."""
    reason = np.full(a.shape, None, dtype=object)
    reason[(a == 0) & (c == 0)] = NO_EVENTS
    reason[(a > 0) & (c == 0)] = REFERENCE_ZERO
    reason[(n1 == 0) | (n2 == 0)] = ZERO_DENOMINATOR
    reason[np.isnan(a) | np.isnan(n1) | np.isnan(c) | np.isnan(n2)] = MISSING
    return reason


def _odds_to_ratio(pi: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Map a conditional probability π = a/(a+c) bound to a rate-ratio bound, π/(1−π)·n₂/n₁."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return pi / (1.0 - pi) * n2 / n1


def _flat_loop(func: Any, arrays: list[np.ndarray]) -> np.ndarray:
    out = np.full(arrays[0].shape, np.nan)
    for idx in np.ndindex(out.shape):
        vals = [arr[idx] for arr in arrays]
        if not any(np.isnan(v) for v in vals):
            out[idx] = func(*vals)
    return out


# --------------------------------------------------------------------------- ratios


def katz_ratio(
    a: ArrayLike,
    n1: ArrayLike,
    c: ArrayLike,
    n2: ArrayLike,
    confidence: float = 0.95,
    *,
    person_time: bool = False,
) -> RatioResult:
    """Disparity ratio RR = (a/n₁)/(c/n₂) of a group against a reference (methods.md §1.4).

    Katz et al. (1978) log interval: SE(ln RR) = √(1/a − 1/n₁ + 1/c − 1/n₂), limits
    RR·exp(±z·SE) — identical to statsmodels ``Table2x2(...).riskratio_confint()``.  With
    ``person_time=True`` (denominators are child-years) SE = √(1/a + 1/c), labelled
    ``wald-log`` as in statsmodels ``confint_poisson_2indep``.

    Zero counts, exactly as §1.4 (arpkit convention):

    * a, c ≥ 1: Katz.
    * a = 0, c ≥ 1: RR = 0 with the exact conditional interval (label ``exact-conditional``):
      lower 0, upper π_U/(1−π_U)·n₂/n₁ where π_U = 1 − (α/2)^{1/c} is the Clopper–Pearson
      bound on π = a/(a+c).
    * c = 0, a ≥ 1: no ratio or interval, reason ``reference_group_zero_events``.
    * a = c = 0: no ratio, reason ``no_events``.
    """
    alpha = alpha_for(confidence)
    z = z_for(confidence)
    (a_, n1_, c_, n2_), scalar = _prepare(a, n1, c, n2, person_time)
    reason = _reasons(a_, n1_, c_, n2_)
    ok = np.equal(reason, None)
    katz = ok & (a_ > 0) & (c_ > 0)
    zero_a = ok & (a_ == 0) & (c_ > 0)

    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (a_ / n1_) / (c_ / n2_)
        if person_time:
            se = np.sqrt(1.0 / a_ + 1.0 / c_)
        else:
            se = np.sqrt(1.0 / a_ - 1.0 / n1_ + 1.0 / c_ - 1.0 / n2_)
        pi_upper = 1.0 - (alpha / 2.0) ** (1.0 / c_)
        zero_upper = _odds_to_ratio(pi_upper, n1_, n2_)
        value = np.where(katz, rr, np.where(zero_a, 0.0, np.nan))
        lower = np.where(katz, rr * np.exp(-z * se), np.where(zero_a, 0.0, np.nan))
        upper = np.where(katz, rr * np.exp(z * se), np.where(zero_a, zero_upper, np.nan))
    se = np.where(katz, se, np.nan)
    method = np.full(a_.shape, None, dtype=object)
    method[katz] = WALD_LOG if person_time else KATZ
    method[zero_a] = EXACT_CONDITIONAL
    return RatioResult(
        finish(value, scalar),
        finish(lower, scalar),
        finish(upper, scalar),
        finish(se, scalar),
        finish(method, scalar),
        finish(reason, scalar),
    )


def exact_conditional_ratio(
    a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike, confidence: float = 0.95
) -> RatioResult:
    """Rate ratio with the exact conditional (Clopper & Pearson 1934) interval (§1.4).

    Conditional on a + c events, a ~ Binomial(a + c, π) with π = n₁θ/(n₁θ + n₂) for rate
    ratio θ.  π_L = B⁻¹(α/2; a, c+1), π_U = B⁻¹(1−α/2; a+1, c), limits π/(1−π)·n₂/n₁.  Exact
    for Poisson rates (and person-time), conservative for binomial risks that are not rare.
    The zero rules and reason codes are those of :func:`katz_ratio`.
    """
    alpha = alpha_for(confidence)
    (a_, n1_, c_, n2_), scalar = _prepare(a, n1, c, n2, person_time=True)
    reason = _reasons(a_, n1_, c_, n2_)
    ok = np.equal(reason, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_lower = np.where(a_ > 0, stats.beta.ppf(alpha / 2.0, a_, c_ + 1.0), 0.0)
        pi_upper = stats.beta.ppf(1.0 - alpha / 2.0, a_ + 1.0, c_)
        value = np.where(ok, (a_ / n1_) / (c_ / n2_), np.nan)
        lower = np.where(ok, _odds_to_ratio(pi_lower, n1_, n2_), np.nan)
        upper = np.where(ok, _odds_to_ratio(pi_upper, n1_, n2_), np.nan)
    method = np.where(ok, EXACT_CONDITIONAL, None).astype(object)
    return RatioResult(
        finish(value, scalar),
        finish(lower, scalar),
        finish(upper, scalar),
        finish(np.full(a_.shape, np.nan), scalar),
        finish(method, scalar),
        finish(reason, scalar),
    )


# --------------------------------------------------------------------------- exact p-values


def _two_sided(pmf: np.ndarray, observed: int, offset: int) -> float:
    """Sum of the probabilities of all outcomes no more likely than the observed one."""
    d = pmf[observed - offset]
    return float(min(1.0, pmf[pmf <= d * _TIE_TOLERANCE].sum()))


def _hypergeom_pmf(n1: int, n2: int, k: int) -> tuple[np.ndarray, int]:
    """Probabilities of a = lo..hi in a 2×2 table with margins n₁, n₂ and k = a + c.

    Built from the mode by the ratio P(x+1)/P(x) = (n₁−x)(k−x)/((x+1)(n₂−k+x+1)) and then
    normalised, which is fast and accurate to ~1e-14 for tables of any size (evaluating each
    term from factorials is slow for large margins).  Returns the probabilities and ``lo``.
    """
    lo, hi = max(0, k - n2), min(k, n1)
    size = hi - lo + 1
    mode = min(max((k + 1) * (n1 + 1) // (n1 + n2 + 2), lo), hi) - lo
    x = np.arange(lo, hi, dtype=float)
    step = (n1 - x) * (k - x) / ((x + 1.0) * (n2 - k + x + 1.0))
    weight = np.empty(size)
    weight[mode] = 1.0
    weight[mode + 1 :] = np.cumprod(step[mode:])
    weight[:mode] = np.cumprod(1.0 / step[:mode][::-1])[::-1]
    return weight / weight.sum(), lo


def _fisher_one(a: float, n1: float, c: float, n2: float) -> float:
    pmf, lo = _hypergeom_pmf(int(n1), int(n2), int(a) + int(c))
    return _two_sided(pmf, int(a), lo)


def _conditional_one(a: float, n1: float, c: float, n2: float) -> float:
    k = round(a + c)
    if k == 0:
        return 1.0
    pmf = stats.binom.pmf(np.arange(k + 1), k, n1 / (n1 + n2))
    return _two_sided(pmf, round(a), 0)


def _check_integers(name: str, values: np.ndarray) -> None:
    finite = values[~np.isnan(values)]
    if np.any(finite != np.round(finite)):
        raise ValueError(f"{name} must be whole numbers for an exact test; found {finite!r}")


def fisher_p(a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike) -> Any:
    """Two-sided Fisher exact p-value for [[a, n₁−a], [c, n₂−c]] (methods.md §1.6).

    Two-sided by summing the hypergeometric probabilities of all tables no more likely than the
    one observed (relative tolerance 1e-7), as ``scipy.stats.fisher_exact`` and R
    ``fisher.test``.  Shown beside the interval flag, never instead of it.
    """
    (a_, n1_, c_, n2_), scalar = _prepare(a, n1, c, n2, person_time=False)
    for name, arr in (("a", a_), ("n1", n1_), ("c", c_), ("n2", n2_)):
        _check_integers(name, arr)
    return finish(_flat_loop(_fisher_one, [a_, n1_, c_, n2_]), scalar)


def exact_conditional_p(a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike) -> Any:
    """Exact conditional Poisson test of equal rates (Przyborowski & Wilenski 1940; §1.6).

    Given a + c events, a ~ Binomial(a + c, π₀ = n₁/(n₁ + n₂)) under equal rates; two-sided
    by the same "no more likely" rule as Fisher.  Equals ``scipy.stats.binomtest`` and
    statsmodels ``test_poisson_2indep(..., method="exact-cond")``.  Defined when the reference
    group has no events, so it can be shown where no ratio can (§1.4).  n₁, n₂ may be
    person-time; a zero denominator gives NaN.
    """
    (a_, n1_, c_, n2_), scalar = _prepare(a, n1, c, n2, person_time=True)
    _check_integers("a", a_)
    _check_integers("c", c_)
    n1_ = np.where((n1_ > 0) & (n2_ > 0), n1_, np.nan)
    return finish(_flat_loop(_conditional_one, [a_, n1_, c_, n2_]), scalar)


# --------------------------------------------------------------------------- DI


def disproportionality_index(
    o: ArrayLike,
    pop: ArrayLike,
    total_o: ArrayLike,
    total_pop: ArrayLike,
    confidence: float = 0.95,
) -> DIResult:
    """Disproportionality index DI = O/E with E = n·X/N (methods.md §1.3; Hill 2006).

    Equivalently the group's rate over the overall rate, or its share of the system over its
    share of the population.  Above 1 is over-representation.  Interval: the ISR form, Poisson
    limits of O (exact below 10, Byar from 10) divided by E held fixed, PHE's indirectly
    standardised ratio with one stratum.  Because O is part of X the interval is conservative,
    most for a group that is a large share of the total; :func:`group_vs_rest` is the
    independent-groups alternative.  X and N are the known-ethnicity totals (§0).
    """
    (o_, pop_, x_, n_), scalar = to_arrays(count=o, population=pop, total=total_o,
                                          total_population=total_pop)
    check_non_negative("count", o_)
    check_non_negative("population", pop_)
    check_not_above("count", o_, "the total count", x_)
    check_not_above("population", pop_, "the total population", n_)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(n_ > 0, pop_ * x_ / n_, np.nan)
    value, lower, upper = ratio_to_expected(o_, expected, confidence)
    method = np.asarray(poisson_method(o_), dtype=object)
    method[np.isnan(np.asarray(value, dtype=float))] = None
    return DIResult(
        finish(value, scalar),
        finish(lower, scalar),
        finish(upper, scalar),
        finish(expected, scalar),
        finish(method, scalar),
    )


def group_vs_rest(
    o: ArrayLike,
    pop: ArrayLike,
    total_o: ArrayLike,
    total_pop: ArrayLike,
    confidence: float = 0.95,
) -> RatioResult:
    """A group's rate against the rest of the population, Katz (methods.md §1.3, §5.4).

    The optional independent-groups alternative to the DI interval: RR of O/n against
    (X − O)/(N − n), with :func:`katz_ratio`'s zero rules.
    """
    (o_, pop_, x_, n_), scalar = to_arrays(count=o, population=pop, total=total_o,
                                          total_population=total_pop)
    check_not_above("count", o_, "the total count", x_)
    check_not_above("population", pop_, "the total population", n_)
    if not scalar:
        return katz_ratio(o_, pop_, x_ - o_, n_ - pop_, confidence)
    return katz_ratio(float(o_), float(pop_), float(x_ - o_), float(n_ - pop_), confidence)


# --------------------------------------------------------------------------- WRES


def band_position(value: ArrayLike, band: tuple[float, float] = WRES_BAND) -> Any:
    """Position of a ratio against a practical-significance band: below, within or above.

    The band is inclusive (0.80 and 1.25 are within), applied to the unrounded value;
    ``None`` where there is no value (methods.md §2.2).
    """
    low, high = _check_band(band)
    (v,), scalar = to_arrays(value=value)
    out = np.full(v.shape, "within", dtype=object)
    out[v < low] = "below"
    out[v > high] = "above"
    out[np.isnan(v)] = None
    return finish(out, scalar)


def _check_band(band: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in band)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"band must be a pair of numbers (low, high), not {band!r}") from exc
    if not 0.0 < low <= 1.0 <= high:
        raise ValueError(f"band must satisfy 0 < low <= 1 <= high, not {band!r}")
    return low, high


def relative_likelihood(
    minority_events: ArrayLike,
    minority_base: ArrayLike,
    white_events: ArrayLike,
    white_base: ArrayLike,
    *,
    beneficial: bool,
    confidence: float = 0.95,
    band: tuple[float, float] = WRES_BAND,
) -> RLResult:
    """WRES-style relative likelihood RL = (e_A/h_A)/(e_B/h_B) (methods.md §2.1).

    arpkit convention: RL > 1 is always adverse to ethnic-minority staff.  For a beneficial
    outcome (appointment from shortlisting, non-mandatory training) A = White, B = minority;
    for an adverse one (formal disciplinary, fitness-to-practise referral, leaving)
    A = minority, B = White.  This reproduces NHS WRES indicators 2–4.

    Reported as three separate things (§2.2): the RL with its Katz interval and §1.4's zero
    rules; its position against the practical-significance band (default 0.80–1.25, the
    four-fifths rule); and statistical significance (the interval excludes 1).
    """
    if not isinstance(beneficial, bool):
        raise ValueError(f"beneficial must be True or False, not {beneficial!r}")
    _check_band(band)
    if beneficial:
        args = (white_events, white_base, minority_events, minority_base)
    else:
        args = (minority_events, minority_base, white_events, white_base)
    scalar = all(np.ndim(x) == 0 for x in args)
    res = katz_ratio(*args, confidence=confidence)
    lower, upper = np.asarray(res.lower, dtype=float), np.asarray(res.upper, dtype=float)
    flag = np.asarray(interval_flag(lower, upper), dtype=object)
    significant = np.where(np.equal(flag, None), None, flag != "not significant").astype(object)
    return RLResult(
        res.value,
        res.lower,
        res.upper,
        res.se_log,
        res.method,
        res.reason,
        band_position(res.value, band),
        finish(significant, scalar),
        "white" if beneficial else "minority",
    )
