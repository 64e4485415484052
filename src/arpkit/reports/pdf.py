"""The pack as PDF, rendered by WeasyPrint from the pack's HTML template (no browser).

Rendering from the same template and the same chart SVGs means the PDF cannot say anything the
HTML does not: the same charts, tables, sentences and suppression. The print stylesheet in
``templates/report.css`` sets A4 pages, starts each page of the pack on a new sheet and keeps
charts with their headings. Fonts are the Debian packages the charts also use (Liberation
Sans, falling back to DejaVu Sans).

One difference in form, not content: for the PDF each chart's SVG is embedded as an image
(``<img src="data:image/svg+xml;…">``, :func:`chart_image`) rather than inline. WeasyPrint then
reads the chart with its XML parser instead of building and styling an HTML box for every SVG
element, which took a quarter of the PDF's time (13.3 s against 10.3 s for the 19-chart pack
of 20,000 children); the charts stay vectors with their text, and every page renders to the
same pixels (``tests/reports/test_pack_outputs.py``).

Nothing is fetched over the network: WeasyPrint's fetcher is limited to ``data:`` URLs, and any
other resource stops the rendering.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from arpkit.reports.charts import Figure

_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_WIDTH = re.compile(r'\bwidth="([\d.]+)(?:px)?"')
_SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def chart_image(svg: str, alt: str) -> str:
    """A chart's SVG as an ``<img>`` holding it as a ``data:`` URL, at the SVG's own width
    (never wider than the page) and with ``alt`` as its text alternative."""
    root = _SVG_ROOT.search(svg)
    if root is None:
        raise ValueError("not an SVG document: no <svg> element")
    if _SVG_NS not in root.group(0):  # an <img> needs a namespaced SVG document
        svg = svg[:root.start()] + f"<svg {_SVG_NS} " + svg[root.start() + 5:]
    width = _WIDTH.search(root.group(0))
    size = f"width:{width.group(1)}px;" if width else ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt, quote=True)}"'
            f' style="{size}max-width:100%;height:auto">')


def charts_as_images(figures: Sequence[Figure], svgs: Mapping[int, str]) -> dict[int, str]:
    """The pack's charts (SVGs keyed by ``id(figure)``, as :func:`~.html.render_svgs` gives
    them) in their print form, for :func:`~.html.render_html` when it renders for the PDF."""
    return {id(f): chart_image(svgs[id(f)], f.description) for f in figures}


def self_contained_fetcher() -> object:
    """A WeasyPrint URL fetcher that reads ``data:`` URLs only and stops the rendering on any
    other (no network, no local files): every PDF arpkit writes is built from what it holds."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def html_to_pdf(html_text: str, path: str | Path) -> Path:
    """Render an HTML document to a PDF file with WeasyPrint and return its path."""
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it does not support at warning level; those are
    # screen-only rules (grid, color-scheme) that do not change the printed pack.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    path = Path(path)
    weasyprint.HTML(string=html_text, url_fetcher=self_contained_fetcher()).write_pdf(path)
    return path
