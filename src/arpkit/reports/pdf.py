"""The pack as PDF, rendered by WeasyPrint from the very same HTML (no browser).

Rendering from the HTML means the PDF cannot say anything the HTML does not: the same charts,
tables, sentences and suppression. The print stylesheet in ``templates/report.css`` sets A4
pages, starts each page of the pack on a new sheet and keeps charts with their headings. Fonts
are the Debian packages the charts also use (Liberation Sans, falling back to DejaVu Sans);
nothing is fetched over the network (a URL fetcher that refuses every request makes sure).
"""

from __future__ import annotations

from pathlib import Path


def _no_network(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"the report pack is self-contained; refusing to fetch {url}")


def html_to_pdf(html: str, path: str | Path) -> Path:
    """Render an HTML document to a PDF file with WeasyPrint and return its path."""
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it does not support at warning level; those are
    # screen-only rules (grid, color-scheme) that do not change the printed pack.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    path = Path(path)
    weasyprint.HTML(string=html, url_fetcher=_no_network).write_pdf(path)
    return path
