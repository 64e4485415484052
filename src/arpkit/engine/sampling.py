"""Stratified random samples of children for thematic case audits.

Why stratify by ethnic group: an audit of practice for disproportionality has to grade enough
cases of each group to say anything about that group.  A simple random sample of 40 cases from
an authority where 5% of children are Black gives about two Black children's cases; stratifying
by the child's top-level ethnic group (the DfE/ONS groups, with "refused" and "not yet obtained"
kept as strata of their own, docs/warehouse.md) fixes how many each group gets (Cochran,
*Sampling Techniques*, 3rd ed. 1977, ch. 5).

Two allocations:

* ``proportional``: n_h proportional to the stratum size N_h (Cochran §5.5), rounded by the
  largest-remainder (Hamilton) method so the sizes add to n exactly.  Self-weighting.
* ``equal``: the same n_h in every stratum (Cochran §5.5, "equal allocation"), which gives small
  groups as many cases as large ones; the remainder goes to the largest strata.

A stratum never gets more cases than it has children; the surplus goes to the other strata.
``min_per_stratum`` raises every stratum to at least that many (or all it has).  Each sampled
case carries its design weight w = N_h / n_h so findings across groups can be re-weighted to
the frame (the Horvitz-Thompson estimator for a stratified simple random sample).

Reproducibility: the frame is sorted by (stratum, child_key) and strata are drawn in the fixed
order of :data:`arpkit.engine.ethnicity.GROUPS` with one ``numpy.random.Generator`` seeded by
``seed`` (PCG64), so the same frame, allocation and seed always give the same sample on any
machine.  :func:`frame_fingerprint` is a SHA-256 over the sorted frame, recorded with the draw
so a later redraw can show it used the same frame.

The engine never imports Django: the web app's audit rounds call these functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from arpkit.engine.errors import ArpkitError
from arpkit.engine.ethnicity import GROUPS

Allocation = Literal["proportional", "equal"]
ALLOCATIONS: tuple[str, ...] = ("proportional", "equal")

class SamplingError(ArpkitError, ValueError):
    """A sampling request that cannot be met (bad size, seed, stage or frame)."""


#: Columns of a sampling frame (one row per child).
FRAME_COLUMNS: tuple[str, ...] = (
    "child_key", "stratum", "stage", "team", "ethnicity_code", "sex", "age_band",
    "disability", "uasc",
)


@dataclass(frozen=True)
class Draw:
    """A drawn sample: the sampled rows (frame columns plus ``weight``), the allocation table
    (``stratum, frame_size, sample_size, weight``), the seed and the frame's fingerprint."""

    sample: pd.DataFrame
    allocation: pd.DataFrame
    seed: int
    method: str
    fingerprint: str


def _stratum_order(strata: Sequence[str]) -> list[str]:
    known = [g for g in GROUPS if g in set(strata)]
    return known + sorted(set(strata) - set(GROUPS))


def sampling_frame(con, *, period: int, stages: Sequence[str], basis: str = "in_year",
                   chinese_group: str = "asian") -> pd.DataFrame:
    """Children counted at any of ``stages`` in ``period``, one row each, from the warehouse.

    Uses the engine's counting rules (:func:`arpkit.engine.counting.qualifying_children`), so
    the frame is the same set of children the metrics count.  A child counted at several of the
    stages appears once, at the first stage in the order given.  ``stratum`` is the child's
    top-level ethnic group; characteristics are those recorded at the time of the draw.
    """
    from arpkit.engine import counting

    if not stages:
        raise SamplingError("choose at least one stage for the sampling frame")
    unknown = [s for s in stages if s not in counting.STAGE_SOURCES]
    if unknown:
        raise SamplingError(f"unknown stage(s) {', '.join(unknown)}; expected one of "
                         f"{', '.join(counting.STAGE_SOURCES)}")
    if basis not in counting.BASES:
        raise SamplingError(f"basis must be one of {', '.join(counting.BASES)}, not {basis!r}")
    sources = counting.stage_sources(con, period)
    q = counting.qualifying_children(con, period, sources, stages=tuple(stages))
    q = q.filter(q.basis == basis)
    df = counting.with_characteristics(con, q, chinese_group).to_pandas()
    if df.empty:
        return pd.DataFrame(columns=list(FRAME_COLUMNS))
    rank = {s: i for i, s in enumerate(stages)}
    df["_rank"] = df["stage"].map(rank)
    df = df.sort_values(["child_key", "_rank"]).drop_duplicates("child_key")
    df = df.rename(columns={"ethnicity_group": "stratum"})
    return _sorted(df[list(FRAME_COLUMNS)].reset_index(drop=True))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    order = {s: i for i, s in enumerate(_stratum_order(frame["stratum"].unique()))}
    out = frame.assign(_o=frame["stratum"].map(order))
    return out.sort_values(["_o", "child_key"]).drop(columns="_o").reset_index(drop=True)


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over the frame's (stratum, child_key) pairs in sorted order."""
    _check_frame(frame)
    pairs = sorted(zip(frame["stratum"].astype(str), frame["child_key"].astype(str),
                       strict=True))
    digest = hashlib.sha256()
    for stratum, key in pairs:
        digest.update(f"{stratum}\x1f{key}\n".encode())
    return digest.hexdigest()


def _check_frame(frame: pd.DataFrame) -> None:
    missing = [c for c in ("child_key", "stratum") if c not in frame.columns]
    if missing:
        raise SamplingError(f"the sampling frame has no {', '.join(missing)} column")
    if frame["child_key"].duplicated().any():
        dup = frame.loc[frame["child_key"].duplicated(), "child_key"].iloc[0]
        raise SamplingError(f"the sampling frame lists child {dup[:12]}... more than once")


def allocate(sizes: Mapping[str, int], size: int, method: str = "proportional",
             min_per_stratum: int = 0) -> dict[str, int]:
    """Cases per stratum for a sample of ``size`` from strata of ``sizes`` (Cochran §5.5).

    Proportional allocation rounds by largest remainder (ties to the earlier stratum in
    reporting order); equal allocation gives ⌊n/H⌋ each and the remainder to the largest
    strata.  No stratum gets more than it has; ``min_per_stratum`` is applied first and any
    capacity left is shared by the method.  A size above the frame takes the whole frame.
    """
    if method not in ALLOCATIONS:
        raise SamplingError(f"allocation must be one of {', '.join(ALLOCATIONS)}, not {method!r}")
    if size < 1:
        raise SamplingError(f"the sample size must be at least 1, not {size}")
    if min_per_stratum < 0:
        raise SamplingError(f"the minimum per group must not be negative, not {min_per_stratum}")
    order = _stratum_order([s for s, n in sizes.items() if n > 0])
    cap = {s: int(sizes[s]) for s in order}
    total = sum(cap.values())
    if total == 0:
        return {}
    size = min(size, total)
    alloc = {s: min(min_per_stratum, cap[s]) for s in order}
    if sum(alloc.values()) >= size:
        return alloc
    while sum(alloc.values()) < size:
        open_ = [s for s in order if alloc[s] < cap[s]]
        left = size - sum(alloc.values())
        if method == "proportional":
            base = sum(cap[s] for s in open_)
            share = {s: left * cap[s] / base for s in open_}
        else:
            share = {s: left / len(open_) for s in open_}
        add = {s: int(np.floor(share[s])) for s in open_}
        rest = left - sum(add.values())
        by_remainder = sorted(open_, key=lambda s: (-(share[s] - add[s]), -cap[s],
                                                    order.index(s)))
        for s in by_remainder[:rest]:
            add[s] += 1
        for s in open_:
            alloc[s] = min(cap[s], alloc[s] + add[s])
    return alloc


def draw_sample(frame: pd.DataFrame, *, size: int, seed: int,
                method: str = "proportional", min_per_stratum: int = 0) -> Draw:
    """Draw a stratified simple random sample without replacement from ``frame``.

    ``frame`` needs ``child_key`` and ``stratum`` columns (other columns are carried into the
    sample).  The same frame, size, method, minimum and seed always give the same sample.
    """
    _check_frame(frame)
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise SamplingError(f"the seed must be a whole number of 0 or more, not {seed!r}")
    ordered = _sorted(frame)
    sizes = ordered.groupby("stratum", sort=False).size().to_dict()
    alloc = allocate(sizes, size, method, min_per_stratum)
    rng = np.random.default_rng(int(seed))
    parts = []
    rows = []
    for stratum in _stratum_order(list(sizes)):
        members = ordered[ordered["stratum"] == stratum]
        n_h = alloc.get(stratum, 0)
        big_n = len(members)
        weight = big_n / n_h if n_h else float("nan")
        rows.append({"stratum": stratum, "frame_size": big_n, "sample_size": n_h,
                     "weight": weight})
        if n_h:
            picked = np.sort(rng.choice(big_n, size=n_h, replace=False))
            parts.append(members.iloc[picked].assign(weight=weight))
    sample = (pd.concat(parts, ignore_index=True) if parts
              else ordered.head(0).assign(weight=pd.Series(dtype=float)))
    return Draw(sample=sample, allocation=pd.DataFrame(rows), seed=int(seed), method=method,
                fingerprint=frame_fingerprint(ordered))
