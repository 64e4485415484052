"""Chart specifications for the report pack and the web dashboards (Vega-Lite via Altair).

Every builder takes one of the engine's tidy DataFrames exactly as the Python API returns it
(``arpkit.metrics``, ``arpkit.pathway``, ``arpkit.quality``, ``arpkit.team_funnel``; suppressed
or not) and returns a :class:`Figure`: the chart, a one-paragraph description for screen
readers, and the table of exactly the numbers plotted.  The table is the accessible twin of the
chart (WCAG 2.2 SC 1.1.1: the same information in text), so it uses human column names and shows
a suppressed cell as its GSS symbol (``c``), never as a number.

Design rules, applied in every builder:

* **Colour-blind safe.** Marks use the Okabe–Ito palette (Okabe & Ito 2008), restricted to the
  five of its colours with at least 3:1 contrast on white (WCAG 2.2 SC 1.4.11 non-text contrast):
  black, blue, vermillion, bluish green and reddish purple.  Text is near-black (17:1).
* **No information by colour alone** (SC 1.4.1).  Categories sit on an axis or a facet where
  possible; where a legend is needed, shape carries the same meaning as colour; significance is
  shown by a filled versus open mark and named in the legend and the table.
* **Suppressed results are visible as suppressed.** A hidden row keeps its place on the axis
  with a ``c`` beside it, so a reader can see that the group exists but could not be shown.
* **Real text.** Rendered in-process by vl-convert to SVG with ``<text>`` elements (searchable,
  read by screen readers) or to PNG; no browser, no network.

Intervals are the engine's own (methods.md §1: Byar/Garwood for rates, Katz for ratios, Wilson
for shares); the charts never recompute a statistic except the funnel curves, which come from
:func:`arpkit.engine.funnel.proportion_funnel_curve` (methods.md §1.7).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from arpkit.reports import labels as lab

#: Okabe–Ito (2008), the full palette, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: The Okabe–Ito colours with ≥ 3:1 contrast against white, in the order series take them.
MARK_COLOURS: tuple[str, ...] = (
    OKABE_ITO["black"], OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
)
#: Shapes paired with :data:`MARK_COLOURS`, so a series is told apart without colour.
MARK_SHAPES: tuple[str, ...] = ("circle", "square", "triangle-up", "diamond", "cross")
TEXT_COLOUR = "#1a1a1a"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#d9d9d9"
BACKGROUND = "#ffffff"
FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
WIDTH = 420
ROW_HEIGHT = 26

#: Significance categories shown by the ratio charts (shape *and* colour carry them).
HIGHER, LOWER, NOT_SIGNIFICANT = "Significantly higher", "Significantly lower", "Not significant"
_FINDING_COLOURS = {HIGHER: OKABE_ITO["vermillion"], LOWER: OKABE_ITO["blue"],
                    NOT_SIGNIFICANT: OKABE_ITO["black"]}
_FINDING_SHAPES = {HIGHER: "triangle-up", LOWER: "triangle-down", NOT_SIGNIFICANT: "circle"}


@dataclass
class Figure:
    """A chart, its text alternative, and the numbers behind it.

    ``title`` heads the figure; ``description`` is the alt text (what the chart shows and how to
    read it); ``chart`` the Altair chart (``chart.to_dict()`` is the Vega-Lite spec the web
    dashboards embed); ``table`` exactly the numbers plotted, with human column names and GSS
    symbols in suppressed cells.
    """

    title: str
    description: str
    chart: alt.TopLevelMixin
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def spec(self) -> dict[str, Any]:
        """The Vega-Lite specification (a JSON-ready dict)."""
        return self.chart.to_dict()

    def svg(self) -> str:
        """The chart as an SVG document, rendered in-process by vl-convert.

        The root ``<svg>`` gets ``role="img"``, an ``aria-label`` with the description, and
        ``<title>``/``<desc>`` children, so it is announced properly when inlined in HTML.
        Text stays as ``<text>`` elements.
        """
        import vl_convert as vlc

        svg = vlc.vegalite_to_svg(self.spec())
        label = html.escape(self.description, quote=True)
        head = (f'<svg role="img" aria-label="{label}" ')
        svg = svg.replace("<svg ", head, 1)
        close = svg.index(">", svg.index("<svg")) + 1
        return (svg[:close] + f"<title>{html.escape(self.title)}</title>"
                f"<desc>{html.escape(self.description)}</desc>" + svg[close:])

    def png(self, scale: float = 2) -> bytes:
        """The chart as PNG bytes (vl-convert, in-process; ``scale`` 2 suits print)."""
        import vl_convert as vlc

        return vlc.vegalite_to_png(self.spec(), scale=scale)


# --------------------------------------------------------------------------- shared helpers


def configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The pack's accessible look: dark text, visible axes, a quiet grid, white background."""
    return (chart.configure(font=FONT, background=BACKGROUND)
            .configure_axis(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR,
                            domainColor=AXIS_COLOUR, tickColor=AXIS_COLOUR,
                            gridColor=GRID_COLOUR, labelFontSize=11, titleFontSize=12,
                            labelLimit=260)
            .configure_header(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR,
                              labelFontSize=12, labelFontWeight="bold")
            .configure_legend(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR,
                              labelFontSize=11, titleFontSize=12, orient="bottom",
                              labelLimit=300, titleLimit=400)
            .configure_title(color=TEXT_COLOUR, fontSize=14, anchor="start")
            .configure_text(color=TEXT_COLOUR)
            .configure_view(stroke=None))


def level_label(df: pd.DataFrame) -> str:
    """``95%`` from ``df.attrs['confidence']`` (the engine's interval level)."""
    conf = float(df.attrs.get("confidence", 0.95)) * 100
    return f"{conf:.1f}".rstrip("0").rstrip(".") + "%"


def _num(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _cell(x: object, digits: int, *, suppressed: bool, missing: str = lab.NOT_AVAILABLE,
          scale: float = 1.0) -> object:
    """A table cell: the rounded number, or its GSS symbol."""
    if suppressed:
        return lab.SUPPRESSED
    v = _num(x)
    if v is None:
        return missing
    v = round(v * scale, digits)
    return int(v) if digits == 0 else v


def _count(x: object, *, suppressed: bool) -> object:
    return _cell(x, 0, suppressed=suppressed)


def _flag(x: object, *, suppressed: bool) -> object:
    if suppressed:
        return lab.SUPPRESSED
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return lab.NOT_AVAILABLE
    return "Yes" if bool(x) else "No"


def series_style(group: str, breakdown: str = "ethnicity_group") -> tuple[str, str]:
    """The (colour, shape) of a group's series: fixed by the group's place in the reporting
    order, so a group looks the same in every chart; no two of the first 25 groups share
    both colour and shape."""
    order = lab.group_order(breakdown)
    i = order.index(group) if group in order else len(order)
    k = len(MARK_COLOURS)
    return MARK_COLOURS[i % k], MARK_SHAPES[(i + i // k) % len(MARK_SHAPES)]


def _rows(df: pd.DataFrame, **where: object) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for col, want in where.items():
        if want is None:
            continue
        mask &= (df[col] == want).fillna(False).to_numpy(dtype=bool)
    return df[mask]


def latest_period(df: pd.DataFrame) -> int:
    """The latest period in a table (the default for every single-year chart)."""
    periods = pd.to_numeric(df["period"], errors="coerce").dropna()
    if periods.empty:
        raise ValueError("the table has no periods")
    return int(periods.max())


def _order_groups(rows: pd.DataFrame, breakdown: str) -> pd.DataFrame:
    order = {g: i for i, g in enumerate(lab.group_order(breakdown))}
    return rows.assign(_o=rows["group"].map(order).fillna(len(order))).sort_values(
        ["_o", "group"]).drop(columns="_o")


def _finding(value: object, significant: object, suppressed: bool) -> str | None:
    if suppressed or _num(value) is None:
        return None
    if significant is True or (significant is not pd.NA and significant is not None
                               and bool(significant)):
        return HIGHER if float(value) > 1 else LOWER  # type: ignore[arg-type]
    return NOT_SIGNIFICANT


def _empty(title: str, message: str) -> alt.Chart:
    frame = pd.DataFrame({"message": [message]})
    return alt.Chart(frame, title=title).mark_text(
        align="left", fontSize=12, color=TEXT_COLOUR).encode(
        text="message:N").properties(width=WIDTH, height=30)


def _suppressed_note(table: pd.DataFrame, column: str, what: str) -> str:
    hidden = int((table[column] == lab.SUPPRESSED).sum()) if column in table else 0
    if not hidden:
        return ""
    return (f" {hidden} {what} could not be shown because the numbers are small "
            f"(marked {lab.SUPPRESSED}).")


def _interval_dots(plot: pd.DataFrame | None, *, y: str, y_title: str, x_title: str,
                   y_order: Sequence[str], reference: float | None = None,
                   x_format: str = ",.1f", finding: bool = False, zero: bool = True,
                   height: int | None = None) -> alt.LayerChart:
    """The pack's basic chart: one row per category, a point with its interval, ``c`` for a
    hidden row, and an optional dashed reference line (1 for a ratio).

    ``plot`` has columns ``y``, ``value``, ``lower``, ``upper``, ``hidden`` (and ``finding``);
    pass ``None`` to build a layer that takes its data from an enclosing facet.
    """
    base = alt.Chart(plot) if plot is not None else alt.Chart()
    height = height or max(ROW_HEIGHT * len(y_order), 60)
    x_scale = alt.Scale(zero=zero, nice=True)
    # The category title sits level above the labels, right-aligned to the axis like a
    # column heading: turned on its side beside them, it met the longest label when a
    # renderer measured text wider than Vega did (the PDF's fonts).
    base_y = alt.Y(f"{y}:N", sort=list(y_order), title=y_title,
                   axis=alt.Axis(titleAngle=0, titleAlign="right", titleAnchor="start",
                                 titleBaseline="bottom", titleX=-6, titleY=-6))
    shown = base.transform_filter("isValid(datum.value)")
    layers: list[alt.Chart] = [
        shown.mark_rule(strokeWidth=2, color=TEXT_COLOUR).encode(
            y=base_y, x=alt.X("lower:Q", title=x_title, scale=x_scale), x2="upper:Q",
            tooltip=[alt.Tooltip(f"{y}:N", title=y_title),
                     alt.Tooltip("value:Q", title=x_title, format=x_format),
                     alt.Tooltip("lower:Q", title="lower limit", format=x_format),
                     alt.Tooltip("upper:Q", title="upper limit", format=x_format)])]
    if finding:
        cats = [HIGHER, LOWER, NOT_SIGNIFICANT]
        layers.append(shown.mark_point(size=110, filled=True, opacity=1).encode(
            y=base_y, x=alt.X("value:Q", scale=x_scale),
            color=alt.Color("finding:N", title="Compared with the reference group",
                            scale=alt.Scale(domain=cats,
                                            range=[_FINDING_COLOURS[c] for c in cats])),
            shape=alt.Shape("finding:N", title="Compared with the reference group",
                            scale=alt.Scale(domain=cats,
                                            range=[_FINDING_SHAPES[c] for c in cats]))))
    else:
        layers.append(shown.mark_point(size=90, filled=True, opacity=1,
                                       color=OKABE_ITO["blue"]).encode(
            y=base_y, x=alt.X("value:Q", scale=x_scale)))
    layers.append(base.transform_filter("datum.hidden").transform_calculate(
        symbol=f"'{lab.SUPPRESSED} (hidden)'").mark_text(
        align="left", dx=4, fontSize=11, color=TEXT_COLOUR).encode(
        y=base_y, x=alt.value(0), text="symbol:N"))
    if reference is not None:
        layers.append(shown.mark_rule(strokeDash=[5, 4], color=AXIS_COLOUR,
                                      strokeWidth=1.5).encode(x=alt.datum(reference)))
    return alt.layer(*layers).properties(width=WIDTH, height=height)


# --------------------------------------------------------------------------- metrics charts


def _ratio_or_rate_rows(metrics_df: pd.DataFrame, measure: str, stage: str, basis: str,
                        period: int | None, breakdown: str) -> tuple[pd.DataFrame, int]:
    rows = _rows(metrics_df, measure=measure, stage=stage, basis=basis, breakdown=breakdown)
    if period is None:
        period = latest_period(rows) if len(rows) else latest_period(metrics_df)
    rows = _rows(rows, period=period)
    return _order_groups(rows, breakdown), int(period)


def rates_figure(metrics_df: pd.DataFrame, stage: str, basis: str, *,
                 period: int | None = None, breakdown: str = "ethnicity_group") -> Figure:
    """Rate per 10,000 children by ethnic group with its interval (methods.md §1.1–1.2).

    Groups without a population (refused, not obtained, not recorded) have no rate: they are
    listed in the table with their number of children and ``z`` for the rate.
    """
    rows, period = _ratio_or_rate_rows(metrics_df, "rate_per_10k", stage, basis, period,
                                       breakdown)
    lvl = level_label(metrics_df)
    group_col = "Ethnic group" if breakdown != "ethnicity_code" else "Ethnicity"
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        has_pop = _num(r.denominator) is not None
        label = lab.group_label(r.group, breakdown)
        records.append({
            group_col: label,
            "Children": _count(r.numerator, suppressed=hidden),
            "Population aged 0-17": _cell(r.denominator, 0, suppressed=False,
                                          missing=lab.NOT_APPLICABLE),
            "Rate per 10,000": _cell(r.value, 1, suppressed=hidden and has_pop,
                                     missing=lab.NOT_APPLICABLE),
            f"Lower {lvl} limit": _cell(r.ci_lower, 1, suppressed=hidden and has_pop,
                                        missing=lab.NOT_APPLICABLE),
            f"Upper {lvl} limit": _cell(r.ci_upper, 1, suppressed=hidden and has_pop,
                                        missing=lab.NOT_APPLICABLE),
        })
        if has_pop:
            plot.append({"group": label, "hidden": hidden,
                         "value": None if hidden else _cell(r.value, 1, suppressed=False),
                         "lower": None if hidden else _cell(r.ci_lower, 1, suppressed=False),
                         "upper": None if hidden else _cell(r.ci_upper, 1, suppressed=False)})
    table = pd.DataFrame(records)
    title = f"{lab.stage_title(stage, basis)}, {lab.period_label(period)}: rate per 10,000"
    if not plot:
        return Figure(title, f"No rates for {title.lower()}.",
                      configure(_empty(title, "No rates to show")), table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    chart = _interval_dots(frame, y="group", y_title=group_col,
                           x_title=f"Children per 10,000 (with {lvl} interval)",
                           y_order=list(frame["group"]))
    shown = frame[frame["value"].notna()].sort_values("value", ascending=False)
    top = ", ".join(f"{g} {v:,.1f}" for g, v in zip(shown["group"], shown["value"],
                                                    strict=True))
    phrase = lab.stage_phrase(stage, basis, period)
    description = (f"Dot chart of the rate per 10,000 children {phrase}"
                   f" for each ethnic group, with {lvl} intervals as horizontal lines. "
                   f"Highest to lowest: {top or 'none shown'}."
                   + _suppressed_note(table, "Rate per 10,000", "group rates"))
    return Figure(title, description, configure(chart.properties(title=title)), table)


def disparity_figure(metrics_df: pd.DataFrame, stage: str, basis: str, *,
                     period: int | None = None, breakdown: str = "ethnicity_group") -> Figure:
    """Disparity ratio of each group against the reference group, with the Katz interval and a
    dashed line at 1 (methods.md §1.4); higher and lower significant results are marked by
    shape and colour, and named in the legend and table (methods.md §1.6)."""
    rows, period = _ratio_or_rate_rows(metrics_df, "disparity_ratio", stage, basis, period,
                                       breakdown)
    return _ratio_figure(rows, metrics_df, "Disparity ratio", stage, basis, period, breakdown,
                         what=f"the rate {lab.stage_phrase(stage, basis, period)}")


def _ratio_figure(rows: pd.DataFrame, source: pd.DataFrame, measure_label: str, stage: str,
                  basis: str, period: int, breakdown: str, *, what: str,
                  facet: str | None = None) -> Figure:
    lvl = level_label(source)
    reference = next((r for r in rows["reference_group"].dropna().unique()), None) \
        if len(rows) else None
    ref_label = lab.group_label(str(reference), breakdown) if reference else "reference"
    group_col = "Ethnic group" if breakdown != "ethnicity_code" else "Ethnicity"
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        label = lab.group_label(r.group, breakdown)
        record = {}
        if facet:
            record["Decision point"] = r.x_facet
        record.update({
            group_col: label,
            "Compared with": ref_label,
            "Children": _count(r.numerator, suppressed=hidden),
            measure_label: _cell(r.value, 2, suppressed=hidden),
            f"Lower {lvl} limit": _cell(r.ci_lower, 2, suppressed=hidden),
            f"Upper {lvl} limit": _cell(r.ci_upper, 2, suppressed=hidden),
            "Significant": _flag(r.significant, suppressed=hidden),
        })
        records.append(record)
        value = None if hidden else _num(r.value)
        plot.append({"group": label, "hidden": hidden,
                     "facet": r.x_facet if facet else "",
                     "value": None if value is None else round(value, 2),
                     "lower": None if hidden or _num(r.ci_lower) is None
                     else round(float(r.ci_lower), 2),
                     "upper": None if hidden or _num(r.ci_upper) is None
                     else round(float(r.ci_upper), 2),
                     "finding": _finding(r.value, r.significant, hidden)})
    table = pd.DataFrame(records)
    title = (f"{lab.stage_title(stage, basis)}, {lab.period_label(period)}: "
             f"{measure_label.lower()} against {ref_label}")
    if facet:
        title = f"{measure_label} along the decision points, {lab.period_label(period)}"
    if not plot:
        return Figure(title, f"No {measure_label.lower()}s to show.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    y_order = list(dict.fromkeys(frame["group"]))
    x_title = f"{measure_label} (1 = same as {ref_label})"
    if facet:
        layer = _interval_dots(None, y="group", y_title=group_col, x_title=x_title,
                               y_order=y_order, reference=1.0, x_format=".2f", finding=True,
                               zero=False).properties(width=200)
        facets = list(dict.fromkeys(frame["facet"]))
        chart = layer.facet(facet=alt.Facet("facet:N", title=None, sort=facets), columns=3,
                            data=frame).properties(title=title)
    else:
        chart = _interval_dots(frame, y="group", y_title=group_col, x_title=x_title,
                               y_order=y_order, reference=1.0, x_format=".2f",
                               finding=True, zero=False).properties(title=title)
    sig = frame[frame["finding"].isin([HIGHER, LOWER])]
    parts = [f"{g}{' (' + f + ')' if f else ''} {v:.2f}"
             for g, f, v in zip(sig["group"], sig["facet"], sig["value"], strict=True)]
    description = (f"Dot chart of the {measure_label.lower()} for each ethnic group against "
                   f"{ref_label}, comparing {what}; a dashed line marks 1 (no difference) and "
                   f"horizontal lines the {lvl} intervals. Significant differences: "
                   f"{'; '.join(parts) if parts else 'none'}."
                   + _suppressed_note(table, measure_label, "results"))
    return Figure(title, description, configure(chart), table)


def rri_figure(metrics_df: pd.DataFrame, *, period: int | None = None,
               breakdown: str = "ethnicity_group") -> Figure:
    """Relative rate index at each decision point (OJJDP method, methods.md §1.5): the share
    of each group moving on from one stage to the next, against the reference group's share."""
    from arpkit.engine.metrics import CONVERSIONS

    rows = _rows(metrics_df, measure="rri", breakdown=breakdown)
    if period is None:
        period = latest_period(rows) if len(rows) else latest_period(metrics_df)
    rows = _rows(rows, period=period)
    order = {pair: i for i, pair in enumerate(CONVERSIONS)}
    rows = rows.assign(
        x_facet=[f"{lab.STAGE_LABELS[a]} to {lab.STAGE_LABELS[b].lower()}"
                for a, b in zip(rows["stage"], rows["to_stage"], strict=True)],
        _pair=[order.get((a, b), 99) for a, b in zip(rows["stage"], rows["to_stage"],
                                                     strict=True)])
    gorder = {g: i for i, g in enumerate(lab.group_order(breakdown))}
    rows = rows.assign(_g=rows["group"].map(gorder)).sort_values(["_pair", "_g"])
    return _ratio_figure(rows, metrics_df, "Relative rate index", "referral", "in_year",
                         int(period), breakdown, facet="Decision point",
                         what="the share moving on at each decision point")


_TREND_LABELS = {"rate_per_10k": ("Rate per 10,000", 1),
                 "disproportionality_index": ("Disproportionality index", 2),
                 "disparity_ratio": ("Disparity ratio", 2),
                 "stage_conversion": ("Share moving on (%)", 1),
                 "rri": ("Relative rate index", 2)}


def trend_figure(metrics_df: pd.DataFrame, measure: str, stage: str, basis: str, *,
                 breakdown: str = "ethnicity_group", to_stage: str | None = None,
                 groups: Iterable[str] | None = None) -> Figure:
    """A measure over every period present, one line per group (colour *and* shape), with a
    ring round a point whose change from the previous period is significant (the engine's
    ``<measure>_change`` rows; metrics.md "Trends")."""
    if measure not in _TREND_LABELS:
        raise ValueError(f"no trend chart for measure {measure!r}; expected one of "
                         f"{', '.join(_TREND_LABELS)}")
    label, digits = _TREND_LABELS[measure]
    scale = 100.0 if measure == "stage_conversion" else 1.0
    rows = _rows(metrics_df, measure=measure, stage=stage, basis=basis, breakdown=breakdown,
                 to_stage=to_stage)
    changes = _rows(metrics_df, measure=f"{measure}_change", stage=stage, basis=basis,
                    breakdown=breakdown, to_stage=to_stage)
    wanted = list(groups) if groups is not None else [
        g for g in lab.group_order(breakdown) if g in set(rows["group"])
        and g not in ("REFUSED", "NOT_OBTAINED", "UNKNOWN")] or list(
        dict.fromkeys(rows["group"]))
    rows = rows[rows["group"].isin(wanted)]
    # Per change row: "suppressed", "untested" (no test possible, e.g. a group absent one
    # year: the engine's flag is missing) or the engine's significance flag.
    sig = {(int(r.period), r.group): ("suppressed" if r.suppressed else
                                     "untested" if pd.isna(r.significant) else
                                     bool(r.significant))
           for r in changes.itertuples(index=False)}
    lvl = level_label(metrics_df)
    records, plot = [], []
    for r in rows.sort_values("period").itertuples(index=False):
        hidden = bool(r.suppressed)
        glabel = lab.group_label(r.group, breakdown)
        change = sig.get((int(r.period), r.group), "first")
        if change == "first":
            change_cell: object = lab.NOT_APPLICABLE
        elif change == "suppressed":
            change_cell = lab.SUPPRESSED
        elif change == "untested":
            change_cell = lab.NOT_AVAILABLE
        else:
            change_cell = "Yes" if change else "No"
        records.append({
            "Year": lab.period_label(int(r.period)), "Ethnic group": glabel,
            "Children": _count(r.numerator, suppressed=hidden),
            label: _cell(r.value, digits, suppressed=hidden, scale=scale),
            f"Lower {lvl} limit": _cell(r.ci_lower, digits, suppressed=hidden, scale=scale),
            f"Upper {lvl} limit": _cell(r.ci_upper, digits, suppressed=hidden, scale=scale),
            "Significant change from previous year": change_cell,
        })
        if not hidden and _num(r.value) is not None:
            plot.append({"year": lab.period_label(int(r.period)), "period": int(r.period),
                         "group": glabel,
                         "value": round(float(r.value) * scale, digits),
                         "lower": _cell(r.ci_lower, digits, suppressed=False, scale=scale),
                         "upper": _cell(r.ci_upper, digits, suppressed=False, scale=scale),
                         "changed": change_cell == "Yes"})
    table = pd.DataFrame(records)
    what = lab.stage_title(stage, basis) if not to_stage else \
        f"{lab.STAGE_LABELS[stage]} to {lab.STAGE_LABELS[to_stage].lower()}"
    title = f"{what}: {label.lower()} by year"
    if not plot:
        return Figure(title, f"No {label.lower()} to show over time.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot)
    for col in ("lower", "upper"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    periods = sorted(frame["period"].unique())
    years = [lab.period_label(p) for p in periods]
    glabels = [lab.group_label(g, breakdown) for g in wanted if
               lab.group_label(g, breakdown) in set(frame["group"])]
    colours, shapes = zip(*(series_style(g, breakdown) for g in wanted
                            if lab.group_label(g, breakdown) in set(frame["group"])),
                          strict=True)
    # Series side by side within a year so their intervals do not hide each other.
    step = 0.5 / max(len(glabels), 1)
    offsets = {g: (i - (len(glabels) - 1) / 2) * step for i, g in enumerate(glabels)}
    frame["x"] = frame["period"] + frame["group"].map(offsets)
    x = alt.X("x:Q", title="Year", scale=alt.Scale(domain=[periods[0] - 0.5,
                                                           periods[-1] + 0.5], nice=False),
              axis=alt.Axis(values=periods, format="d", grid=False,
                            labelExpr="(datum.value - 1) + '-' + "
                                      "substring(toString(datum.value), 2, 4)"))
    colour = alt.Color("group:N", title="Ethnic group",
                       scale=alt.Scale(domain=glabels, range=list(colours)))
    shape = alt.Shape("group:N", title="Ethnic group",
                      scale=alt.Scale(domain=glabels, range=list(shapes)))
    base = alt.Chart(frame)
    layers = [
        base.mark_line(strokeWidth=2).encode(x=x, y=alt.Y("value:Q", title=label),
                                             color=colour, detail="group:N"),
        base.mark_rule(strokeWidth=1.5).encode(x=x, y="lower:Q", y2="upper:Q", color=colour),
        base.mark_point(size=80, filled=True, opacity=1).encode(
            x=x, y="value:Q", color=colour, shape=shape,
            tooltip=[alt.Tooltip("group:N", title="Ethnic group"),
                     alt.Tooltip("year:N", title="Year"),
                     alt.Tooltip("value:Q", title=label)]),
    ]
    marked = frame[frame["changed"]]
    if len(marked):
        layers.append(alt.Chart(marked).mark_point(size=320, filled=False, strokeWidth=2,
                                                    color=TEXT_COLOUR).encode(x=x, y="value:Q"))
    if measure in ("disparity_ratio", "disproportionality_index", "rri"):
        layers.append(alt.Chart(pd.DataFrame({"ref": [1.0]})).mark_rule(
            strokeDash=[5, 4], color=AXIS_COLOUR).encode(y="ref:Q"))
    chart = alt.layer(*layers).properties(width=WIDTH, height=260, title=title)
    flagged = ", ".join(f"{g} in {y}" for g, y in zip(marked["group"], marked["year"],
                                                      strict=True))
    description = (f"Line chart of the {label.lower()} for {what[0].lower() + what[1:]} in "
                   f"each year from "
                   f"{years[0]} to {years[-1]}, one line per ethnic group told apart by colour "
                   f"and marker shape, with {lvl} intervals as vertical lines. A ring marks a "
                   f"significant change from the previous year: {flagged or 'none'}."
                   + _suppressed_note(table, label, "yearly values"))
    return Figure(title, description, configure(chart), table)


# --------------------------------------------------------------------------- teams


def funnel_figure(funnel_df: pd.DataFrame, stage: str, to_stage: str | None = None, *,
                  period: int | None = None, basis: str | None = None) -> Figure:
    """Funnel plot of teams against the authority (Spiegelhalter 2005; methods.md §1.7).

    With ``to_stage``: each team's share of children at ``stage`` who moved on to
    ``to_stage``; without: the share of the team's children at ``stage`` from ethnic minority
    groups.  Limits at 95% (dashed) and 99.8% (dotted) around the authority's benchmark
    (solid); a team's classification is shown by marker shape and named in the table.
    """
    from arpkit.engine import funnel

    measure = "stage_conversion" if to_stage else "minority_share"
    rows = _rows(funnel_df, measure=measure, stage=stage, to_stage=to_stage)
    if basis is None and len(rows):
        bases = list(dict.fromkeys(rows["basis"].dropna()))
        basis = "at_31_march" if "at_31_march" in bases else (bases[0] if bases else None)
    rows = _rows(rows, basis=basis)
    if period is None and len(rows):
        period = latest_period(rows)
    rows = _rows(rows, period=period).sort_values("team")
    share_label = (f"Share moving on to {lab.STAGE_LABELS[to_stage].lower()} (%)" if to_stage
                   else "Share from ethnic minority groups (%)")
    num_label = "Children moving on" if to_stage else "Children from ethnic minority groups"
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        records.append({
            "Team": r.team,
            f"Children at {lab.STAGE_LABELS[stage].lower()}": _count(r.denominator,
                                                                      suppressed=False),
            num_label: _count(r.numerator, suppressed=hidden),
            share_label: _cell(r.value, 1, suppressed=hidden, scale=100),
            "Authority (%)": _cell(r.benchmark, 1, suppressed=False, scale=100),
            "95% limits (%)": _limits(r.lower_95, r.upper_95),
            "99.8% limits (%)": _limits(r.lower_998, r.upper_998),
            "Classification": (lab.SUPPRESSED if hidden else
                               (r.classification or lab.NOT_AVAILABLE)),
        })
        if not hidden and _num(r.value) is not None:
            plot.append({"team": r.team, "n": float(r.denominator),
                         "value": round(float(r.value) * 100, 1),
                         "classification": r.classification})
    table = pd.DataFrame(records)
    what = (f"{lab.STAGE_LABELS[stage]} to {lab.STAGE_LABELS[to_stage].lower()}" if to_stage
            else f"{lab.STAGE_LABELS[stage]}: children from ethnic minority groups")
    title = f"Teams: {what.lower() if to_stage else what}" + (
        f", {lab.period_label(period)}" if period else "")
    if not plot:
        return Figure(title, "No team could be shown (no teams recorded, or every team's "
                      "numbers are small).", configure(_empty(title, "No teams to show")),
                      table)
    frame = pd.DataFrame(plot)
    bench = float(rows["benchmark"].dropna().iloc[0])
    top = max(float(rows["denominator"].max()), 10.0) * 1.08
    curve = funnel.proportion_funnel_curve(bench, np.linspace(max(1.0, top / 200), top, 120))
    curve_long = pd.concat([
        pd.DataFrame({"n": curve["n"], "limit": curve[f"{side}_{lvl}"] * 100,
                      "line": f"{side}_{lvl}", "level": name})
        for lvl, name in (("95", "95% limits"), ("99_8", "99.8% limits"))
        for side in ("lower", "upper")], ignore_index=True)
    classes = ["High (0.001)", "High (0.025)", "Not significant", "Low (0.025)",
               "Low (0.001)"]
    x = alt.X("n:Q", title=f"Children at {lab.STAGE_LABELS[stage].lower()} in the team")
    layers = [
        alt.Chart(curve_long).mark_line(color=AXIS_COLOUR, strokeWidth=1.5).encode(
            x=x, y=alt.Y("limit:Q", title=share_label, scale=alt.Scale(domain=[0, 100])),
            detail="line:N",
            strokeDash=alt.StrokeDash("level:N", title="Funnel limits",
                                      scale=alt.Scale(domain=["95% limits", "99.8% limits"],
                                                      range=[[6, 4], [2, 3]]))),
        alt.Chart(pd.DataFrame({"b": [bench * 100]})).mark_rule(
            color=TEXT_COLOUR, strokeWidth=1.5).encode(y="b:Q"),
        alt.Chart(frame).mark_point(size=100, filled=True, opacity=1).encode(
            x=x, y="value:Q",
            shape=alt.Shape("classification:N", title="Team against the authority",
                            scale=alt.Scale(domain=classes,
                                            range=["triangle-up", "triangle-up", "circle",
                                                   "triangle-down", "triangle-down"])),
            color=alt.Color("classification:N", title="Team against the authority",
                            scale=alt.Scale(domain=classes, range=[
                                OKABE_ITO["vermillion"], OKABE_ITO["vermillion"],
                                OKABE_ITO["black"], OKABE_ITO["blue"], OKABE_ITO["blue"]])),
            tooltip=[alt.Tooltip("team:N", title="Team"), alt.Tooltip("n:Q", title="Children"),
                     alt.Tooltip("value:Q", title=share_label),
                     alt.Tooltip("classification:N", title="Classification")]),
    ]
    chart = alt.layer(*layers).properties(width=WIDTH, height=280, title=title).resolve_scale(
        color="independent", shape="independent")
    out = frame[frame["classification"] != "Not significant"]
    outliers = "; ".join(f"{t} {v:.1f}% ({c})" for t, v, c in zip(
        out["team"], out["value"], out["classification"], strict=True))
    description = (f"Funnel plot: each team's share ({share_label.lower()}) against its "
                   f"number of children, with the authority's share of {bench * 100:.1f}% as a "
                   f"solid line and 95% (dashed) and 99.8% (dotted) limits. Teams outside the "
                   f"limits: {outliers or 'none'}." + _suppressed_note(table, share_label,
                                                                        "teams"))
    return Figure(title, description, configure(chart), table)


def _limits(lo: object, hi: object) -> object:
    a, b = _num(lo), _num(hi)
    if a is None or b is None:
        return lab.NOT_AVAILABLE
    return f"{a * 100:.1f} to {b * 100:.1f}"


# --------------------------------------------------------------------------- pathway


_OUTCOME_LABELS = {"referral": "Referred", "early_help": "Early help",
                   "re_contact": "Came back (another contact)", "nfa": "No further action"}


def _share_facets(rows: pd.DataFrame, source: pd.DataFrame, facet_labels: list[str],
                  title: str, facet_title: str, what: str) -> Figure:
    lvl = level_label(source)
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        label = lab.group_label(r.group, r.breakdown) if r.group != "ALL" else "All children"
        records.append({
            facet_title: r.x_facet, "Ethnic group": label,
            "Children": _count(r.numerator, suppressed=hidden),
            "Out of": _count(r.denominator, suppressed=hidden and _num(r.denominator) is None),
            "Share (%)": _cell(r.value, 1, suppressed=hidden, scale=100),
            f"Lower {lvl} limit (%)": _cell(r.ci_lower, 1, suppressed=hidden, scale=100),
            f"Upper {lvl} limit (%)": _cell(r.ci_upper, 1, suppressed=hidden, scale=100),
        })
        plot.append({"facet": r.x_facet, "group": label, "hidden": hidden,
                     "value": None if hidden else _cell(r.value, 1, suppressed=False, scale=100),
                     "lower": None if hidden else _cell(r.ci_lower, 1, suppressed=False,
                                                        scale=100),
                     "upper": None if hidden else _cell(r.ci_upper, 1, suppressed=False,
                                                        scale=100)})
    table = pd.DataFrame(records)
    if not plot:
        return Figure(title, f"No {what} to show.", configure(_empty(title, "Nothing to show")),
                      table)
    frame = pd.DataFrame(plot)
    for col in ("value", "lower", "upper"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    y_order = list(dict.fromkeys(frame["group"]))
    layer = _interval_dots(None, y="group", y_title="Ethnic group", x_title="Share (%)",
                           y_order=y_order).properties(width=170)
    chart = layer.facet(facet=alt.Facet("facet:N", title=None, sort=facet_labels), columns=4,
                        data=frame).properties(title=title)
    summary = []
    for f in facet_labels:
        part = frame[(frame["facet"] == f) & frame["value"].notna()]
        if len(part):
            hi = part.loc[part["value"].idxmax()]
            lo = part.loc[part["value"].idxmin()]
            summary.append(f"{f}: highest {hi['group']} {hi['value']:.1f}%, lowest "
                           f"{lo['group']} {lo['value']:.1f}%")
    description = (f"Dot charts, one panel per {facet_title.lower()}, of the share of "
                   f"{what} for each ethnic group with {lvl} intervals. "
                   + "; ".join(summary) + "." + _suppressed_note(table, "Share (%)", "shares"))
    return Figure(title, description, configure(chart), table)


def pathway_figure(pathway_df: pd.DataFrame, *, breakdown: str = "ethnicity_group") -> Figure:
    """What happened after children's first contact, by ethnic group: the share referred,
    guided to early help, coming back, or with no further action (docs/pathway.md; Wilson
    intervals, methods.md §1.2)."""
    rows = _rows(pathway_df, measure="outcome_share", stage="contact")
    rows = rows[rows["breakdown"].isin(["all", breakdown])]
    outcomes = [o for o in _OUTCOME_LABELS if o in set(rows["outcome"])]
    rows = rows[rows["outcome"].isin(outcomes)]
    gorder = {g: i for i, g in enumerate(["ALL", *lab.group_order(breakdown)])}
    rows = rows.assign(x_facet=rows["outcome"].map(_OUTCOME_LABELS),
                       _o=rows["outcome"].map({o: i for i, o in enumerate(outcomes)}),
                       _g=rows["group"].map(gorder)).sort_values(["_o", "_g"])
    period = int(pathway_df.attrs.get("period") or latest_period(pathway_df)) if len(
        pathway_df) else None
    window = pathway_df.attrs.get("window_days", 90)
    title = ("After the first contact" + (f", {lab.period_label(period)}" if period else "")
             + f": outcome within {window} days")
    return _share_facets(rows, pathway_df, [_OUTCOME_LABELS[o] for o in outcomes], title,
                         "Outcome", f"children with each outcome within {window} days of "
                         "their first contact")


_LINKS = (("contact", "referral"), ("referral", "assessment"), ("assessment", "s47"),
          ("s47", "cp_plan"), ("referral", "cla"))


def journey_figure(pathway_df: pd.DataFrame) -> Figure:
    """The journey after a first contact: at each link, the share of the children at one
    node who reached the next within the window (docs/pathway.md "Journey")."""
    rows = _rows(pathway_df, measure="journey")
    rows = rows[rows["breakdown"].isin(["all", "ethnicity_group"])]
    keys = list(zip(rows["stage"], rows["outcome"], strict=True))
    present = [link for link in _LINKS if link in set(keys)]
    names = {link: f"{lab.STAGE_LABELS[link[0]]} to {lab.STAGE_LABELS[link[1]].lower()}"
             for link in _LINKS}
    rows = rows[[k in present for k in keys]]
    gorder = {g: i for i, g in enumerate(["ALL", *lab.group_order("ethnicity_group")])}
    lorder = {link: i for i, link in enumerate(_LINKS)}
    rows = rows.assign(
        x_facet=[names[(a, b)] for a, b in zip(rows["stage"], rows["outcome"], strict=True)],
        _o=[lorder[(a, b)] for a, b in zip(rows["stage"], rows["outcome"], strict=True)],
        _g=rows["group"].map(gorder)).sort_values(["_o", "_g"])
    window = pathway_df.attrs.get("window_days", 90)
    return _share_facets(rows, pathway_df, [names[link] for link in present],
                         f"The journey from first contact (within {window} days)", "Step",
                         "children at each step who went on to the next")


# --------------------------------------------------------------------------- quality


_STATUS_LABELS = {"recorded": "Recorded", "not_obtained": "Not yet obtained",
                  "refused": "Refused", "missing": "Missing", "unmappable": "Not recognised"}


def completeness_figure(quality_df: pd.DataFrame, *, period: int | None = None) -> Figure:
    """How complete ethnicity recording is for each cohort of the metrics (docs/quality.md):
    the share of children whose recorded ethnicity is usable, refused, not obtained, missing or
    not recognised, with Wilson intervals (methods.md §1.2)."""
    from arpkit.engine.metrics import STAGES

    rows = _rows(quality_df, section="completeness", measure="ethnicity_status", breakdown="all")
    rows = rows[rows["stage"].notna()]
    if period is None and len(rows):
        period = latest_period(rows)
    rows = _rows(rows, period=period)
    sorder = {s: i for i, s in enumerate(STAGES)}
    statuses = [s for s in _STATUS_LABELS if s in set(rows["category"])]
    rows = rows[rows["category"].isin(statuses)]
    rows = rows.assign(
        x_facet=rows["category"].map(_STATUS_LABELS),
        _c=rows["category"].map({s: i for i, s in enumerate(statuses)}),
        _s=rows["stage"].map(sorder), _b=rows["basis"].map({"in_year": 0, "at_31_march": 1}),
    ).sort_values(["_c", "_s", "_b"])
    lvl = level_label(quality_df)
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        cohort = lab.stage_title(r.stage, r.basis)
        records.append({
            "Status": r.x_facet, "Cohort": cohort,
            "Number": _count(r.numerator, suppressed=hidden),
            "Out of": _count(r.denominator, suppressed=False),
            "Share (%)": _cell(r.value, 1, suppressed=hidden, scale=100),
            f"Lower {lvl} limit (%)": _cell(r.ci_lower, 1, suppressed=hidden, scale=100),
            f"Upper {lvl} limit (%)": _cell(r.ci_upper, 1, suppressed=hidden, scale=100)})
        plot.append({"facet": r.x_facet, "group": cohort, "hidden": hidden,
                     "value": None if hidden else _cell(r.value, 1, suppressed=False,
                                                        scale=100),
                     "lower": None if hidden else _cell(r.ci_lower, 1, suppressed=False,
                                                        scale=100),
                     "upper": None if hidden else _cell(r.ci_upper, 1, suppressed=False,
                                                        scale=100)})
    table = pd.DataFrame(records)
    title = "Ethnicity recording" + (f", {lab.period_label(period)}" if period else "")
    if not plot:
        return Figure(title, "No recording figures to show.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot)
    for col in ("value", "lower", "upper"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    y_order = list(dict.fromkeys(frame["group"]))
    layer = _interval_dots(None, y="group", y_title="Cohort", x_title="Share (%)",
                           y_order=y_order).properties(width=150)
    facets = [_STATUS_LABELS[s] for s in statuses]
    chart = layer.facet(facet=alt.Facet("facet:N", title=None, sort=facets), columns=3,
                        data=frame).resolve_scale(x="independent").properties(title=title)
    rec = frame[(frame["facet"] == "Recorded") & frame["value"].notna()]
    worst = rec.loc[rec["value"].idxmin()] if len(rec) else None
    description = ("Dot charts, one panel per recording status, of the share of children in "
                   f"each cohort of the metrics whose ethnicity was recorded, refused, not yet "
                   f"obtained, missing or not recognised, with {lvl} intervals."
                   + (f" Lowest recorded share: {worst['group']} {worst['value']:.1f}%."
                      if worst is not None else "")
                   + _suppressed_note(table, "Share (%)", "shares"))
    return Figure(title, description, configure(chart), table)


# --------------------------------------------------------------------------- benchmarks


def benchmark_figure(benchmark_df: pd.DataFrame, measure: str, *,
                     period: int | None = None) -> Figure:
    """The authority's rate per 10,000 against England, its region and its statistical
    neighbours (published DfE figures; see :mod:`arpkit.engine.reference`).

    ``benchmark_df`` has columns ``measure``, ``period``, ``area`` (the label to show),
    ``area_kind`` (``authority``, ``england``, ``region``, ``neighbours``), ``number`` and
    ``rate_per_10k``; a published suppressed figure is NaN with its symbol in ``symbol``.
    """
    rows = _rows(benchmark_df, measure=measure)
    if period is None and len(rows):
        period = latest_period(rows)
    rows = _rows(rows, period=period)
    kinds = ["authority", "neighbours", "region", "england"]
    rows = rows.assign(_k=rows["area_kind"].map({k: i for i, k in enumerate(kinds)})
                       ).sort_values(["_k", "area"])
    records, plot = [], []
    for r in rows.itertuples(index=False):
        symbol = getattr(r, "symbol", None)
        hidden = isinstance(symbol, str) and symbol == lab.SUPPRESSED
        missing = symbol if isinstance(symbol, str) and symbol else lab.NOT_AVAILABLE
        records.append({"Area": r.area,
                        "Children": _cell(r.number, 0, suppressed=hidden, missing=missing),
                        "Rate per 10,000": _cell(r.rate_per_10k, 1, suppressed=hidden,
                                                 missing=missing)})
        if not hidden and _num(r.rate_per_10k) is not None:
            plot.append({"area": r.area, "kind": r.area_kind,
                         "value": round(float(r.rate_per_10k), 1)})
    table = pd.DataFrame(records)
    title = (f"{_BENCH_TITLES.get(measure, measure)}: the authority and its comparators"
             + (f", {lab.period_label(period)}" if period else ""))
    if not plot:
        return Figure(title, "No published comparators for this measure and year.",
                      configure(_empty(title, "No comparators loaded")), table)
    frame = pd.DataFrame(plot)
    kind_labels = {"authority": "This authority", "neighbours": "Statistical neighbour",
                   "region": "Region", "england": "England"}
    frame["Area type"] = frame["kind"].map(kind_labels)
    domain = [kind_labels[k] for k in kinds]
    chart = alt.Chart(frame).mark_bar(stroke=TEXT_COLOUR, strokeWidth=0.5).encode(
        y=alt.Y("area:N", sort=list(frame["area"]), title=None),
        x=alt.X("value:Q", title="Children per 10,000"),
        color=alt.Color("Area type:N", scale=alt.Scale(
            domain=domain, range=[OKABE_ITO["vermillion"], OKABE_ITO["blue"],
                                  OKABE_ITO["bluish_green"], OKABE_ITO["black"]])),
        tooltip=["area:N", alt.Tooltip("value:Q", title="Rate per 10,000")],
    )
    text = alt.Chart(frame).mark_text(align="left", dx=3, fontSize=10, color=TEXT_COLOUR
                                      ).encode(y=alt.Y("area:N", sort=list(frame["area"])),
                                               x="value:Q", text=alt.Text("value:Q",
                                                                          format=",.1f"))
    chart = alt.layer(chart, text).properties(
        width=WIDTH, height=max(ROW_HEIGHT * len(frame), 60), title=title)
    own = frame[frame["kind"] == "authority"]
    eng = frame[frame["kind"] == "england"]
    bits = []
    if len(own):
        bits.append(f"this authority {own['value'].iloc[0]:,.1f}")
    if len(eng):
        bits.append(f"England {eng['value'].iloc[0]:,.1f}")
    description = (f"Bar chart of {_BENCH_TITLES.get(measure, measure).lower()} per 10,000 "
                   f"children for this authority, its statistical neighbours, region and "
                   f"England (each bar is labelled with its value): {', '.join(bits)}.")
    return Figure(title, description, configure(chart), table)


_BENCH_TITLES = {"cin_at_31_march": "Children in need at 31 March",
                 "cp_plan_at_31_march": "Child protection plans at 31 March",
                 "cla_at_31_march": "Children looked after at 31 March",
                 "referral_in_year": "Referrals in the year",
                 "cla_in_year": "Children starting to be looked after"}


# --------------------------------------------------------------------------- workforce

#: Band positions of a relative likelihood (docs/workforce.md): colour *and* shape.
_BAND_CATS = {"above": "Above the band (adverse)", "within": "Within the band",
              "below": "Below the band"}
_BAND_COLOURS = [OKABE_ITO["vermillion"], OKABE_ITO["black"], OKABE_ITO["blue"]]
_BAND_SHAPES = ["triangle-up", "circle", "triangle-down"]
BAND_FILL = "#e6e6e6"
#: Indicators on the workforce trend chart: the WRES-style core, one series each.
TREND_INDICATORS: tuple[str, ...] = ("appointment_from_shortlisting", "formal_disciplinary",
                                     "non_mandatory_training", "leaving", "grievance_upheld")


def _finite(x: object, digits: int) -> float | None:
    v = _num(x)
    return None if v is None or math.isinf(v) else round(v, digits)


def _band_cell(position: object, *, hidden: bool) -> object:
    if hidden:
        return lab.SUPPRESSED
    return _BAND_CATS.get(position, lab.NOT_AVAILABLE) if isinstance(position, str) else \
        lab.NOT_AVAILABLE


def _rl_rows(workforce_df: pd.DataFrame, group: str, period: int | None) -> pd.DataFrame:
    rows = workforce_df[(workforce_df["group"] == group)
                        & (workforce_df["comparator"] == "WHITE")
                        & workforce_df["breakdown"].isin(["all", "grade"])]
    if period is not None:
        rows = rows[rows["period"] == period]
    from arpkit.engine.workforce import INDICATORS

    order = {ind.name: i for i, ind in enumerate(INDICATORS)}
    order["grade_or_above"] = len(order)
    return rows.assign(_o=rows["indicator"].map(order).fillna(len(order) + 1)).sort_values(
        ["period", "_o"], kind="stable").drop(columns="_o")


def relative_likelihood_figure(workforce_df: pd.DataFrame, *, period: int | None = None,
                               group: str = "MINORITY") -> Figure:
    """Relative likelihoods of ``group`` against White staff on every indicator, with the Katz
    interval, the non-adverse band shaded and a dashed line at 1 (docs/workforce.md;
    methods.md §2.1-2.2).

    The RL is oriented so that above 1 is adverse to ethnic-minority staff.  The band position
    is shown by colour *and* shape (up-triangle above, circle within, down-triangle below);
    statistical significance by a filled marker (open: not significant), and both are named
    in the table.
    """
    if period is None:
        period = latest_period(workforce_df)
    rows = _rl_rows(workforce_df, group, period)
    lvl = level_label(workforce_df)
    bands = lab.band_text(workforce_df.attrs.get("band", (0.8, 1.25)))
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        label = lab.indicator_label(r.indicator, r.level)
        records.append({
            "Indicator": label,
            "Staff with the outcome": _count(r.events, suppressed=hidden),
            "Staff counted": _count(r.base, suppressed=hidden),
            "White staff with the outcome": _count(r.comparator_events, suppressed=hidden),
            "White staff counted": _count(r.comparator_base, suppressed=hidden),
            "Relative likelihood": _cell(r.value, 2, suppressed=hidden),
            f"Lower {lvl} limit": _cell(r.ci_lower, 2, suppressed=hidden),
            f"Upper {lvl} limit": _cell(r.ci_upper, 2, suppressed=hidden),
            f"Against the {bands} band": _band_cell(r.band, hidden=hidden),
            "Significant": _flag(r.significant, suppressed=hidden),
        })
        value = None if hidden else _finite(r.value, 2)
        plot.append({"label": label, "hidden": hidden, "value": value,
                     "lower": None if value is None else _finite(r.ci_lower, 2),
                     "upper": None if value is None else _finite(r.ci_upper, 2),
                     "position": _BAND_CATS.get(r.band) if value is not None else None,
                     "significant": bool(r.significant) if value is not None
                     and r.significant is not None and r.significant is not pd.NA else False})
    table = pd.DataFrame(records)
    who = lab.staff_group_label(group)
    title = f"Workforce equity, {lab.period_label(period)}: {who} against White staff"
    if not plot:
        return Figure(title, "No workforce indicators to show.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    order = list(dict.fromkeys(frame["label"]))
    chart = _rl_chart(frame, order, bands, workforce_df.attrs.get("band", (0.8, 1.25)),
                      title)
    shown = frame[frame["value"].notna()]
    flagged = shown[(shown["position"] != _BAND_CATS["within"]) | shown["significant"]]
    parts = [f"{lab_} {v:.2f}" for lab_, v in zip(flagged["label"], flagged["value"],
                                                   strict=True)]
    description = (f"Dot chart of the relative likelihood of {lab.staff_of(group)} against White "
                   f"staff on each workforce indicator in {lab.period_label(period)}, with "
                   f"{lvl} intervals as horizontal lines, the {bands} band shaded and a dashed "
                   "line at 1. Above 1 is adverse to ethnic-minority staff. Markers show the "
                   "position against the band by shape (up-triangle above, circle within, "
                   "down-triangle below); a filled marker is statistically significant, an "
                   f"open one is not. Outside the band or significant: "
                   f"{'; '.join(parts) if parts else 'none'}."
                   + _suppressed_note(table, "Relative likelihood", "indicators"))
    return Figure(title, description, configure(chart), table)


def _rl_chart(frame: pd.DataFrame, order: list[str], bands: str, band: Sequence[float],
              title: str) -> alt.LayerChart:
    y = alt.Y("label:N", sort=order, title=None)
    x_scale = alt.Scale(zero=False, nice=True)
    cats = list(_BAND_CATS.values())
    colour = alt.Color("position:N", title=f"Against the {bands} band",
                       scale=alt.Scale(domain=cats, range=_BAND_COLOURS))
    shape = alt.Shape("position:N", title=f"Against the {bands} band",
                      scale=alt.Scale(domain=cats, range=_BAND_SHAPES))
    shown = alt.Chart(frame).transform_filter("isValid(datum.value)")
    x_title = f"Relative likelihood (1 = same as White staff; shaded: {bands} band)"
    layers = [
        alt.Chart(pd.DataFrame({"lo": [float(band[0])], "hi": [float(band[1])]})).mark_rect(
            color=BAND_FILL).encode(x=alt.X("lo:Q", scale=x_scale, title=x_title), x2="hi:Q"),
        alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(
            strokeDash=[5, 4], color=AXIS_COLOUR, strokeWidth=1.5).encode(x="one:Q"),
        shown.transform_filter("isValid(datum.lower)").mark_rule(
            strokeWidth=2, color=TEXT_COLOUR).encode(y=y, x="lower:Q", x2="upper:Q"),
        shown.transform_filter("datum.significant").mark_point(
            size=120, filled=True, opacity=1).encode(
            y=y, x="value:Q", color=colour, shape=shape,
            tooltip=[alt.Tooltip("label:N", title="Indicator"),
                     alt.Tooltip("value:Q", title="Relative likelihood", format=".2f")]),
        shown.transform_filter("!datum.significant").mark_point(
            size=120, filled=False, strokeWidth=2, opacity=1).encode(
            y=y, x="value:Q", color=colour, shape=shape,
            tooltip=[alt.Tooltip("label:N", title="Indicator"),
                     alt.Tooltip("value:Q", title="Relative likelihood", format=".2f")]),
        alt.Chart(frame).transform_filter("datum.hidden").transform_calculate(
            symbol=f"'{lab.SUPPRESSED} (hidden)'").mark_text(
            align="left", dx=4, fontSize=11, color=TEXT_COLOUR).encode(
            y=y, x=alt.value(0), text="symbol:N"),
    ]
    return alt.layer(*layers).properties(width=WIDTH, height=max(ROW_HEIGHT * len(order), 60),
                                         title=title)


def relative_likelihood_trend_figure(workforce_df: pd.DataFrame, *, group: str = "MINORITY",
                                     indicators: Sequence[str] = TREND_INDICATORS) -> Figure:
    """The authority-wide relative likelihood of ``group`` against White staff on the core
    indicators in every year of the table, one series per indicator (colour *and* shape), the
    non-adverse band shaded (docs/workforce.md "Trend by year"; years are independent
    samples, methods.md §1.6)."""
    rows = _rl_rows(workforce_df, group, None)
    rows = rows[(rows["breakdown"] == "all") & rows["indicator"].isin(indicators)]
    lvl = level_label(workforce_df)
    band = workforce_df.attrs.get("band", (0.8, 1.25))
    bands = lab.band_text(band)
    records, plot = [], []
    for r in rows.sort_values("period", kind="stable").itertuples(index=False):
        hidden = bool(r.suppressed)
        label = lab.indicator_label(r.indicator)
        records.append({
            "Year": lab.period_label(int(r.period)), "Indicator": label,
            "Relative likelihood": _cell(r.value, 2, suppressed=hidden),
            f"Lower {lvl} limit": _cell(r.ci_lower, 2, suppressed=hidden),
            f"Upper {lvl} limit": _cell(r.ci_upper, 2, suppressed=hidden),
            f"Against the {bands} band": _band_cell(r.band, hidden=hidden),
            "Significant": _flag(r.significant, suppressed=hidden)})
        value = None if hidden else _finite(r.value, 2)
        if value is not None:
            plot.append({"period": int(r.period), "year": lab.period_label(int(r.period)),
                         "indicator": label, "value": value,
                         "lower": _finite(r.ci_lower, 2), "upper": _finite(r.ci_upper, 2)})
    table = pd.DataFrame(records)
    who = lab.staff_group_label(group)
    title = f"Workforce equity by year: {who} against White staff"
    if not plot:
        return Figure(title, "No relative likelihoods to show over time.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot)
    for col in ("lower", "upper"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    names = [lab.indicator_label(i) for i in indicators if lab.indicator_label(i) in
             set(frame["indicator"])]
    colours = [MARK_COLOURS[i % len(MARK_COLOURS)] for i in range(len(names))]
    shapes = [MARK_SHAPES[i % len(MARK_SHAPES)] for i in range(len(names))]
    periods = sorted(frame["period"].unique())
    step = 0.5 / max(len(names), 1)
    offsets = {n: (i - (len(names) - 1) / 2) * step for i, n in enumerate(names)}
    frame["x"] = frame["period"] + frame["indicator"].map(offsets)
    x = alt.X("x:Q", title="Year", scale=alt.Scale(domain=[periods[0] - 0.5,
                                                           periods[-1] + 0.5], nice=False),
              axis=alt.Axis(values=[int(p) for p in periods], format="d", grid=False,
                            labelExpr="(datum.value - 1) + '-' + "
                                      "substring(toString(datum.value), 2, 4)"))
    colour = alt.Color("indicator:N", title="Indicator",
                       scale=alt.Scale(domain=names, range=colours))
    shape = alt.Shape("indicator:N", title="Indicator",
                      scale=alt.Scale(domain=names, range=shapes))
    base = alt.Chart(frame)
    y_title = f"Relative likelihood (shaded: {bands} band)"
    layers = [
        alt.Chart(pd.DataFrame({"lo": [float(band[0])], "hi": [float(band[1])]})).mark_rect(
            color=BAND_FILL).encode(y=alt.Y("lo:Q", title=y_title), y2="hi:Q"),
        alt.Chart(pd.DataFrame({"one": [1.0]})).mark_rule(
            strokeDash=[5, 4], color=AXIS_COLOUR).encode(y="one:Q"),
        base.mark_line(strokeWidth=2).encode(x=x, y="value:Q", color=colour,
                                             detail="indicator:N"),
        base.transform_filter("isValid(datum.lower)").mark_rule(strokeWidth=1.5).encode(
            x=x, y="lower:Q", y2="upper:Q", color=colour),
        base.mark_point(size=80, filled=True, opacity=1).encode(
            x=x, y="value:Q", color=colour, shape=shape,
            tooltip=[alt.Tooltip("indicator:N", title="Indicator"),
                     alt.Tooltip("year:N", title="Year"),
                     alt.Tooltip("value:Q", title="Relative likelihood", format=".2f")]),
    ]
    chart = alt.layer(*layers).properties(width=WIDTH, height=260, title=title)
    years = [lab.period_label(int(p)) for p in periods]
    latest = frame[frame["period"] == periods[-1]]
    summary = ", ".join(f"{n} {v:.2f}" for n, v in zip(latest["indicator"], latest["value"],
                                                       strict=True))
    description = (f"Line chart of the relative likelihood of {lab.staff_of(group)} against "
                   f"White staff on the core indicators from {years[0]} to {years[-1]}, one "
                   f"line per indicator told apart by colour and marker shape, with {lvl} "
                   f"intervals as vertical lines and the {bands} band shaded. Above 1 is "
                   f"adverse to ethnic-minority staff. In {years[-1]}: {summary or 'none'}."
                   + _suppressed_note(table, "Relative likelihood", "yearly values"))
    return Figure(title, description, configure(chart), table)


# --------------------------------------------------------------------------- regional comparison


def _area_order(rows: pd.DataFrame) -> pd.DataFrame:
    order = {k: i for i, k in enumerate(lab.AREA_TYPES)}
    return rows.assign(_a=rows["area_type"].map(order)).sort_values(
        ["_a", "area"], kind="stable").drop(columns="_a")


def peer_figure(compare_df: pd.DataFrame, measure: str, stages: Sequence[str], *,
                basis: str = "at_31_march", breakdown: str = "all",
                period: int | None = None) -> Figure:
    """The authority beside each peer, the regional pool and England
    (:func:`arpkit.engine.aggregates.compare_with_peers`; docs/aggregates.md).

    ``measure`` is ``rate_per_10k`` (a panel per stage with ``breakdown="all"``) or
    ``disparity_ratio`` (one stage, a panel per ethnic group against White, significance by
    shape and colour as in :func:`disparity_figure`).  The pool is recomputed by the engine
    from summed published counts; a suppressed authority is left out of it, which the table
    says.
    """
    rows = compare_df[(compare_df["measure"] == measure) & compare_df["stage"].isin(stages)
                      & (compare_df["basis"] == basis) & (compare_df["breakdown"] == breakdown)]
    if period is None and len(rows):
        period = latest_period(rows)
    if period is not None:
        rows = rows[rows["period"] == period]
    ratio = measure != "rate_per_10k"
    if breakdown != "all":
        rows = rows[rows["group"].isin([g for g in lab.group_order(breakdown)
                                        if g not in ("WHITE", "REFUSED", "NOT_OBTAINED",
                                                     "UNKNOWN")] if ratio else
                                       [g for g in lab.group_order(breakdown)
                                        if g not in ("REFUSED", "NOT_OBTAINED", "UNKNOWN")])]
    lvl = level_label(compare_df)
    facet_col = "Cohort" if breakdown == "all" else "Ethnic group"
    value_label = "Disparity ratio" if ratio else "Rate per 10,000"
    digits = 2 if ratio else 1
    sorder = {s: i for i, s in enumerate(stages)}
    gorder = {g: i for i, g in enumerate(lab.group_order(breakdown))}
    rows = _area_order(rows)
    rows = rows.assign(_s=rows["stage"].map(sorder), _g=rows["group"].map(gorder).fillna(-1)
                       ).sort_values(["_s", "_g"], kind="stable")
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        facet = (lab.stage_title(r.stage, basis) if breakdown == "all"
                 else lab.group_label(r.group, breakdown))
        area = lab.area_label(r.area_type, r.area)
        record = {facet_col: facet, "Area": area,
                  "Children": _cell(r.numerator, 0, suppressed=hidden)}
        if not ratio:
            record["Population aged 0-17"] = _cell(r.denominator, 0, suppressed=False)
        record.update({
            value_label: _cell(r.value, digits, suppressed=hidden),
            f"Lower {lvl} limit": _cell(r.ci_lower, digits, suppressed=hidden),
            f"Upper {lvl} limit": _cell(r.ci_upper, digits, suppressed=hidden)})
        if ratio:
            record["Significant"] = _flag(r.significant, suppressed=hidden)
        pooled = r.area_type == "region"
        record["Authorities pooled"] = (_cell(r.authorities, 0, suppressed=False)
                                        if pooled else lab.NOT_APPLICABLE)
        record["Left out (suppressed)"] = (_cell(r.excluded_suppressed, 0, suppressed=False)
                                           if pooled else lab.NOT_APPLICABLE)
        records.append(record)
        value = None if hidden else _finite(r.value, digits)
        plot.append({"facet": facet, "group": area, "hidden": hidden, "value": value,
                     "lower": None if value is None else _finite(r.ci_lower, digits),
                     "upper": None if value is None else _finite(r.ci_upper, digits),
                     "finding": _finding(r.value, r.significant, hidden) if ratio else None})
    table = pd.DataFrame(records)
    what = (lab.stage_title(stages[0], basis) + ": disparity ratio against White children"
            if ratio else "Rates per 10,000 children")
    title = what + (f", {lab.period_label(period)}" if period else "") + ", by area"
    if not plot:
        return Figure(title, "No comparison to show.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    facets = list(dict.fromkeys(frame["facet"]))
    y_order = list(dict.fromkeys(frame["group"]))
    x_title = f"{value_label} (1 = same as White)" if ratio else "Children per 10,000"
    layer = _interval_dots(None, y="group", y_title="Area", x_title=x_title, y_order=y_order,
                           reference=1.0 if ratio else None, x_format=f".{digits}f",
                           finding=ratio, zero=not ratio).properties(width=190)
    chart = layer.facet(facet=alt.Facet("facet:N", title=None, sort=facets), columns=2,
                        data=frame).properties(title=title)
    if not ratio:  # rates of different stages differ tenfold: each panel its own scale
        chart = chart.resolve_scale(x="independent")
    own = frame[(frame["group"].str.startswith("This authority")) & frame["value"].notna()]
    pool = frame[(frame["group"] == "Regional pool") & frame["value"].notna()]
    bits = []
    for f in facets:
        a = own[own["facet"] == f]["value"]
        p = pool[pool["facet"] == f]["value"]
        bits.append(f"{f}: this authority {a.iloc[0]:,.{digits}f}" if len(a) else
                    f"{f}: this authority not shown")
        if len(p):
            bits[-1] += f", regional pool {p.iloc[0]:,.{digits}f}"
    description = (f"Dot charts, one panel per {facet_col.lower()}, of the "
                   f"{value_label.lower()} for this authority, each peer authority, the "
                   f"regional pool and (where published) England, with {lvl} intervals. "
                   + "; ".join(bits) + "." + _suppressed_note(table, value_label, "areas"))
    return Figure(title, description, configure(chart), table)


# --------------------------------------------------------------------------- audit findings


def audit_share_figure(findings_df: pd.DataFrame) -> Figure:
    """Share of audited cases graded good or better, by ethnic group, with Wilson intervals
    (methods.md §1.2), from a frame shaped like :func:`arpkit.web.audits.findings.
    findings_frame` whose ``suppressed`` flags are final (see :mod:`arpkit.reports.audit`)."""
    gorder = {g: i for i, g in enumerate([*lab.group_order("ethnicity_group"), "ALL"])}
    rows = findings_df.assign(_g=findings_df["group"].map(gorder)).sort_values("_g")
    round_name = str(rows["round"].iloc[0]) if len(rows) else ""
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = bool(r.suppressed)
        label = "All cases (weighted)" if r.group == "ALL" else lab.group_label(r.group)
        records.append({
            "Ethnic group": label,
            "Cases graded": _count(r.graded, suppressed=hidden),
            "Cases graded good or better": _count(r.good_or_better, suppressed=hidden),
            "Share good or better (%)": _cell(r.share, 1, suppressed=hidden, scale=100),
            "Lower 95% limit (%)": _cell(r.lower, 1, suppressed=hidden, scale=100,
                                         missing=lab.NOT_APPLICABLE),
            "Upper 95% limit (%)": _cell(r.upper, 1, suppressed=hidden, scale=100,
                                         missing=lab.NOT_APPLICABLE)})
        value = None if hidden else _finite(r.share * 100 if _num(r.share) is not None
                                            else None, 1)
        plot.append({"group": label, "hidden": hidden, "value": value,
                     "lower": None if value is None else _finite(
                         _num(r.lower) * 100 if _num(r.lower) is not None else None, 1),
                     "upper": None if value is None else _finite(
                         _num(r.upper) * 100 if _num(r.upper) is not None else None, 1)})
    table = pd.DataFrame(records)
    title = f"{round_name}: cases graded good or better"
    if not plot:
        return Figure(title, "No graded cases to show.",
                      configure(_empty(title, "Nothing to show")), table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    chart = _interval_dots(frame, y="group", y_title="Ethnic group",
                           x_title="Cases graded good or better (%)",
                           y_order=list(frame["group"])).properties(title=title)
    shown = frame[frame["value"].notna()]
    summary = ", ".join(f"{g} {v:.1f}%" for g, v in zip(shown["group"], shown["value"],
                                                         strict=True))
    description = ("Dot chart of the share of audited cases graded good or better for each "
                   "ethnic group, with 95% Wilson intervals as horizontal lines (the all-cases "
                   f"figure is weighted to the sampling frame): {summary or 'none shown'}."
                   + _suppressed_note(table, "Share good or better (%)", "groups"))
    return Figure(title, description, configure(chart), table)


def audit_ratio_figure(findings_df: pd.DataFrame) -> Figure:
    """Ratio of each group's share graded good or better to the reference group's, with the
    Katz interval and a dashed line at 1 (methods.md §1.4, §1.6); a ratio is hidden when the
    group's or the reference group's counts are."""
    rows = findings_df[(findings_df["group"] != "ALL")
                       & (findings_df["group"] != findings_df["reference_group"])]
    gorder = {g: i for i, g in enumerate(lab.group_order("ethnicity_group"))}
    rows = rows.assign(_g=rows["group"].map(gorder)).sort_values("_g")
    reference = str(findings_df["reference_group"].dropna().iloc[0]) if len(findings_df) \
        else "WHITE"
    ref_label = lab.group_label(reference)
    round_name = str(findings_df["round"].iloc[0]) if len(findings_df) else ""
    records, plot = [], []
    for r in rows.itertuples(index=False):
        hidden = audit_ratio_hidden(r)
        label = lab.group_label(r.group)
        lo, hi = _num(r.ratio_lower), _num(r.ratio_upper)
        sig = None if lo is None or hi is None else (lo > 1 or hi < 1)
        records.append({"Ethnic group": label, "Compared with": ref_label,
                        "Ratio of shares": _cell(r.ratio, 2, suppressed=hidden),
                        "Lower 95% limit": _cell(r.ratio_lower, 2, suppressed=hidden),
                        "Upper 95% limit": _cell(r.ratio_upper, 2, suppressed=hidden),
                        "Significant": _flag(sig, suppressed=hidden)})
        value = None if hidden else _finite(r.ratio, 2)
        plot.append({"group": label, "hidden": hidden, "value": value,
                     "lower": None if value is None else _finite(r.ratio_lower, 2),
                     "upper": None if value is None else _finite(r.ratio_upper, 2),
                     "finding": _finding(r.ratio, sig, hidden)})
    table = pd.DataFrame(records)
    title = f"{round_name}: good or better against {ref_label}"
    if not plot:
        return Figure(title, "No ratios to show.", configure(_empty(title, "Nothing to show")),
                      table)
    frame = pd.DataFrame(plot).astype({"value": float, "lower": float, "upper": float})
    chart = _interval_dots(frame, y="group", y_title="Ethnic group",
                           x_title=f"Ratio of shares good or better (1 = same as {ref_label})",
                           y_order=list(frame["group"]), reference=1.0, x_format=".2f",
                           finding=True, zero=False).properties(title=title)
    sig = frame[frame["finding"].isin([HIGHER, LOWER])]
    parts = [f"{g} {v:.2f}" for g, v in zip(sig["group"], sig["value"], strict=True)]
    description = (f"Dot chart of the ratio of each group's share of cases graded good or "
                   f"better to the share for {ref_label}, with 95% Katz intervals and a dashed "
                   f"line at 1. Significant differences: {'; '.join(parts) or 'none'}."
                   + _suppressed_note(table, "Ratio of shares", "ratios"))
    return Figure(title, description, configure(chart), table)


def audit_ratio_hidden(row: Any) -> bool:
    """Whether an audit ratio is hidden: the row is suppressed, or (the web app's rule) it
    has no ratio and no reason for having none, because the reference group's counts are
    suppressed."""
    if bool(row.suppressed):
        return True
    reason = row.ratio_reason
    no_reason = reason is None or (isinstance(reason, float) and math.isnan(reason)) or \
        reason == ""
    return _num(row.ratio) is None and no_reason
