"""Funnel plots: comparing many teams or authorities on one indicator against a benchmark.

methods.md §1.7 (Spiegelhalter 2005, *Stat Med* 24:1185–1202; PHE Fingertips), with control
limits at 95% and 99.8% ("2 and 3 sigma").  Proportions use the normal closed form; crude
rates and observed/expected ratios use Poisson limits.

Overdispersion (arpkit convention): real units vary more than binomial or Poisson noise, which
inflates the number of "outliers".  Spiegelhalter's multiplicative and random-effects
adjustments are not applied; neither are they in PHE's standard funnels.  Outputs should say
"no overdispersion adjustment".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from arpkit.engine.intervals import (
    Limits,
    exact_poisson_limits,
    finish,
    poisson_limits,
    to_arrays,
    z_for,
)

#: The two control-limit levels, as two-sided confidence: one-sided 0.025 and 0.001.
LEVELS: tuple[float, float] = (0.95, 0.998)

LOW_001 = "Low (0.001)"
LOW_025 = "Low (0.025)"
HIGH_001 = "High (0.001)"
HIGH_025 = "High (0.025)"
NOT_SIGNIFICANT = "Not significant"
#: Classification labels exactly as methods.md §1.7, in the order they are tested.
LABELS: tuple[str, ...] = (LOW_001, LOW_025, HIGH_001, HIGH_025, NOT_SIGNIFICANT)


def _level_name(confidence: float) -> str:
    """Column suffix for a level: 0.95 → ``95``, 0.998 → ``99_8``."""
    return f"{confidence * 100:.10g}".replace(".", "_")


def _classify(
    low_001: np.ndarray, low_025: np.ndarray, high_001: np.ndarray, high_025: np.ndarray,
    missing: np.ndarray,
) -> np.ndarray:
    out = np.full(low_001.shape, NOT_SIGNIFICANT, dtype=object)
    # Assign in reverse order of precedence so the first matching test of §1.7 wins.
    out[high_025] = HIGH_025
    out[high_001] = HIGH_001
    out[low_025] = LOW_025
    out[low_001] = LOW_001
    out[missing] = None
    return out


# --------------------------------------------------------------------------- proportions


def proportion_benchmark(x: ArrayLike, n: ArrayLike) -> float:
    """The funnel benchmark for proportions, p̄ = Σx/Σn over the units compared (§1.7)."""
    (x_, n_), _ = to_arrays(numerator=x, denominator=n)
    total = float(np.nansum(n_))
    if total <= 0:
        raise ValueError("the funnel benchmark needs a positive total denominator")
    return float(np.nansum(x_)) / total


def proportion_funnel_limits(
    n: ArrayLike, benchmark: float, confidence: float = 0.95
) -> Limits:
    """Control limits for a proportion at denominator n: p̄ ± z·√(p̄(1−p̄)/n), clipped to [0, 1].

    methods.md §1.7: PHE writes this as the root of a quadratic in the count, which reduces
    algebraically to this closed form (it matches PHE's published unit tests to 3e-14).
    """
    if not 0.0 <= benchmark <= 1.0:
        raise ValueError(f"a proportion benchmark must lie in [0, 1], not {benchmark!r}")
    z = z_for(confidence)
    (n_,), scalar = to_arrays(denominator=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(benchmark * (1.0 - benchmark) / np.where(n_ > 0, n_, np.nan))
    lower = np.clip(benchmark - half, 0.0, 1.0)
    upper = np.clip(benchmark + half, 0.0, 1.0)
    return Limits(finish(lower, scalar), finish(upper, scalar))


def classify_proportion(x: ArrayLike, n: ArrayLike, benchmark: float | None = None) -> Any:
    """Funnel classification of each unit's proportion x/n (methods.md §1.7).

    In order: below the lower 99.8% limit → "Low (0.001)"; below the lower 95% → "Low (0.025)";
    above the upper 99.8% → "High (0.001)"; above the upper 95% → "High (0.025)"; otherwise
    "Not significant".  ``benchmark`` defaults to Σx/Σn; pass England's value to compare with it.
    """
    (x_, n_), scalar = to_arrays(numerator=x, denominator=n)
    p_bar = proportion_benchmark(x_, n_) if benchmark is None else float(benchmark)
    lo95, up95 = proportion_funnel_limits(n_, p_bar, 0.95)
    lo998, up998 = proportion_funnel_limits(n_, p_bar, 0.998)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x_ / n_
    out = _classify(p < lo998, p < lo95, p > up998, p > up95, ~(n_ > 0) | np.isnan(x_))
    return finish(out, scalar)


def proportion_funnel_curve(
    benchmark: float, n: ArrayLike, levels: tuple[float, ...] = LEVELS
) -> pd.DataFrame:
    """Points for drawing the proportion funnel: a row per denominator in ``n`` with columns
    ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8`` (for the default levels)."""
    (n_,), _ = to_arrays(denominator=n)
    frame = {"n": np.atleast_1d(n_)}
    for level in levels:
        lower, upper = proportion_funnel_limits(frame["n"], benchmark, level)
        frame[f"lower_{_level_name(level)}"] = lower
        frame[f"upper_{_level_name(level)}"] = upper
    return pd.DataFrame(frame)


# --------------------------------------------------------------------------- Poisson


def poisson_benchmark(o: ArrayLike, n: ArrayLike) -> float:
    """The funnel benchmark for crude rates, r̄ = ΣO/Σn (§1.7).  For O/E ratios pass E as n;
    with E computed at the overall rate the benchmark is 1."""
    (o_, n_), _ = to_arrays(count=o, denominator=n)
    total = float(np.nansum(n_))
    if total <= 0:
        raise ValueError("the funnel benchmark needs a positive total denominator")
    return float(np.nansum(o_)) / total


def classify_poisson(o: ArrayLike, n: ArrayLike, benchmark: float | None = None) -> Any:
    """Funnel classification of crude rates O/n or O/E ratios (n = E) (methods.md §1.7).

    A unit is high when its own interval lies above the benchmark, L(O)/n > r̄, and low when
    U(O)/n < r̄, with L and U the §1.1 limits (exact below 10, Byar from 10) — PHE's funnel
    rule.  Labels as for proportions: the 99.8% interval gives "(0.001)", the 95% "(0.025)".
    Rates are per unit of n; scale both sides by the same multiplier for display.
    """
    (o_, n_), scalar = to_arrays(count=o, denominator=n)
    r_bar = poisson_benchmark(o_, n_) if benchmark is None else float(benchmark)
    lo95, up95 = poisson_limits(o_, 0.95)
    lo998, up998 = poisson_limits(o_, 0.998)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(n_ > 0, 1.0 / n_, np.nan)
        out = _classify(
            up998 * inv < r_bar,
            up95 * inv < r_bar,
            lo998 * inv > r_bar,
            lo95 * inv > r_bar,
            ~(n_ > 0) | np.isnan(o_),
        )
    return finish(out, scalar)


def poisson_funnel_curve(
    benchmark: float, max_count: int, confidence: float = 0.95
) -> pd.DataFrame:
    """Points for drawing one pair of Poisson funnel curves (methods.md §1.7).

    For each integer O = 0..max_count, the lower curve passes through (n = U(O)/r̄, value
    r̄·O/U(O)) and the upper through (n = L(O)/r̄, value r̄·O/L(O)), with L, U the exact Poisson
    limits at one-sided (1 − confidence)/2.  PHE finds these by bisection; this χ² closed form
    agrees with PHE's bisection to about 3e-7 relative (§5.2).  The upper curve has no point at
    O = 0 (NaN).  Columns: ``count``, ``lower_n``, ``lower``, ``upper_n``, ``upper``.
    """
    if benchmark <= 0:
        raise ValueError(f"a Poisson funnel benchmark must be positive, not {benchmark!r}")
    if int(max_count) != max_count or max_count < 1:
        raise ValueError(f"max_count must be a positive whole number, not {max_count!r}")
    counts = np.arange(int(max_count) + 1, dtype=float)
    lower_o, upper_o = exact_poisson_limits(counts, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        upper_n = np.where(counts > 0, lower_o / benchmark, np.nan)
        upper = np.where(counts > 0, benchmark * counts / lower_o, np.nan)
    return pd.DataFrame(
        {
            "count": counts.astype(int),
            "lower_n": upper_o / benchmark,
            "lower": benchmark * counts / upper_o,
            "upper_n": upper_n,
            "upper": upper,
        }
    )
