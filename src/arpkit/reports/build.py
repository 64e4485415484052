"""Build the whole pack: gather the engine's tables once, then write each format from them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from arpkit.reports.pack import ReportData, build_sections, gather


def build_pack(warehouse: str | Path | None, out_dir: str | Path, *, period: int | None = None,
               formats: Sequence[str] = ("html", "pdf", "xlsx"), suppression: str = "dfe",
               threshold: int = 5, reference_dir: str | Path | None = None,
               benchmark_la: str | None = None, title: str | None = None,
               data: ReportData | None = None, audit_findings: pd.DataFrame | None = None,
               audit_themes: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write ``arpkit-report-<period>.<ext>`` for each format into ``out_dir``.

    The engine is asked for each table once (:func:`~arpkit.reports.pack.gather`; pass
    ``data`` to reuse tables already gathered), the charts are rendered once, and the PDF is
    rendered from the same HTML, so every format shows the same, equally suppressed, numbers.
    ``audit_findings`` and ``audit_themes`` are the tidy frames of a thematic audit round
    (the columns of ``arpkit.web.audits.findings.findings_frame`` and ``themes_frame``, or
    their CSVs read by :mod:`arpkit.reports.audit`): with them the pack gains an "Audit
    findings" page and sheets. They are checked first, so a bad frame fails before any
    engine work. Returns the path written for each format.
    """
    from arpkit.reports.audit import check_findings, check_themes
    from arpkit.reports.html import figures_of, render_html, render_svgs

    if audit_themes is not None and audit_findings is None:
        from arpkit.engine.errors import ArpkitError

        raise ArpkitError("audit themes were given without the audit findings they belong to")
    findings = None if audit_findings is None else check_findings(audit_findings)
    themes = None if audit_themes is None else check_themes(audit_themes)

    if data is None:
        data = gather(warehouse, period, suppression=suppression, threshold=threshold,
                      reference_dir=reference_dir, benchmark_la=benchmark_la, title=title)
    if findings is not None:
        data = dataclasses.replace(data, audit_findings=findings, audit_themes=themes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"arpkit-report-{data.period}" + ("-internal" if data.suppression != "dfe" else "")
    written: dict[str, Path] = {}
    if "xlsx" in formats:
        from arpkit.reports.xlsx import write_workbook

        written["xlsx"] = write_workbook(data, out / f"{stem}.xlsx")
    if "html" in formats or "pdf" in formats:
        sections = build_sections(data)
        figures = figures_of(sections)
        svgs = render_svgs(figures)
        if "html" in formats:
            path = out / f"{stem}.html"
            path.write_text(render_html(data, sections, svgs), encoding="utf-8")
            written["html"] = path
        if "pdf" in formats:
            from arpkit.reports.pdf import charts_as_images, html_to_pdf

            written["pdf"] = html_to_pdf(
                render_html(data, sections, charts_as_images(figures, svgs)),
                out / f"{stem}.pdf")
    return written
