"""Adjusting p-values for multiple comparisons: Holm and Benjamini–Hochberg (methods.md §1.8).

Groups × stages × teams × years multiply false alarms.  Every output names its *family* (the
set of p-values adjusted together) and the method; intervals stay per-comparison unless stated.

* **Holm (1979)** controls the family-wise error rate: for small pre-specified families, such
  as all groups against the reference at one stage in one year.
* **Benjamini–Hochberg (1995)** controls the false discovery rate: for screens across many
  teams or authorities.

Missing p-values (NaN, e.g. a ratio with no events) are left out of the family: they do not
count towards m and stay NaN.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

HOLM = "holm"
BH = "bh"
METHODS: tuple[str, ...] = (HOLM, BH)


def _prepare(p: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.asarray(p, dtype=float)
    if values.ndim > 1:
        raise ValueError("p-values must be a flat list: one family per call")
    values = np.atleast_1d(values)
    present = ~np.isnan(values)
    bad = present & ((values < 0) | (values > 1))
    if np.any(bad):
        raise ValueError(f"p-values must lie in [0, 1]; found {values[bad][0]!r}")
    order = np.flatnonzero(present)[np.argsort(values[present], kind="stable")]
    return values, present, order


def holm(p: ArrayLike) -> Any:
    """Holm's step-down adjusted p-values (Holm 1979; methods.md §1.8).

    With p₍₁₎ ≤ … ≤ p₍ₘ₎: p̃₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).  Returned in the
    input order.
    """
    values, _, order = _prepare(p)
    m = order.size
    out = np.full(values.shape, np.nan)
    if m:
        scaled = np.minimum(1.0, (m - np.arange(m)) * values[order])
        out[order] = np.maximum.accumulate(scaled)
    return out if np.ndim(p) else float(out[0])


def benjamini_hochberg(p: ArrayLike) -> Any:
    """Benjamini–Hochberg step-up adjusted p-values (1995; methods.md §1.8).

    With p₍₁₎ ≤ … ≤ p₍ₘ₎: p̃₍ᵢ₎ = min over j ≥ i of min(1, m·p₍ⱼ₎/j).  Returned in the input
    order.
    """
    values, _, order = _prepare(p)
    m = order.size
    out = np.full(values.shape, np.nan)
    if m:
        scaled = np.minimum(1.0, m * values[order] / np.arange(1, m + 1))
        out[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return out if np.ndim(p) else float(out[0])


def adjust_p(p: ArrayLike, method: Literal["holm", "bh"] = HOLM) -> Any:
    """Adjust one family of p-values by ``method``: ``"holm"`` or ``"bh"``."""
    if method == HOLM:
        return holm(p)
    if method == BH:
        return benjamini_hochberg(p)
    raise ValueError(f"unknown adjustment method {method!r}; expected one of {', '.join(METHODS)}")
