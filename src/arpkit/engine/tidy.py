"""Building tidy output tables: one helper shared by every report family (metrics, pathway,
quality), so all of them broadcast scalars and order columns the same way."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def tidy_frame(columns: Sequence[str], **cols: object) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` in order.

    Each keyword is a column: a sequence (all the same length) or a scalar, which is repeated
    down the column; a column not given is all ``None``.  With no sequence given, one row.
    """
    n = max((len(v) for v in cols.values()  # type: ignore[arg-type]
             if hasattr(v, "__len__") and not isinstance(v, str)), default=1)
    data = {}
    for c in columns:
        v = cols.get(c)
        if v is None or isinstance(v, str | int | float | bool):
            data[c] = [v] * n
        else:
            data[c] = list(v)  # type: ignore[call-overload]
    return pd.DataFrame(data)


def is_missing(value: object) -> bool:
    """True for None, NaN, NA and NaT; False for anything pandas cannot judge (e.g. a list)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
