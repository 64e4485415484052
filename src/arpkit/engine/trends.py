"""Change between two periods: for a rate, a proportion, and a ratio measure (DI, disparity
ratio, RRI).

Each result carries an estimate of the change, its interval, a ``significant`` flag taken from
that interval (methods.md §1.6: the flag always comes from the reported interval), a
``direction`` and an optional exact or approximate p-value shown beside the flag.

Periods are compared as independent samples.  Successive years share many children (the same
population, and for 31 March snapshots the same open cases), which makes the two periods'
estimates positively correlated; ignoring that overstates the variance of the change, so the
intervals here are conservative rather than anti-conservative.  Compare like with like: one
denominator series, and never a 31 March snapshot against an in-year flow (§1.5, §6.1).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from arpkit.engine.intervals import (
    Number,
    check_non_negative,
    check_not_above,
    finish,
    interval_flag,
    to_arrays,
    wilson_limits,
    z_for,
)
from arpkit.engine.ratios import (
    REFERENCE_ZERO,
    exact_conditional_p,
    fisher_p,
    katz_ratio,
)

NEWCOMBE = "newcombe-hybrid-score"
LOG_RATIO_Z = "log-ratio-z"

#: Reason code for a rate change whose earlier period has no events (§1.4's
#: ``reference_group_zero_events`` with the earlier period as the reference).
EARLIER_ZERO = "earlier_period_zero_events"
NO_RATIO = "zero_or_missing_ratio"
NO_DENOMINATOR = "zero_denominator"

_DIRECTION = {"higher": "increase", "lower": "decrease", "not significant": "no significant change"}


class ChangeResult(NamedTuple):
    """A change between an earlier period (1) and a later one (2)."""

    estimate: Number  # rate ratio r2/r1, difference p2 − p1, or ratio of ratios R2/R1
    lower: Number
    upper: Number
    significant: Any  # True | False | None (no interval)
    direction: Any  # "increase" | "decrease" | "no significant change" | None
    p_value: Number
    method: Any
    reason: Any


def _flags(lower: np.ndarray, upper: np.ndarray, null: float, scalar: bool) -> tuple[Any, Any]:
    flag = np.asarray(interval_flag(lower, upper, null), dtype=object)
    missing = np.equal(flag, None)
    significant = np.where(missing, None, flag != "not significant").astype(object)
    direction = np.array([None if f is None else _DIRECTION[f] for f in flag.flat], dtype=object)
    return finish(significant, scalar), finish(direction.reshape(flag.shape), scalar)


def rate_change(
    o1: ArrayLike,
    n1: ArrayLike,
    o2: ArrayLike,
    n2: ArrayLike,
    confidence: float = 0.95,
    *,
    person_time: bool = False,
) -> ChangeResult:
    """Change in a rate between two periods, as the ratio of rates (o₂/n₂)/(o₁/n₁).

    Why Katz: a rate per 10,000 children counts children out of a population of children, a
    risk, so the change is the disparity ratio of §1.4 with the earlier period as reference.
    arpkit reports the Katz log interval (statsmodels ``Table2x2.riskratio_confint``), with the
    §1.4 zero rules (no later events: exact conditional upper limit; no earlier events: no
    ratio, reason ``earlier_period_zero_events``), and takes the flag from it.  The exact
    conditional Poisson test (§1.6, a binomial test of o₂ given o₁ + o₂) is exact where Katz is
    approximate, so it is given as ``p_value`` beside the flag, never instead of it; at the
    margin the two can disagree.  ``person_time=True`` (child-years) uses SE = √(1/o₁ + 1/o₂).
    """
    res = katz_ratio(o2, n2, o1, n1, confidence, person_time=person_time)
    (o1_, n1_, o2_, n2_), scalar = to_arrays(o1=o1, n1=n1, o2=o2, n2=n2)
    lower = np.asarray(res.lower, dtype=float)
    upper = np.asarray(res.upper, dtype=float)
    reason = np.asarray(res.reason, dtype=object).copy()
    reason[np.equal(reason, REFERENCE_ZERO)] = EARLIER_ZERO
    p_value = np.asarray(exact_conditional_p(o2_, n2_, o1_, n1_), dtype=float)
    significant, direction = _flags(lower, upper, 1.0, scalar)
    return ChangeResult(
        res.value, res.lower, res.upper, significant, direction,
        finish(p_value, scalar), res.method, finish(reason, scalar),
    )


def proportion_change(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, confidence: float = 0.95
) -> ChangeResult:
    """Change in a proportion (e.g. a stage conversion) as the difference p₂ − p₁.

    Interval: Newcombe's (1998, method 10) hybrid score interval built from the two Wilson
    intervals (l₁, u₁), (l₂, u₂) of §1.2: with δ = p₂ − p₁,
    L = δ − √((p₂ − l₂)² + (u₁ − p₁)²) and U = δ + √((u₂ − p₂)² + (p₁ − l₁)²).  It keeps
    Wilson's good behaviour at small counts and at 0 or 100%, where the Wald interval fails.
    Significant when the interval excludes 0.  ``p_value``: Fisher's exact test (§1.6).
    """
    (x1_, n1_, x2_, n2_), scalar = to_arrays(x1=x1, n1=n1, x2=x2, n2=n2)
    for name, arr in (("x1", x1_), ("n1", n1_), ("x2", x2_), ("n2", n2_)):
        check_non_negative(name, arr)
    check_not_above("x1", x1_, "n1", n1_)
    check_not_above("x2", x2_, "n2", n2_)
    l1, u1 = wilson_limits(x1_, n1_, confidence)
    l2, u2 = wilson_limits(x2_, n2_, confidence)
    ok = (n1_ > 0) & (n2_ > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(ok, x1_ / n1_, np.nan)
        p2 = np.where(ok, x2_ / n2_, np.nan)
    delta = p2 - p1
    lower = delta - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = delta + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    p_value = np.asarray(
        fisher_p(x2_, np.where(ok, n2_, np.nan), x1_, np.where(ok, n1_, np.nan)), dtype=float
    )
    significant, direction = _flags(lower, upper, 0.0, scalar)
    method = np.where(np.isnan(delta), None, NEWCOMBE).astype(object)
    reason = np.where(ok | np.isnan(n1_) | np.isnan(n2_), None, NO_DENOMINATOR).astype(object)
    return ChangeResult(
        finish(delta, scalar), finish(lower, scalar), finish(upper, scalar), significant,
        direction, finish(p_value, scalar), finish(method, scalar), finish(reason, scalar),
    )


def ratio_change(
    r1: ArrayLike,
    se1: ArrayLike,
    r2: ArrayLike,
    se2: ArrayLike,
    confidence: float = 0.95,
) -> ChangeResult:
    """Change in a ratio measure (DI, disparity ratio, RRI, RL) between two periods.

    Test of the difference of logs: d = ln R₂ − ln R₁ with SE = √(SE₁² + SE₂²), z = d/SE,
    two-sided p = 2·(1 − Φ(|z|)); the estimate is R₂/R₁ with interval exp(d ± z·SE).
    SE₁, SE₂ are SE(ln R): ``katz_ratio(...).se_log`` for a disparity ratio, or
    :func:`di_log_se` for a DI.

    The approximation: ln R is treated as normal, which is poor below about 10 events and
    undefined for a zero ratio (no estimate, reason ``zero_or_missing_ratio``); the periods are
    treated as independent (conservative, see the module docstring); and for a DI the expected
    count is treated as fixed, as in its ISR interval (§1.3).
    """
    z = z_for(confidence)
    (r1_, se1_, r2_, se2_), scalar = to_arrays(r1=r1, se1=se1, r2=r2, se2=se2)
    ok = (r1_ > 0) & (r2_ > 0) & np.isfinite(r1_) & np.isfinite(r2_)
    ok &= np.isfinite(se1_) & np.isfinite(se2_) & (se1_ >= 0) & (se2_ >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(ok, np.log(r2_) - np.log(r1_), np.nan)
        se = np.sqrt(se1_**2 + se2_**2)
        stat = d / se
    estimate = np.exp(d)
    lower = np.exp(d - z * se)
    upper = np.exp(d + z * se)
    p_value = np.where(ok, 2.0 * stats.norm.sf(np.abs(stat)), np.nan)
    significant, direction = _flags(lower, upper, 1.0, scalar)
    method = np.where(ok, LOG_RATIO_Z, None).astype(object)
    reason = np.where(ok, None, NO_RATIO).astype(object)
    return ChangeResult(
        finish(estimate, scalar), finish(lower, scalar), finish(upper, scalar), significant,
        direction, finish(p_value, scalar), finish(method, scalar), finish(reason, scalar),
    )


def di_log_se(o: ArrayLike) -> Any:
    """SE(ln DI) ≈ 1/√O, treating the expected count as fixed (the ISR form of §1.3).

    Because O is part of the total X the true variance is nearer 1/O − 1/X, so this is
    conservative, like the DI interval itself.  O = 0 gives NaN (no log).
    """
    (o_,), scalar = to_arrays(count=o)
    check_non_negative("count", o_)
    with np.errstate(divide="ignore"):
        se = np.where(o_ > 0, 1.0 / np.sqrt(o_), np.nan)
    return finish(se, scalar)
