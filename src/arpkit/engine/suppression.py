"""Statistical disclosure control: primary and secondary suppression, derived statistics,
GSS symbols and value/symbol output columns.

Implements the "arpkit suppression rules" of methods.md §3, which follow DfE's *Characteristics
of children in need* data guidance: counts of 1 to 5 are shown as ``c`` (zeros are shown), with
secondary suppression where a suppressed count could otherwise be worked out by subtraction, and
every derived statistic (rate, DI, ratio, limit, p-value) suppressed with its counts.

The order is fixed (§3 rule 4): compute from exact counts, decide suppression, then round.

**What secondary suppression guarantees.**  A *margin* is a set of cells whose sum is published
(a row, column or grand total, a known-ethnicity total, a total printed elsewhere in the pack).
After :func:`secondary_suppress`:

1. every margin group holds either no suppressed cell or at least two (DfE's rule); and
2. no suppressed cell can be worked out exactly by any combination of additions and
   subtractions of published margin totals and shown cells — not only within one margin but
   across margins, tables and years (methods.md §3 rule 2).  Condition 1 alone does not ensure
   this when margins overlap in odd cycles (a + b, b + c and a + c all published gives a).

It does not promise that a suppressed cell cannot be *bounded* (for example shown to be between
1 and 4): that interval disclosure is inherent in showing totals, and the 1–5 rule accepts it.
:func:`recoverable_cells` reports condition 2 for any mask, so a pack can be checked as a whole.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.sparse import csgraph

#: DfE's primary threshold: counts from 1 to this are suppressed (methods.md §3 rule 1).
THRESHOLD: int = 5

#: GSS shorthand (StatsWales list; methods.md §3) by kind.
SYMBOLS: dict[str, str] = {
    "confidential": "c",
    "low": "k",  # would round to zero but is not zero
    "not_available": "x",
    "not_applicable": "z",
    "low_reliability": "u",
    "estimated": "e",
    "provisional": "p",
    "revised": "r",
    "break": "b",
}

#: Rendering styles: GSS plain letters (the default), bracketed (``[c]``), or DfE's CIN tables,
#: which show ``:`` for "not available" where GSS has ``x``.
STYLES: tuple[str, ...] = ("plain", "bracketed", "dfe")

Style = Literal["plain", "bracketed", "dfe"]


class DisclosureError(ValueError):
    """A suppressed cell cannot be protected: a published total gives it away whatever else is
    suppressed.  The fix is to suppress or not publish that total."""


# --------------------------------------------------------------------------- primary


def primary_suppress(counts: ArrayLike | pd.Series, threshold: float = THRESHOLD) -> Any:
    """Primary suppression mask: True for counts from 1 to ``threshold`` (methods.md §3 rule 1).

    Zeros are shown (DfE: a shown zero was submitted as zero).  Missing counts are not
    suppressed (they are shown as "not available").  A Series in gives a Series with the same
    index; anything else gives a numpy boolean array (or ``bool`` for a scalar).
    """
    if threshold < 0:
        raise ValueError(f"the suppression threshold must not be negative, not {threshold!r}")
    values = np.asarray(counts, dtype=float)
    mask = (values > 0) & (values <= threshold)
    if isinstance(counts, pd.Series):
        return pd.Series(mask, index=counts.index, name="suppressed")
    if mask.ndim == 0:
        return bool(mask)
    return mask


# --------------------------------------------------------------------------- secondary


class _Group:
    __slots__ = ("key", "margin", "members")

    def __init__(self, margin: tuple[str, ...], key: tuple[Hashable, ...], members: np.ndarray):
        self.margin = margin
        self.key = key
        self.members = members

    def describe(self) -> str:
        if not self.margin:
            return "the grand total"
        parts = ", ".join(f"{col}={val!r}" for col, val in zip(self.margin, self.key, strict=True))
        return f"the total over ({parts})"


def _margins(margins: Sequence[Sequence[str] | str]) -> list[tuple[str, ...]]:
    if isinstance(margins, str):
        raise ValueError(
            "margins must be a list of column sets, e.g. [['period', 'stage'], ['period']], "
            f"not the single string {margins!r}"
        )
    out = []
    for margin in margins:
        out.append((margin,) if isinstance(margin, str) else tuple(margin))
    return out


def _groups(table: pd.DataFrame, margins: Sequence[Sequence[str] | str]) -> list[_Group]:
    """Every margin group, in the documented fixed order: margins as given, keys sorted."""
    groups: list[_Group] = []
    position = pd.Series(np.arange(len(table)), index=table.index)
    for margin in _margins(margins):
        missing = [col for col in margin if col not in table.columns]
        if missing:
            raise ValueError(
                f"margin {list(margin)} names column(s) {missing} that the table does not have "
                f"(columns: {list(table.columns)})"
            )
        if not margin:
            groups.append(_Group(margin, (), np.arange(len(table))))
            continue
        cols = [table[col].to_numpy(dtype=object) for col in margin]
        live = ~np.logical_or.reduce([pd.isna(col) for col in cols])
        keys = list(zip(*(col[live] for col in cols), strict=True))
        rows = np.flatnonzero(live)
        try:
            # The groups a sorted pandas groupby gives (keys sorted, members in table order,
            # missing keys in no group), without pandas' per-call overhead: a pack protects
            # hundreds of small tables, and building each groupby was most of the time.
            members: dict[tuple, list[int]] = {}
            for key, row in zip(keys, rows.tolist(), strict=True):
                members.setdefault(key, []).append(row)
            ordered = sorted(members)
        except TypeError:  # keys of mixed types: let pandas order them
            grouped = position.groupby([table[col] for col in margin], sort=True, dropna=True)
            for key, part in grouped:
                key_tuple = key if isinstance(key, tuple) else (key,)
                groups.append(_Group(margin, key_tuple, part.to_numpy()))
            continue
        for key in ordered:
            groups.append(_Group(margin, key, np.asarray(members[key], dtype=np.intp)))
    return groups


def _counts(table: pd.DataFrame, count: str) -> np.ndarray:
    if count not in table.columns:
        raise ValueError(
            f"the table has no count column {count!r} (columns: {list(table.columns)})"
        )
    try:
        values = table[count].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"count column {count!r} must be numeric") from exc
    bad = np.isnan(values) | (values < 0)
    if np.any(bad):
        row = table.index[np.argmax(bad)]
        raise ValueError(
            f"count column {count!r} must hold non-negative numbers with nothing missing; "
            f"row {row!r} has {table[count].iloc[int(np.argmax(bad))]!r}"
        )
    return values


def _determined(groups: list[_Group], mask: np.ndarray) -> np.ndarray:
    """Which suppressed cells are fixed by the published totals and the shown cells.

    The margins give linear equations A_S·x_S = t − A_U·x_U in the suppressed cells x_S.  A cell
    s is determined exactly when e_s lies in the row space of A_S, i.e. when its leverage (the
    squared norm of row s of an orthonormal basis of that row space) is 1.  Connected sets of
    cells (linked through shared totals) are solved separately.
    """
    out = np.zeros(mask.shape, dtype=bool)
    suppressed = np.flatnonzero(mask)
    if suppressed.size == 0:
        return out
    column = np.full(mask.shape, -1)
    column[suppressed] = np.arange(suppressed.size)
    row_idx: list[int] = []
    col_idx: list[int] = []
    n_rows = 0
    for group in groups:
        hit = column[group.members[mask[group.members]]]
        if hit.size:
            row_idx.extend([n_rows] * hit.size)
            col_idx.extend(hit.tolist())
            n_rows += 1
    if not n_rows:
        return out
    incidence = sparse.csr_matrix(
        (np.ones(len(row_idx)), (row_idx, col_idx)), shape=(n_rows, suppressed.size)
    )
    # Cells interact only through shared totals: solve each connected set of cells on its own.
    _, label = csgraph.connected_components(incidence.T @ incidence, directed=False)
    for comp in np.unique(label):
        cols = np.flatnonzero(label == comp)
        sub = incidence[:, cols]
        sub = sub[np.diff(sub.indptr) > 0].toarray()
        a = np.unique(sub, axis=0)
        _, sing, vt = np.linalg.svd(a, full_matrices=False)
        tol = max(a.shape) * np.finfo(float).eps * (sing[0] if sing.size else 0.0)
        rank = int(np.sum(sing > tol))
        # Leverage of e_s on the row space: 1 exactly when e_s lies in it (s is determined).
        leverage = np.sum(vt[:rank] ** 2, axis=0)
        out[suppressed[cols[leverage > 1.0 - 1e-10]]] = True
    return out


def _candidates(members: np.ndarray, mask: np.ndarray, counts: np.ndarray) -> list[int]:
    """Unsuppressed cells in the fixed order: non-zero before zero, smallest count first,
    then by position in the table."""
    free = [int(m) for m in members if not mask[m]]
    return sorted(free, key=lambda m: (counts[m] == 0, counts[m], m))


def _dfe_pass(groups: list[_Group], mask: np.ndarray, counts: np.ndarray) -> None:
    """DfE's rule until stable: a margin with exactly one suppressed cell loses its next
    smallest non-zero cell (a zero cell only if nothing else is left)."""
    changed = True
    while changed:
        changed = False
        for group in groups:
            if int(mask[group.members].sum()) != 1:
                continue
            options = _candidates(group.members, mask, counts)
            if not options:
                raise DisclosureError(
                    f"{group.describe()} equals a single suppressed cell, so publishing that "
                    "total reveals it; suppress the total or drop that margin"
                )
            mask[options[0]] = True
            changed = True


def secondary_suppress(
    table: pd.DataFrame,
    margins: Sequence[Sequence[str] | str],
    *,
    count: str = "count",
    threshold: float = THRESHOLD,
    primary: pd.Series | ArrayLike | None = None,
) -> pd.Series:
    """Primary plus secondary suppression of a table of counts (methods.md §3 rules 1–2).

    ``table`` holds one row per published cell with a ``count`` column.  ``margins`` lists
    column sets; each set groups the rows that sum to one published total.  For cells keyed by
    ``period``, ``stage`` and ``code`` with a ``group`` column (the top-level ethnic group):
    ``[["period", "stage"], ["period", "stage", "group"], ["period", "code"]]`` says that all
    codes of a stage and period sum to the published total, the codes of each group sum to the
    published group total, and each code's stages sum to a published code total.  An empty set
    ``[]`` is the grand total.  A row with a missing value in a margin's column belongs to no
    group of that margin (use this for rows outside a total, e.g. unknown ethnicity outside a
    known-ethnicity total).  Stack several tables or years into one frame, with a ``table`` or
    ``year`` column in their margins, to protect a whole pack at once.

    Rule: cells from 1 to ``threshold`` are suppressed (or the ``primary`` mask, if given);
    then any margin group with exactly one suppressed cell also loses its next smallest
    non-zero unsuppressed cell, repeated over all margins until stable.  The order is fixed:
    margins in the order given, each margin's groups in sorted key order; within a group the
    smallest count, ties broken by row position in ``table`` (sort the table into publication
    order first).  A zero is suppressed only when a group has no non-zero cell left.  Finally,
    if a suppressed cell could still be worked out by combining margins, the first cell (in the
    same order) whose suppression prevents that is suppressed too, and the rule is re-run.  See
    the module docstring for the guarantee.  Returns a boolean Series on ``table``'s index.

    Raises :class:`DisclosureError` when no choice of cells can protect a cell (e.g. a margin
    group of one cell: its total *is* the cell).
    """
    counts = _counts(table, count)
    groups = _groups(table, margins)
    if primary is None:
        mask = np.asarray(primary_suppress(counts, threshold), dtype=bool).copy()
    else:
        mask = np.asarray(primary, dtype=bool).copy()
        if mask.shape != counts.shape:
            raise ValueError(
                f"the primary mask has {mask.size} values but the table has {counts.size} rows"
            )
    _dfe_pass(groups, mask, counts)
    while True:
        exposed = np.flatnonzero(_determined(groups, mask))
        if exposed.size == 0:
            break
        _protect(int(exposed[0]), groups, mask, counts, table)
        _dfe_pass(groups, mask, counts)
    return pd.Series(mask, index=table.index, name="suppressed")


def _protect(
    cell: int, groups: list[_Group], mask: np.ndarray, counts: np.ndarray, table: pd.DataFrame
) -> None:
    """Suppress one more cell towards making ``cell`` impossible to work out.

    Candidates come in the fixed order: the shown cells of the totals containing ``cell``
    (smallest non-zero first), then all other shown cells.  The first whose suppression alone
    protects ``cell`` is taken; if none does, the first candidate is taken and the caller
    repeats.  Suppressing more cells never makes a cell easier to work out, so when even
    suppressing every cell leaves it exposed, nothing can protect it.
    """
    own = [g for g in groups if cell in set(g.members.tolist())]
    order: list[int] = []
    for group in own:
        order.extend(_candidates(group.members, mask, counts))
    order.extend(_candidates(np.arange(len(mask)), mask, counts))
    order = list(dict.fromkeys(order))
    if order and not _determined(groups, np.ones_like(mask))[cell]:
        for option in order:
            mask[option] = True
            if not _determined(groups, mask)[cell]:
                return
            mask[option] = False
        mask[order[0]] = True
        return
    raise DisclosureError(
        f"the suppressed count in row {table.index[cell]!r} can be worked out from the "
        "published totals whatever else is suppressed; suppress or drop one of the totals "
        f"that contain it: {', '.join(g.describe() for g in own)}"
    )


def recoverable_cells(
    table: pd.DataFrame,
    margins: Sequence[Sequence[str] | str],
    suppressed: pd.Series | ArrayLike,
    *,
    count: str = "count",
) -> pd.Series:
    """Suppressed cells whose exact value follows from the margins and the shown cells.

    The check behind :func:`secondary_suppress`'s guarantee, usable on any mask (for example a
    whole pack assembled from several calls).  Returns a boolean Series on ``table``'s index.
    """
    _counts(table, count)
    mask = np.asarray(suppressed, dtype=bool)
    return pd.Series(_determined(_groups(table, margins), mask), index=table.index)


# --------------------------------------------------------------------------- derived statistics


def any_suppressed(*masks: pd.Series | ArrayLike) -> Any:
    """Elementwise OR of the suppression masks of the counts a statistic is built from.

    For a frame that already carries each statistic's counts side by side.  methods.md §3
    rule 3: a rate, DI, ratio, limit or p-value whose numerator, denominator or reference count
    is suppressed is suppressed too (otherwise rate × population / 10,000 gives the count back).
    """
    if not masks:
        raise ValueError("any_suppressed needs at least one mask")
    out = np.zeros(np.shape(np.asarray(masks[0])), dtype=bool)
    index = None
    for mask in masks:
        if isinstance(mask, pd.Series):
            if index is None:
                index = mask.index
            elif not mask.index.equals(index):
                raise ValueError("the masks passed to any_suppressed have different indexes")
        out = out | np.asarray(mask, dtype=bool)
    return pd.Series(out, index=index, name="suppressed") if index is not None else out


def suppress_derived(
    derived: pd.DataFrame,
    counts: pd.DataFrame,
    suppressed: pd.Series,
    links: Sequence[Mapping[str, str]],
    *,
    missing: Literal["error", "published"] = "error",
) -> pd.Series:
    """Suppression mask for derived statistics, looked up from the suppressed count table
    (methods.md §3 rule 3).

    Each link names one source count of every row of ``derived``: it maps the key columns of
    ``counts`` to the columns of ``derived`` holding their values.  For an RRI row with columns
    ``period, stage, prev_stage, group, ref_group``, the links
    ``{"period": "period", "stage": "stage", "group": "group"}`` (numerator),
    ``{"period": "period", "stage": "prev_stage", "group": "group"}`` (denominator) and
    ``{"period": "period", "stage": "stage", "group": "ref_group"}`` (reference count) suppress
    the row when any of the three counts is suppressed.

    A derived row whose linked count is not in ``counts`` raises, unless
    ``missing="published"`` (for denominators published elsewhere, such as population
    estimates).  Keys that match more than one count row raise: a link must name one count.
    """
    if missing not in ("error", "published"):
        raise ValueError(f"missing must be 'error' or 'published', not {missing!r}")
    if not suppressed.index.equals(counts.index):
        raise ValueError("the suppressed mask must have the same index as the count table")
    flags = pd.DataFrame({"__suppressed__": suppressed.to_numpy(dtype=bool)})
    result = np.zeros(len(derived), dtype=bool)
    for link in links:
        keys = list(link)
        for col in keys:
            if col not in counts.columns:
                raise ValueError(f"link {dict(link)} names {col!r}, not a count-table column")
        for col in link.values():
            if col not in derived.columns:
                raise ValueError(f"link {dict(link)} names {col!r}, not a derived-table column")
        lookup = pd.concat([counts[keys].reset_index(drop=True), flags], axis=1)
        if lookup.duplicated(keys).any():
            raise ValueError(f"link {dict(link)} does not identify one count: keys repeat")
        left = derived[list(link.values())].reset_index(drop=True)
        left.columns = keys
        left["__row__"] = np.arange(len(derived))
        merged = left.merge(lookup, on=keys, how="left").sort_values("__row__")
        found = merged["__suppressed__"]
        if found.isna().any() and missing == "error":
            first = merged.loc[found.isna()].iloc[0]
            row = derived.index[int(first["__row__"])]
            wanted = ", ".join(f"{k}={first[k]!r}" for k in keys)
            raise ValueError(
                f"derived row {row!r}: the count table has no count with {wanted} "
                f"(link {dict(link)}); pass missing='published' if that count is published "
                "elsewhere"
            )
        result |= found.fillna(False).to_numpy(dtype=bool)
    return pd.Series(result, index=derived.index, name="suppressed")


# --------------------------------------------------------------------------- symbols and output


def symbol(kind: str, style: Style = "plain") -> str:
    """The GSS shorthand for ``kind`` (see :data:`SYMBOLS`) in the chosen rendering style."""
    if kind not in SYMBOLS:
        raise ValueError(f"unknown symbol kind {kind!r}; expected one of {', '.join(SYMBOLS)}")
    if style not in STYLES:
        raise ValueError(f"unknown symbol style {style!r}; expected one of {', '.join(STYLES)}")
    letter = SYMBOLS[kind]
    if style == "dfe" and kind == "not_available":
        return ":"
    if style == "bracketed":
        return f"[{letter}]"
    return letter


def p_value_symbol(p: ArrayLike) -> Any:
    """GSS significance shorthand: ``sss``/``ss``/``s`` for p < 0.001/0.01/0.05, else ``ns``
    (methods.md §1.6).  ``None`` for a missing p-value."""
    values = np.asarray(p, dtype=float)
    out = np.full(values.shape, "ns", dtype=object)
    out[values < 0.05] = "s"
    out[values < 0.01] = "ss"
    out[values < 0.001] = "sss"
    out[np.isnan(values)] = None
    return out.reshape(()).item() if out.ndim == 0 else out


def round_half_up(values: ArrayLike, decimals: int = 0) -> Any:
    """Round halves away from zero on the decimal value as written (2.675 → 2.68 at 2 dp).

    Publications round this way (as Excel does); numpy and Python round half to even on the
    binary value.  Negative ``decimals`` round to tens, hundreds...: ``decimals=-1`` gives
    DfE's national and regional totals to the nearest 10.  Used on output only, after
    suppression (methods.md §3 rule 4).
    """
    arr = np.asarray(values, dtype=float)
    quantum = decimal.Decimal(1).scaleb(-decimals)
    out = np.full(arr.shape, np.nan)
    for idx in np.ndindex(arr.shape):
        v = arr[idx]
        if math.isfinite(v):
            d = decimal.Decimal(repr(float(v))).quantize(quantum, rounding=decimal.ROUND_HALF_UP)
            out[idx] = float(d)
        else:
            out[idx] = v
    return float(out) if out.ndim == 0 else out


def split_value_symbol(
    values: pd.Series,
    suppressed: pd.Series | ArrayLike | None = None,
    *,
    name: str | None = None,
    decimals: int | None = None,
    missing: str = "not_available",
    style: Style = "plain",
) -> pd.DataFrame:
    """Value and symbol columns side by side, so ``c`` never lands in a numeric column
    (methods.md §3 rule 5, for CSV and Excel).

    The value column is numeric (rounded half up to ``decimals`` if given) and empty where a
    symbol applies; ``<name>_symbol`` holds ``c`` where suppressed, ``k`` where a non-zero value
    rounds to zero, the ``missing`` kind's symbol (default ``x``; ``"not_applicable"`` gives
    ``z``) where the value is missing, and an empty string otherwise.
    """
    name = name or (str(values.name) if values.name is not None else "value")
    raw = values.to_numpy(dtype=float)
    mask = np.zeros(raw.shape, dtype=bool) if suppressed is None else np.asarray(
        suppressed, dtype=bool
    )
    if mask.shape != raw.shape:
        raise ValueError(f"the suppression mask has {mask.size} values but there are {raw.size}")
    shown = raw if decimals is None else np.asarray(round_half_up(raw, decimals), dtype=float)
    symbols = np.full(raw.shape, "", dtype=object)
    symbols[np.isnan(raw)] = symbol(missing, style)
    symbols[(shown == 0) & (raw != 0)] = symbol("low", style)
    symbols[mask] = symbol("confidential", style)
    out_values = np.where(symbols == "", shown, np.nan)
    return pd.DataFrame(
        {name: out_values, f"{name}_symbol": symbols}, index=values.index
    )


def render(
    values: pd.Series,
    suppressed: pd.Series | ArrayLike | None = None,
    *,
    decimals: int = 0,
    missing: str = "not_available",
    style: Style = "plain",
) -> pd.Series:
    """Text for display (reports, HTML): the symbol where one applies, else the number rounded
    half up to ``decimals`` places.  Not for CSV or Excel: use :func:`split_value_symbol`."""
    split = split_value_symbol(
        values, suppressed, name="v", decimals=decimals, missing=missing, style=style
    )
    text = [
        sym if sym else f"{val:.{decimals}f}"
        for val, sym in zip(split["v"], split["v_symbol"], strict=True)
    ]
    return pd.Series(text, index=values.index, name=values.name, dtype=object)
