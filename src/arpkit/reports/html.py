"""The pack as one self-contained, accessible HTML file.

Self-contained: the CSS is inline and every chart is inline SVG (rendered in-process by
vl-convert), so the file opens with no network and can be emailed or archived as it is.
Accessible (WCAG 2.2 AA): one ``h1`` and headings in order; each chart is an ``<svg role="img">``
with an ``aria-label``, a visible summary and a data table after it (``<caption>``,
``<th scope>``); text colours have at least 4.5:1 contrast; no information by colour alone; a
skip link and visible focus. Printable: print CSS starts each page of the pack on a new sheet
and keeps a chart with its heading.  The same HTML is the source of the PDF (:mod:`.pdf`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import jinja2

from arpkit.reports import labels as lab
from arpkit.reports.charts import Figure
from arpkit.reports.findings import (
    ADVERSE,
    COMPARISON,
    FAVOURABLE,
    NOT_AVAILABLE,
    NOT_SIGNIFICANT,
    SIGNIFICANT_HIGHER,
    SIGNIFICANT_LOWER,
    SUPPRESSED,
)
from arpkit.reports.pack import ReportData, Section

STATUS_LABELS = {SIGNIFICANT_HIGHER: "Higher", SIGNIFICANT_LOWER: "Lower",
                 NOT_SIGNIFICANT: "No significant difference",
                 SUPPRESSED: "Not reported (small numbers)",
                 NOT_AVAILABLE: "Not available",
                 ADVERSE: "Adverse to ethnic-minority staff",
                 FAVOURABLE: "Favourable to ethnic-minority staff",
                 COMPARISON: "Comparison"}


def _template(name: str) -> str:
    return resources.files("arpkit.reports").joinpath("templates", name).read_text("utf-8")


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cell(v: object) -> str:
    """A table cell as text: numbers with thousands separators, symbols as they are."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return lab.NOT_AVAILABLE
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        text = repr(v)
        digits = len(text.split(".")[1]) if "." in text and "e" not in text else 2
        return f"{v:,.{digits}f}"
    return str(v)


def figures_of(sections: Sequence[Section]) -> list[Figure]:
    """Every figure of the pack, in reading order."""
    out: list[Figure] = []
    for s in sections:
        if s.omitted:
            continue
        out.extend(s.figures)
        out.extend(figures_of(s.subsections))
    return out


def render_svgs(figures: Sequence[Figure], workers: int = 2) -> dict[int, str]:
    """Every figure's SVG, keyed by ``id(figure)``; rendered on ``workers`` threads (the Rust
    renderer does not hold the GIL for the whole render)."""
    if workers <= 1:
        return {id(f): f.svg() for f in figures}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        svgs = list(pool.map(lambda f: f.svg(), figures))
    return {id(f): s for f, s in zip(figures, svgs, strict=True)}


def render_html(data: ReportData, sections: Sequence[Section],
                svgs: dict[int, str] | None = None) -> str:
    """The pack as an HTML document (a string)."""
    import arpkit

    if svgs is None:
        svgs = render_svgs(figures_of(sections))
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(_template("report.html"))
    suppression = (f"DfE rules: counts from 1 to {data.threshold}, and any figure from which "
                   f"one could be worked out, are shown as '{lab.SUPPRESSED}'"
                   if data.suppression == "dfe" else "none (internal analyst pack)")
    authority = ", ".join(data.la_codes) or "not recorded"
    page = template.render(
        data=data, sections=sections, svgs=svgs, fig_id=id, cell=_cell, is_number=_is_number,
        css=_template("report.css"), status_labels=STATUS_LABELS,
        period_label=lab.period_label(data.period),
        years=", ".join(lab.period_label(p) for p in data.periods),
        suppression_text=suppression, authority=f"LA code {authority}",
        version=arpkit.__version__)
    return page.lstrip()


def write_html(data: ReportData, sections: Sequence[Section], path: str | Path,
               svgs: dict[int, str] | None = None) -> Path:
    """Write the HTML file and return its path."""
    path = Path(path)
    path.write_text(render_html(data, sections, svgs), encoding="utf-8")
    return path
