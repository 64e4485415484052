"""How long the full report pack takes to build: issue "report pack", target under a minute
for a 1,000,000-child authority (a benchmark, not a timed test).

Times each step of ``arpkit.reports.build.build_pack`` on a cached synthetic warehouse
(``_common.warehouse_cached``): gathering the engine's tables once (metrics for every period,
pathway, quality, team funnels), building the sections and charts, rendering the SVGs, writing
the HTML, the PDF (WeasyPrint from that HTML) and the workbook, and each engine call inside
``gather`` (the times ``arpkit.reports.pack`` logs; they run two at a time, so they overlap).
A small warehouse is built first and the whole pack run once on it, so module imports are not
counted.

Run: ``.venv/bin/python benchmarks/report_pack.py [--children 1000000] [--reference DIR]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
from pathlib import Path

from _common import (
    DEFAULT_PERIOD,
    DEFAULT_SEED,
    machine,
    peak_rss_mb,
    stderr,
    table,
    timer,
    use_benchmark_key,
    warehouse_cached,
)

WARM_UP_CHILDREN = 2_000


class _GatherSteps(logging.Handler):
    """Collects the per-call times ``gather`` logs ("gather: metrics took 12.34 s")."""

    PATTERN = re.compile(r"gather: (.+) took ([0-9.]+) s")

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.steps: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        m = self.PATTERN.fullmatch(record.getMessage())
        if m:
            self.steps.append((m.group(1), float(m.group(2))))


def run(warehouse: Path, out: Path, reference: Path | None) -> list[tuple[str, float]]:
    from arpkit.reports.html import figures_of, render_html, render_svgs
    from arpkit.reports.pack import build_sections, gather
    from arpkit.reports.pdf import charts_as_images, html_to_pdf
    from arpkit.reports.xlsx import write_workbook

    steps: list[tuple[str, float]] = []
    pack_log = logging.getLogger("arpkit.reports.pack")
    calls = _GatherSteps()
    pack_log.addHandler(calls)
    pack_log.setLevel(logging.INFO)
    try:
        with timer() as t:
            data = gather(warehouse, reference_dir=reference)
    finally:
        pack_log.removeHandler(calls)
    steps.append(("gather engine tables (once)", t[0]))
    steps.extend((f"  of which {name}", seconds) for name, seconds in calls.steps)
    with timer() as t:
        sections = build_sections(data)
    steps.append(("sections, findings and chart specs", t[0]))
    figures = figures_of(sections)
    with timer() as t:
        svgs = render_svgs(figures)
    steps.append((f"render {len(figures)} SVGs (vl-convert, 2 threads)", t[0]))
    with timer() as t:
        html = render_html(data, sections, svgs)
        (out / "pack.html").write_text(html, encoding="utf-8")
    steps.append(("HTML", t[0]))
    with timer() as t:  # as build_pack: the same template, charts as SVG images
        html_to_pdf(render_html(data, sections, charts_as_images(figures, svgs)),
                    out / "pack.pdf")
    steps.append(("PDF (WeasyPrint)", t[0]))
    with timer() as t:
        write_workbook(data, out / "pack.xlsx")
    steps.append(("Excel workbook", t[0]))
    steps.append(("total", sum(s for name, s in steps if not name.startswith(" "))))
    return steps


def upgrade_schema(path: Path) -> None:
    """Add the (empty) tables a newer arpkit defines to a cached warehouse built before them
    (HR ``staff``, ``peer_aggregates``, ...): the pack reads them, and rebuilding a
    1,000,000-child warehouse takes far longer than the pack.  No existing row changes."""
    from arpkit.engine.warehouse import open_duckdb

    with open_duckdb(path, create=False):
        pass


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--period", type=int, default=DEFAULT_PERIOD)
    ap.add_argument("--reference", type=Path, default=None,
                    help="folder of DfE tables for the Benchmarks page")
    args = ap.parse_args(argv)
    use_benchmark_key()
    small = warehouse_cached(WARM_UP_CHILDREN, seed=args.seed, period=args.period, log=stderr)
    big = warehouse_cached(args.children, seed=args.seed, period=args.period, log=stderr)
    for path in (small, big):
        upgrade_schema(path)
    with tempfile.TemporaryDirectory() as tmp:
        stderr(f"warm-up on {WARM_UP_CHILDREN:,} children ...")
        run(small, Path(tmp), args.reference)
        stderr(f"timing the pack on {args.children:,} children ...")
        steps = run(big, Path(tmp), args.reference)
        sizes = {p.suffix: p.stat().st_size / 1e6 for p in Path(tmp).iterdir()}
    print(f"report pack, {args.children:,} children, period {args.period}; {machine()}")
    print(table([(name, seconds) for name, seconds in steps], ("step", "seconds")))
    print("output sizes (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(sizes.items())))
    print(f"peak RSS {peak_rss_mb():,.0f} MB; pid {os.getpid()}")


if __name__ == "__main__":
    main()
