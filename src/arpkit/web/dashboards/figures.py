"""Rendering the report pack's figures for a web page, once per distinct input.

A chart is drawn by :mod:`arpkit.reports.charts` (the same Altair specs as the report pack) and
rendered to SVG by vl-convert, which takes a few hundred milliseconds: too slow to repeat on
every request. The rendered figure (SVG, description and its data table) is therefore cached,
keyed by a hash of exactly the rows it was built from plus the builder and its arguments: in
memory per process (an LRU) and on disk beside the cached tables, so every worker process
reuses a chart any of them has drawn. Different rows (another role's suppression, a manager's
own teams) give a different key, so a cached chart can never show rows its viewer may not see.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from arpkit.reports import labels as lab
from arpkit.web.dashboards.stored import DiskMemo

_MEMORY_LIMIT = 512


@dataclass(frozen=True)
class Rendered:
    """A figure ready for a template: the inline SVG, its text alternative and its numbers."""

    title: str
    description: str
    svg: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str]

    @property
    def suppressed_cells(self) -> int:
        return sum(cell == lab.SUPPRESSED for row in self.rows for cell in row)


@dataclass(frozen=True)
class TableOnly:
    """A table shown without a chart (e.g. children by team, which has no population)."""

    title: str
    columns: list[str]
    rows: list[list[str]]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return lab.NOT_AVAILABLE
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Column names and cells as text, in the figure table's own order."""
    return [str(c) for c in frame.columns], [[_text(v) for v in row]
                                             for row in frame.itertuples(index=False)]


def frame_digest(*frames: pd.DataFrame) -> str:
    """A digest of exactly these rows (values, columns and ``attrs``)."""
    h = hashlib.sha256()
    for frame in frames:
        h.update(",".join(map(str, frame.columns)).encode())
        h.update(json.dumps(frame.attrs, sort_keys=True, default=str).encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


_INNER_ROLES = re.compile(r'\s(?:role="graphics-[a-z-]+"|aria-roledescription="[^"]*"|'
                          r'aria-label="[^"]*")')


def inline_svg(svg: str) -> str:
    """The SVG as one image for assistive technology.

    Vega marks its groups ``role="graphics-symbol"`` with a role description but no name,
    which axe reports as images without text (WCAG 1.1.1). The chart's text alternative is the
    root's ``aria-label``/``<title>``/``<desc>`` and the data table beside it, so the inner
    roles and labels are removed and the root keeps ``role="img"`` (children of an image are
    presentational).
    """
    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    return svg[:end] + _INNER_ROLES.sub("", svg[end:])


class FigureCache(DiskMemo[Rendered]):
    """Rendered figures in memory and under ``<cache directory>/figures/`` (:mod:`.stored`)."""

    def __init__(self, limit: int = _MEMORY_LIMIT) -> None:
        super().__init__(Rendered, "figures", limit)

    def get_or_render(self, directory: Path, key_parts: tuple[Any, ...],
                      build: Callable[[], Any]) -> Rendered:
        """``build()`` returns a :class:`arpkit.reports.charts.Figure`; it runs only on a miss."""
        def draw() -> Rendered:
            figure = build()
            columns, rows = table_rows(figure.table)
            return Rendered(figure.title, figure.description, inline_svg(figure.svg()),
                            columns, rows, list(figure.notes))

        key = hashlib.sha256(repr(key_parts).encode()).hexdigest()[:32]
        return self.get_or_draw(directory, key, draw)


FIGURES = FigureCache()
