"""The whole pack on a synthetic authority: HTML structure and accessibility, PDF pages, the
workbook cell by cell, and suppression honoured in all three."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from arpkit.engine.metrics import COLUMNS
from arpkit.reports.build import build_pack
from arpkit.reports.pack import benchmark_table

pytestmark = pytest.mark.slow

#: Table columns that hold counts of children.
COUNT_HEADERS = re.compile(r"^(Children|Number|Out of|Children (with|in|moving|from|at).*)$")


@pytest.fixture(scope="module")
def outputs(pack, shared_data, tmp_path_factory) -> dict[str, Path]:
    data = dataclasses.replace(
        pack, benchmark_la="919",
        benchmarks=benchmark_table(pack.metrics, shared_data / "reference", "919"))
    return build_pack(None, tmp_path_factory.mktemp("pack"), data=data)


@pytest.fixture(scope="module")
def soup(outputs) -> BeautifulSoup:
    return BeautifulSoup(outputs["html"].read_text(encoding="utf-8"), "html.parser")


def test_the_html_has_exactly_one_h1_and_headings_never_skip_a_level(soup):
    assert len(soup.find_all("h1")) == 1
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


def test_every_chart_is_labelled_and_followed_by_a_captioned_table_with_scoped_headers(soup):
    charts = soup.select("div.chart")
    assert len(charts) >= 15
    for chart in charts:
        svg = chart.find("svg")
        assert svg["role"] == "img" and len(svg["aria-label"]) > 40
        assert svg.find("title") is not None
        table = chart.find_parent("div", class_="figure-block").find("table")
        assert table.find("caption").get_text(strip=True)
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))


def test_the_html_needs_no_network(soup, outputs):
    text = outputs["html"].read_text(encoding="utf-8")
    for tag in soup.find_all(src=True):
        assert not tag["src"].startswith(("http://", "https://"))
    for tag in soup.find_all(href=True):
        assert not tag["href"].startswith(("http://", "https://"))
    assert "<link" not in text and "<script" not in text
    assert "@import" not in text


def test_the_html_has_a_sentence_for_every_headline_comparison(soup, pack):
    m = pack.metrics
    rows = m[(m["measure"].isin(["disparity_ratio", "disproportionality_index"]))
             & m["stage"].isin(["cin", "cp_plan", "cla"]) & (m["basis"] == "at_31_march")
             & (m["period"] == pack.period) & (m["breakdown"] == "ethnicity_group")]
    assert len(soup.select("li.finding")) == len(rows)


def test_the_benchmarks_page_shows_england_and_the_neighbours(soup):
    section = soup.find(id="benchmarks")
    text = section.get_text(" ")
    assert "England" in text and "Hertfordshire" not in text  # the authority is not itself
    assert "Statistical neighbour" in str(section) or "Oxfordshire" in text


def test_every_pdf_page_renders_and_none_is_blank(outputs):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(outputs["pdf"]))
    assert len(pdf) >= 8
    for i in range(len(pdf)):
        image = pdf[i].render(scale=0.5).to_pil().convert("L")
        lo, hi = image.getextrema()
        assert lo < 128 < hi, f"page {i + 1} is blank"


def test_the_workbook_matches_the_metrics_table_cell_by_cell(outputs, pack):
    import openpyxl

    wb = openpyxl.load_workbook(outputs["xlsx"], read_only=True)
    assert wb.sheetnames[0] == "Read me"
    from arpkit.reports.xlsx import METRIC_SHEETS

    m = pack.metrics
    for name, measures in METRIC_SHEETS:
        rows = list(wb[name].iter_rows(values_only=True))
        assert list(rows[0]) == list(COLUMNS)
        expected = m[m["measure"].isin(measures)]
        assert len(rows) - 1 == len(expected)
        for got, (_, want) in zip(rows[1:], expected.iterrows(), strict=True):
            for col, cell in zip(COLUMNS, got, strict=True):
                value = want[col]
                missing = value is None or value is pd_na() or (
                    isinstance(value, float) and math.isnan(value))
                if missing:
                    hidden = bool(want["suppressed"]) and col in (
                        "numerator", "denominator", "value", "ci_lower", "ci_upper",
                        "significant")
                    assert cell == ("c" if hidden else None), (name, col, cell)
                elif isinstance(value, float):
                    assert cell == pytest.approx(value, rel=1e-12), (name, col)
                else:
                    assert cell == (value.item() if hasattr(value, "item") else value), (
                        name, col)


def pd_na():
    import pandas as pd

    return pd.NA


def test_the_read_me_gives_the_period_symbols_and_denominators(outputs, pack):
    import openpyxl

    wb = openpyxl.load_workbook(outputs["xlsx"], read_only=True)
    text = " ".join(str(c) for row in wb["Read me"].iter_rows(values_only=True) for c in row
                    if c is not None)
    assert "2024-25" in text
    for symbol in ("c", "k", "x", "z"):
        assert any(row and row[0] == symbol
                   for row in wb["Read me"].iter_rows(values_only=True))
    for source in pack.metrics.attrs["population"].values():
        assert str(source) in text


def _count_cells(soup: BeautifulSoup) -> list[str]:
    cells = []
    for table in soup.find_all("table"):
        headers = [th.get_text(strip=True) for th in table.select("thead th")]
        for tr in table.select("tbody tr"):
            for header, cell in zip(headers, tr.find_all(["th", "td"]), strict=False):
                if COUNT_HEADERS.match(header):
                    cells.append(cell.get_text(strip=True))
    return cells


def test_a_suppressed_count_never_appears_in_any_output(outputs, soup, pack,
                                                         unsuppressed_metrics):
    import openpyxl
    import pypdfium2 as pdfium

    threshold = pack.threshold
    # Some counts really are hidden, so the checks below check something.
    hidden = pack.metrics["suppressed"] & unsuppressed_metrics.set_index(
        list(COLUMNS[:8])).reindex(pack.metrics.set_index(list(COLUMNS[:8])).index)[
        "numerator"].gt(0).to_numpy()
    assert hidden.any()
    # HTML: every count shown is 0 or above the threshold; hidden ones are 'c'.
    cells = _count_cells(soup)
    assert "c" in cells
    for text in cells:
        if text in ("c", "x", "z"):
            continue
        n = int(text.replace(",", ""))
        assert n == 0 or n > threshold, text
    # Workbook: no count column holds 1..threshold.
    wb = openpyxl.load_workbook(outputs["xlsx"], read_only=True)
    for ws in wb.worksheets[1:]:
        rows = ws.iter_rows(values_only=True)
        header = next(rows)
        counts = [i for i, h in enumerate(header) if h in ("numerator", "number")]
        for row in rows:
            for i in counts:
                v = row[i]
                assert not (isinstance(v, int | float) and 0 < v <= threshold), (ws.title, row)
    # PDF: it is rendered from the HTML, so every number it shows is one the HTML shows.
    # (PDF text runs adjacent chart labels together, so digit runs are compared.)
    pdf = pdfium.PdfDocument(str(outputs["pdf"]))
    pdf_text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    html_runs = {int(t) for t in re.findall(r"\d+", soup.get_text(" "))}
    assert {int(t) for t in re.findall(r"\d+", pdf_text)} <= html_runs
    assert re.search(r"\bc\b", pdf_text)
