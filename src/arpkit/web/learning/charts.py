"""Small Altair charts for the web pages, rendered to SVG in-process by vl-convert.

The page embeds the SVG as ``<img src="data:image/svg+xml;base64,...">`` (the strict CSP forbids
the inline styles an SVG from vl-convert carries) with alt text, and always puts a table of the
same numbers beside it (WCAG 2.2 SC 1.1.1).  Colours and shapes follow
:mod:`arpkit.reports.charts` (Okabe-Ito, no meaning by colour alone).
"""

from __future__ import annotations

import base64

import altair as alt
import pandas as pd

from arpkit.reports.charts import MARK_COLOURS, MARK_SHAPES, configure


def data_uri(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(configure(chart).to_dict())
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def lines(frame: pd.DataFrame, *, x: str, y: str, series: str, x_title: str, y_title: str,
          percent: bool = False, dashed: tuple[str, ...] = ()) -> str:
    """A line chart of ``y`` over dates ``x``, one line (colour, shape and dash) per series."""
    names = list(dict.fromkeys(frame[series]))
    colours = alt.Scale(domain=names, range=list(MARK_COLOURS[:len(names)]))
    shapes = alt.Scale(domain=names, range=list(MARK_SHAPES[:len(names)]))
    dash = alt.Scale(domain=names, range=[[6, 4] if n in dashed else [1, 0] for n in names])
    axis = alt.Axis(format="%") if percent else alt.Axis()
    chart = alt.Chart(frame.dropna(subset=[y])).mark_line(point=True).encode(
        x=alt.X(f"{x}:T", title=x_title),
        y=alt.Y(f"{y}:Q", title=y_title, axis=axis),
        color=alt.Color(f"{series}:N", scale=colours, title=None),
        shape=alt.Shape(f"{series}:N", scale=shapes, title=None),
        strokeDash=alt.StrokeDash(f"{series}:N", scale=dash, title=None),
    ).properties(width=520, height=260)
    return data_uri(chart)
