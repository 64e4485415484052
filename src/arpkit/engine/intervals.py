"""Confidence limits for counts, rates, proportions and observed/expected ratios.

These are the building blocks of every arpkit statistic (docs methods.md §1.1–1.3, the PHE
*Technical Guide: Confidence Intervals*, 2018).  They are plain numeric functions, vectorised
over numpy arrays, because they are applied to aggregated count tables produced by Ibis on
DuckDB or Spark: doing the arithmetic here, once, gives every backend identical numbers.

Conventions shared by the statistics modules (``ratios``, ``funnel``, ``trends``):

* Inputs are scalars or array-likes; they are broadcast together.  All-scalar input gives
  Python ``float`` results, anything else gives numpy arrays.
* ``confidence`` is two-sided (0.95 default; PHE's other level is 0.998).  z always comes
  from the normal quantile, never a hard-coded 1.96 (methods.md §0): with 1.96 the Byar
  limits move by 1e-6 to 1e-5 relative.
* A missing count (NaN) gives NaN results; a negative count, or more events than people
  where that is impossible, is a programming error and raises :class:`ValueError`.
* Compute from exact, unsuppressed counts; suppress and round only on output (§0, §3).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

#: Two-sided 95% normal quantile, Φ⁻¹(0.975) (methods.md §0).
Z95: float = float(stats.norm.ppf(0.975))
#: Two-sided 99.8% normal quantile, Φ⁻¹(0.999) (methods.md §0).
Z998: float = float(stats.norm.ppf(0.999))

#: Counts below this use the exact (Garwood) Poisson limits, at or above it Byar's (§1.1).
BYAR_FROM: int = 10

#: Interval method labels, written beside every interval so output names its method (§1.6).
EXACT = "exact"
BYAR = "byar"
WILSON = "wilson"

Number = float | np.ndarray


# --------------------------------------------------------------------------- shared helpers


def alpha_for(confidence: float) -> float:
    """α = 1 − confidence, tidied to 15 significant digits.

    ``1 - 0.95`` is 0.050000000000000044 in binary floating point; tidying recovers the
    intended decimal so that, for example, U(0) at 95% is exactly −ln(0.025) as published.
    """
    if not isinstance(confidence, int | float) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1 (e.g. 0.95), "
            f"not {confidence!r}"
        )
    return float(f"{1.0 - float(confidence):.15g}")


def z_for(confidence: float) -> float:
    """Two-sided normal quantile z = Φ⁻¹(1 − α/2) for ``confidence`` (methods.md §0)."""
    if confidence == 0.95:
        return Z95
    if confidence == 0.998:
        return Z998
    return float(stats.norm.ppf(1.0 - alpha_for(confidence) / 2.0))


def to_arrays(**named: ArrayLike) -> tuple[list[np.ndarray], bool]:
    """Broadcast the named inputs to float arrays; also say whether they were all scalars.

    Names are only used in error messages.  Shared by the statistics modules.
    """
    arrays = []
    scalar = True
    for name, value in named.items():
        if np.ndim(value) != 0:
            scalar = False
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric, not {value!r}") from exc
        arrays.append(arr)
    try:
        arrays = [np.array(a) for a in np.broadcast_arrays(*arrays)]
    except ValueError as exc:
        shapes = ", ".join(f"{n} {np.shape(v)}" for n, v in named.items())
        raise ValueError(f"inputs cannot be broadcast together: {shapes}") from exc
    return arrays, scalar


def check_non_negative(name: str, values: np.ndarray) -> None:
    """Raise if any (non-missing) value is negative: counts and populations cannot be."""
    bad = values < 0
    if np.any(bad):
        raise ValueError(f"{name} must not be negative; found {_show(values[bad].flat[0])}")


def check_not_above(name: str, values: np.ndarray, limit_name: str, limits: np.ndarray) -> None:
    """Raise if a count exceeds its denominator (x of n with x > n is impossible)."""
    bad = values > limits
    if np.any(bad):
        idx = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must not exceed {limit_name}; found {name} {_show(values[tuple(idx)])} "
            f"with {limit_name} {_show(limits[tuple(idx)])}"
        )


def _show(value: float) -> str:
    return f"{float(value):g}"


def finish(values: np.ndarray, scalar: bool) -> Any:
    """A Python scalar (float, str, bool or None) for all-scalar input, else the array."""
    if not scalar:
        return values
    item = np.asarray(values).reshape(()).item()
    return item


def interval_flag(lower: ArrayLike, upper: ArrayLike, benchmark: ArrayLike = 1.0) -> Any:
    """Significance flag from a reported interval (methods.md §1.6, arpkit convention).

    ``"higher"`` when the lower limit is above the benchmark (1 for a ratio, B for a rate
    against England), ``"lower"`` when the upper limit is below it, otherwise
    ``"not significant"``; ``None`` where the interval is missing.  The flag always comes from
    the interval that is reported, never from a separate test.
    """
    (lo, up, b), scalar = to_arrays(lower=lower, upper=upper, benchmark=benchmark)
    out = np.full(lo.shape, "not significant", dtype=object)
    out[lo > b] = "higher"
    out[up < b] = "lower"
    out[np.isnan(lo) | np.isnan(up) | np.isnan(b)] = None
    return finish(out, scalar)


# --------------------------------------------------------------------------- Poisson limits


class Limits(NamedTuple):
    lower: Number
    upper: Number


class Estimate(NamedTuple):
    value: Number
    lower: Number
    upper: Number


def exact_poisson_limits(o: ArrayLike, confidence: float = 0.95) -> Limits:
    """Exact (Garwood 1936) limits for a Poisson count O (methods.md §1.1).

    L = ½χ²_{α/2}(2O), U = ½χ²_{1−α/2}(2O+2); for O = 0, L = 0 and U = −ln(α/2) (the closed
    form of ½χ²_{1−α/2}(2)).  Non-integer O (weighted counts) is allowed.
    """
    alpha = alpha_for(confidence)
    (o,), scalar = to_arrays(o=o)
    check_non_negative("count", o)
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * o) / 2.0, 0.0)
        upper = np.where(
            o > 0, stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * o + 2.0) / 2.0, -math.log(alpha / 2.0)
        )
    lower = np.where(np.isnan(o), np.nan, lower)
    upper = np.where(np.isnan(o), np.nan, upper)
    return Limits(finish(lower, scalar), finish(upper, scalar))


def byar_limits(o: ArrayLike, confidence: float = 0.95) -> Limits:
    """Byar's approximation to the Poisson limits (Breslow & Day 1987; methods.md §1.1).

    L = O·(1 − 1/(9O) − z/(3√O))³, U = (O+1)·(1 − 1/(9(O+1)) + z/(3√(O+1)))³.

    This is the primitive, with no switch to the exact method: at very small O it is
    inaccurate and the lower limit can even be negative (it is returned as computed, so it can
    be compared with PHE's test data).  For O = 0 the lower formula is undefined and 0 is
    returned.  Use :func:`poisson_limits` for reporting.
    """
    z = z_for(confidence)
    (o,), scalar = to_arrays(o=o)
    check_non_negative("count", o)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(o > 0, o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))) ** 3, 0.0)
    o1 = o + 1.0
    upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    lower = np.where(np.isnan(o), np.nan, lower)
    return Limits(finish(lower, scalar), finish(upper, scalar))


def poisson_limits(o: ArrayLike, confidence: float = 0.95) -> Limits:
    """Confidence limits for a Poisson count, PHE/Fingertips method (methods.md §1.1).

    Exact (Garwood) for O < 10 — with U(0) = −ln(α/2) — and Byar for O ≥ 10, where PHE's
    Technical Guide (2018) reports Byar within 0.2% of exact at 95%.
    """
    (arr,), scalar = to_arrays(o=o)
    check_non_negative("count", arr)
    ex_lo, ex_up = exact_poisson_limits(arr, confidence)
    by_lo, by_up = byar_limits(arr, confidence)
    use_byar = arr >= BYAR_FROM
    lower = np.where(use_byar, by_lo, ex_lo)
    upper = np.where(use_byar, by_up, ex_up)
    return Limits(finish(lower, scalar), finish(upper, scalar))


def poisson_method(o: ArrayLike) -> Any:
    """The label of the method :func:`poisson_limits` uses for each count: exact or byar."""
    (arr,), scalar = to_arrays(o=o)
    out = np.where(arr >= BYAR_FROM, BYAR, EXACT).astype(object)
    out[np.isnan(arr)] = None
    return finish(out, scalar)


# --------------------------------------------------------------------------- rates and ratios


def rate_limits(
    o: ArrayLike, n: ArrayLike, multiplier: float = 10000, confidence: float = 0.95
) -> Estimate:
    """Crude rate per ``multiplier`` with PHE Poisson limits (methods.md §1.2).

    r = m·O/n, limits m·L(O)/n and m·U(O)/n, with L, U from :func:`poisson_limits` (exact below
    10, Byar from 10).  A zero denominator gives NaN (no rate), not an error.
    """
    (o_arr, n_arr), scalar = to_arrays(count=o, denominator=n)
    check_non_negative("denominator", n_arr)
    lower, upper = poisson_limits(o_arr, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_arr > 0, multiplier / n_arr, np.nan)
    return Estimate(
        finish(o_arr * scale, scalar), finish(lower * scale, scalar), finish(upper * scale, scalar)
    )


def ratio_to_expected(o: ArrayLike, e: ArrayLike, confidence: float = 0.95) -> Estimate:
    """Observed/expected ratio with E treated as fixed: the ISR form (methods.md §1.3).

    Ratio O/E with limits L(O)/E and U(O)/E (the §1.1 switch).  This is PHE's indirectly
    standardised ratio; with one stratum and E = n·X/N it is the disproportionality index,
    with age strata it is the age-adjusted DI.  E = 0 gives NaN.
    """
    (o_arr, e_arr), scalar = to_arrays(observed=o, expected=e)
    check_non_negative("expected", e_arr)
    lower, upper = poisson_limits(o_arr, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(e_arr > 0, 1.0 / e_arr, np.nan)
    return Estimate(
        finish(o_arr * inv, scalar), finish(lower * inv, scalar), finish(upper * inv, scalar)
    )


# --------------------------------------------------------------------------- proportions


def wilson_limits(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Limits:
    """Wilson (1927) score limits for a proportion x/n (methods.md §1.2; Newcombe 1998; PHE).

    L, U = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)), with x = 0 giving L = 0 and x = n
    giving U = 1 exactly.  n = 0 gives NaN.  x may be non-integer (PHE tests 0.445/1).
    """
    z = z_for(confidence)
    (x_arr, n_arr), scalar = to_arrays(numerator=x, denominator=n)
    check_non_negative("numerator", x_arr)
    check_non_negative("denominator", n_arr)
    check_not_above("numerator", x_arr, "denominator", n_arr)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x_arr / n_arr
        root = z * np.sqrt(z2 + 4.0 * x_arr * (1.0 - p))
        denom = 2.0 * (n_arr + z2)
        lower = (2.0 * x_arr + z2 - root) / denom
        upper = (2.0 * x_arr + z2 + root) / denom
    lower = np.where(x_arr == 0, 0.0, lower)
    upper = np.where((x_arr == n_arr) & (n_arr > 0), 1.0, upper)
    empty = ~(n_arr > 0)
    lower = np.where(empty, np.nan, lower)
    upper = np.where(empty, np.nan, upper)
    return Limits(finish(lower, scalar), finish(upper, scalar))


def proportion_limits(
    x: ArrayLike, n: ArrayLike, multiplier: float = 1, confidence: float = 0.95
) -> Estimate:
    """Proportion x/n (times ``multiplier``, e.g. 100 for a percentage) with Wilson limits.

    The form used for any "x of n" share such as a stage conversion (methods.md §1.2, §1.5).
    """
    (x_arr, n_arr), scalar = to_arrays(numerator=x, denominator=n)
    lower, upper = wilson_limits(x_arr, n_arr, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n_arr > 0, x_arr / n_arr, np.nan)
    return Estimate(
        finish(p * multiplier, scalar),
        finish(lower * multiplier, scalar),
        finish(upper * multiplier, scalar),
    )
