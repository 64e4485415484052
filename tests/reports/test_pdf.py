"""The PDF: charts embedded as SVG images, identical pages, nothing fetched from outside."""

from __future__ import annotations

import base64
import re

import pytest

from arpkit.reports.pdf import chart_image, html_to_pdf

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "title": "Rate per 10,000 by ethnic group",
    "width": 900, "height": 120,
    "data": {"values": [{"group": "White", "rate": 332.9}, {"group": "Black", "rate": 473.9}]},
    "mark": "point",
    "encoding": {"y": {"field": "group", "type": "nominal"},
                 "x": {"field": "rate", "type": "quantitative"}},
}


@pytest.fixture(scope="module")
def svg() -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(SPEC)


def _page(body: str) -> str:
    """A page with the pack's own stylesheet (which scales an inline chart to the page)."""
    from importlib import resources

    css = resources.files("arpkit.reports").joinpath("templates/report.css").read_text("utf-8")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>t</title>"
            f"<style>{css}</style></head>"
            f"<body><h1>Chart</h1><div class='chart'>{body}</div></body></html>")


def _pixels(path) -> list[bytes]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].render(scale=0.75).to_pil().convert("RGB").tobytes()
                for i in range(len(pdf))]
    finally:
        pdf.close()


def test_a_chart_image_holds_the_svg_at_its_own_width_with_its_text_alternative(svg):
    tag = chart_image(svg, 'Dot chart: "White" 332.9 & "Black" 473.9')
    assert tag.startswith('<img src="data:image/svg+xml;base64,')
    data = base64.b64decode(re.search(r"base64,([^\"]+)", tag).group(1)).decode("utf-8")
    assert 'xmlns="http://www.w3.org/2000/svg"' in data and "<text" in data
    width = re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg).group(1)
    assert f"width:{width}px;max-width:100%" in tag
    assert 'alt="Dot chart: &quot;White&quot; 332.9 &amp; &quot;Black&quot; 473.9"' in tag


def test_text_that_is_not_an_svg_is_refused():
    with pytest.raises(ValueError, match="no <svg> element"):
        chart_image("<p>not a chart</p>", "x")


def test_a_chart_as_an_image_prints_the_same_pixels_as_the_inline_svg_and_keeps_its_text(
        svg, tmp_path):
    inline = html_to_pdf(_page(svg), tmp_path / "inline.pdf")
    image = html_to_pdf(_page(chart_image(svg, "Rates")), tmp_path / "image.pdf")
    assert _pixels(image) == _pixels(inline)

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(image))
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "Rate per 10,000 by ethnic group" in text  # vector text, not a picture of it


@pytest.mark.parametrize("url", ["http://example.invalid/logo.png", "file:///etc/hostname"])
def test_the_pdf_refuses_to_fetch_anything_that_is_not_in_the_document(url, tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        html_to_pdf(_page(f'<img src="{url}" alt="x">'), tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
