"""``arpkit report``: the anti-racist performance report pack (HTML, PDF, Excel).

Registered through ``arpkit.cli._COMMAND_MODULES``; heavy imports stay inside the command so
``arpkit --help`` remains quick.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx")


def _formats(text: str) -> list[str]:
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(wanted))


def register(sub: argparse._SubParsersAction, wh: Callable[[argparse.ArgumentParser], None],
             ) -> None:
    p = sub.add_parser("report", help="the report pack: HTML, PDF and Excel")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY", help="default: the latest period")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder to write the pack into (created if needed)")
    p.add_argument("--format", type=_formats, default=list(FORMATS), metavar="html,pdf,xlsx",
                   help="comma-separated formats (default: all three)")
    p.add_argument("--suppression", choices=("dfe", "none"), default="dfe",
                   help="dfe: publication rules (default); none: internal analyst pack only")
    p.add_argument("--threshold", type=int, default=5, help="primary suppression threshold")
    p.add_argument("--reference", type=Path, metavar="DIR",
                   help="folder of published DfE tables for the Benchmarks page (the layout "
                        "of shared/data/reference)")
    p.add_argument("--benchmark-la", metavar="CODE",
                   help="three-digit LA number whose region and statistical neighbours are "
                        "shown (default: the warehouse's authority)")
    p.add_argument("--audit-findings", type=Path, metavar="FILE.csv",
                   help="a thematic audit round's findings, as exported from the web app (the "
                        "columns of findings_frame; docs/reports.md): adds an Audit findings "
                        "page")
    p.add_argument("--audit-themes", type=Path, metavar="FILE.csv",
                   help="the same round's themes (the columns of themes_frame); needs "
                        "--audit-findings")
    p.add_argument("--title", help="title of the pack")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from arpkit.engine.errors import ArpkitError
    from arpkit.reports.audit import read_findings, read_themes
    from arpkit.reports.build import build_pack

    if args.threshold < 1:
        raise ArpkitError(f"--threshold must be at least 1, not {args.threshold}")
    if args.reference is not None and not args.reference.is_dir():
        raise ArpkitError(f"--reference {args.reference}: no such folder")
    if args.audit_themes is not None and args.audit_findings is None:
        raise ArpkitError("--audit-themes needs --audit-findings (the round's findings)")
    # Read and check the audit CSVs before any engine work, so a bad file fails fast.
    findings = read_findings(args.audit_findings) if args.audit_findings else None
    themes = read_themes(args.audit_themes) if args.audit_themes else None
    start = time.perf_counter()
    written = build_pack(args.warehouse, args.out, period=args.period, formats=args.format,
                         suppression=args.suppression, threshold=args.threshold,
                         reference_dir=args.reference, benchmark_la=args.benchmark_la,
                         title=args.title, audit_findings=findings, audit_themes=themes)
    if not args.quiet:
        for path in written.values():
            print(f"wrote {path}")
        print(f"report pack built in {time.perf_counter() - start:,.1f} s")
    return 0
