"""The charts contract: builders take the engine's tidy tables and return accessible Figures."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from arpkit.reports import charts
from arpkit.reports.charts import Figure


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str = "#FFFFFF") -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def metrics_rows(rows: list[dict]) -> pd.DataFrame:
    base = {"measure": "disparity_ratio", "stage": "cp_plan", "to_stage": None,
            "basis": "at_31_march", "period": 2025, "breakdown": "ethnicity_group",
            "reference_group": "WHITE", "numerator": 40, "denominator": 1000.0, "value": 2.0,
            "ci_lower": 1.5, "ci_upper": 2.7, "significant": True, "suppressed": False}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame.attrs["confidence"] = 0.95
    return frame


def test_every_mark_colour_is_okabe_ito_with_at_least_3_to_1_contrast_on_white():
    assert set(charts.MARK_COLOURS) <= set(charts.OKABE_ITO.values())
    for colour in charts.MARK_COLOURS:
        assert contrast(colour) >= 3.0, colour


def test_text_colours_meet_aa_contrast_for_text():
    assert contrast(charts.TEXT_COLOUR) >= 4.5
    assert contrast(charts.AXIS_COLOUR) >= 4.5


def test_a_suppressed_group_shows_c_in_the_table_and_no_number():
    df = metrics_rows([
        {"group": "BLACK", "numerator": 40, "value": 2.4},
        {"group": "ASIAN", "numerator": None, "value": None, "ci_lower": None,
         "ci_upper": None, "significant": None, "suppressed": True},
    ])
    fig = charts.disparity_figure(df, "cp_plan", "at_31_march")
    asian = fig.table[fig.table["Ethnic group"] == "Asian or Asian British"].iloc[0]
    assert asian["Children"] == "c"
    assert asian["Disparity ratio"] == "c"
    assert asian["Significant"] == "c"
    black = fig.table[fig.table["Ethnic group"].str.startswith("Black")].iloc[0]
    assert black["Children"] == 40 and black["Disparity ratio"] == 2.4


def test_the_disparity_chart_draws_a_reference_line_at_1_and_marks_significance_by_shape():
    df = metrics_rows([{"group": "BLACK"}, {"group": "ASIAN", "value": 0.5, "ci_lower": 0.3,
                                            "ci_upper": 0.8}])
    spec = charts.disparity_figure(df, "cp_plan", "at_31_march").spec()
    text = str(spec)
    assert "'datum': 1.0" in text
    assert "'shape': {'field': 'finding'" in text
    assert charts.HIGHER in text and charts.LOWER in text


def test_the_svg_keeps_text_as_text_and_is_labelled_for_screen_readers():
    df = metrics_rows([{"group": "BLACK"}, {"group": "MIXED", "value": 1.1, "ci_lower": 0.8,
                                            "ci_upper": 1.4, "significant": False}])
    fig = charts.disparity_figure(df, "cp_plan", "at_31_march")
    svg = fig.svg()
    assert svg.startswith("<svg role=\"img\" aria-label=")
    assert "<title>" in svg and "<desc>" in svg
    assert "<text" in svg and "Black, African, Caribbean or Black British" in svg
    png = fig.png(scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_the_description_names_the_significant_groups():
    df = metrics_rows([{"group": "BLACK", "value": 2.4}])
    fig = charts.disparity_figure(df, "cp_plan", "at_31_march")
    assert "Black, African, Caribbean or Black British 2.40" in fig.description


def test_series_styles_differ_in_shape_or_colour_for_every_code():
    from arpkit.reports.labels import group_order

    styles = [charts.series_style(g, "ethnicity_code") for g in group_order("ethnicity_code")]
    assert len(set(styles)) == len(styles)


def test_a_trend_marks_a_significant_change_and_says_which(pack):
    fig = charts.trend_figure(pack.metrics, "rate_per_10k", "cin", "at_31_march")
    col = "Significant change from previous year"
    assert set(fig.table[col]) <= {"Yes", "No", "c", "x", "z"}
    first = fig.table[fig.table["Year"] == "2023-24"]
    assert set(first[col]) == {"z"}


def test_a_change_the_engine_could_not_test_shows_as_not_available_not_as_hidden():
    # e.g. a group with no children one year: the change row's significance flag is missing.
    df = metrics_rows([
        {"group": "BLACK", "period": 2024},
        {"group": "BLACK", "period": 2025},
        {"group": "BLACK", "period": 2025, "measure": "disparity_ratio_change",
         "significant": pd.NA},
        {"group": "ASIAN", "period": 2024},
        {"group": "ASIAN", "period": 2025},
        {"group": "ASIAN", "period": 2025, "measure": "disparity_ratio_change",
         "significant": None, "suppressed": True},
    ])
    df["significant"] = df["significant"].astype("boolean")
    fig = charts.trend_figure(df, "disparity_ratio", "cp_plan", "at_31_march")
    latest = fig.table[fig.table["Year"] == "2024-25"].set_index("Ethnic group")
    col = "Significant change from previous year"
    assert latest.loc["Black, African, Caribbean or Black British", col] == "x"
    assert latest.loc["Asian or Asian British", col] == "c"


def test_an_unknown_trend_measure_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="rate_per_10k"):
        charts.trend_figure(metrics_rows([{"group": "BLACK"}]), "median", "cla", "in_year")


@pytest.mark.slow
def test_every_builder_returns_a_figure_whose_table_matches_the_engine_rows(pack):
    m, f, p, q = pack.metrics, pack.funnel, pack.pathway, pack.quality
    figures = [
        charts.rates_figure(m, "cla", "at_31_march"),
        charts.disparity_figure(m, "cla", "at_31_march"),
        charts.trend_figure(m, "disparity_ratio", "cla", "at_31_march"),
        charts.funnel_figure(f, "referral", "s47"),
        charts.pathway_figure(p),
        charts.journey_figure(p),
        charts.rri_figure(m),
        charts.completeness_figure(q),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert fig.title and len(fig.description) > 40
        assert len(fig.table) > 0
        assert "<text" in fig.svg()
    rates = figures[0].table
    rows = m[(m["measure"] == "rate_per_10k") & (m["stage"] == "cla")
             & (m["basis"] == "at_31_march") & (m["period"] == 2025)
             & (m["breakdown"] == "ethnicity_group")]
    assert len(rates) == len(rows)
    for r, (_, t) in zip(rows.itertuples(index=False), rates.iterrows(), strict=True):
        if r.suppressed:
            assert t["Children"] == "c"
        else:
            assert t["Children"] == int(r.numerator)
            if pd.notna(r.value):
                assert t["Rate per 10,000"] == round(float(r.value), 1)


def test_the_category_title_reads_level_above_the_labels_so_it_cannot_meet_them():
    # Turned on its side beside the labels, the title met the longest one in the PDF.
    df = metrics_rows([{"group": "BLACK"}, {"group": "MIXED", "value": 1.1, "ci_lower": 0.8,
                                            "ci_upper": 1.4, "significant": False}])
    svg = charts.disparity_figure(df, "cp_plan", "at_31_march").svg()
    title = re.search(r'<text[^>]*transform="([^"]*)"[^>]*>Ethnic group</text>', svg)
    labels = re.findall(r'<text[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*>'
                        r'(?:Black|Mixed)[^<]*</text>', svg)
    assert title is not None and labels
    assert "rotate" not in title.group(1)
    title_y = float(re.match(r"translate\([-\d.]+,([-\d.]+)\)", title.group(1)).group(1))
    assert all(title_y < float(y) - 10 for _, y in labels)  # above the first label's line
