"""Commands for workforce equity and regional aggregates (registered by ``arpkit.cli``).

``arpkit import-hr``, ``arpkit workforce``, ``arpkit synth-hr``, ``arpkit export-aggregates``,
``arpkit import-aggregates`` and ``arpkit compare-peers``.  Heavy imports stay inside the
command functions so ``arpkit --help`` stays quick.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK = 0


def _out():
    from arpkit.cli import err, out

    return out, err


def cmd_import_hr(args: argparse.Namespace) -> int:
    from arpkit.engine.hr_import import check_la, import_hr
    from arpkit.engine.records import ReadSettings

    files = {kind: getattr(args, kind) for kind in ("staff", "recruitment", "disciplinary",
                                                    "grievances", "training", "population")
             if getattr(args, kind)}
    summary = import_hr(args.mapping, la_code=check_la(args.la), files=files,
                        folder=args.folder, warehouse=args.warehouse,
                        settings=ReadSettings(encoding=args.encoding))
    out, err = _out()
    for w in summary.warnings[:20]:
        err.print(str(w), markup=False, highlight=False)
    if args.quiet:
        return EXIT_OK
    if summary.unchanged:
        out.print("Already imported (unchanged, skipped).")
    else:
        rows = ", ".join(f"{t}: {n:,}" for t, n in summary.rows.items())
        out.print(f"Imported the HR extract for {summary.la_code} ({rows})"
                  + (f"; replaced {len(summary.replaced)} earlier import(s)"
                     if summary.replaced else ""))
    return EXIT_OK


def cmd_workforce(args: argparse.Namespace) -> int:
    from arpkit.engine.metrics import write_table
    from arpkit.engine.workforce import workforce

    df = workforce(args.warehouse, period=args.period, suppression=args.suppression,
                   threshold=args.threshold, by_team=not args.no_teams,
                   la_codes=[args.la] if args.la else None)
    write_table(df, args.out)
    if not args.quiet:
        _out()[0].print(f"Wrote {len(df):,} rows to {args.out} (suppression {args.suppression}; "
                        f"periods {', '.join(map(str, df.attrs['periods']))})")
    return EXIT_OK


def cmd_synth_hr(args: argparse.Namespace) -> int:
    from arpkit.synth.workforce import generate_hr

    periods = tuple(int(p) for p in args.periods.split(","))
    result = generate_hr(args.out, staff=args.staff, seed=args.seed, periods=periods)
    if not args.quiet:
        _out()[0].print(f"Wrote a synthetic HR extract ({args.staff:,} staff, seed {args.seed}) "
                        f"to {args.out}; load it with: arpkit import-hr --mapping "
                        f"{result.mapping} --la 999")
    return EXIT_OK


def cmd_export_aggregates(args: argparse.Namespace) -> int:
    from arpkit.engine.aggregates import DATASETS, export_aggregates

    datasets = tuple(d.strip() for d in args.datasets.split(",")) if args.datasets else DATASETS
    path = export_aggregates(args.warehouse, args.out, la_code=args.la,
                             periods=args.period or None, threshold=args.threshold,
                             datasets=datasets)
    if not args.quiet:
        _out()[0].print(f"Wrote suppressed aggregate tables (schema version 1) to {path}")
    return EXIT_OK


def cmd_import_aggregates(args: argparse.Namespace) -> int:
    from arpkit.engine.aggregates import import_aggregates

    loaded = import_aggregates(args.paths, warehouse=args.warehouse, threshold=args.threshold)
    if not args.quiet:
        for la, n in loaded:
            _out()[0].print(f"Loaded {n:,} aggregate rows from authority {la}")
    return EXIT_OK


def cmd_compare_peers(args: argparse.Namespace) -> int:
    from arpkit.engine.aggregates import compare_with_peers
    from arpkit.engine.metrics import write_table

    df = compare_with_peers(args.warehouse, args.period, la_code=args.la, dataset=args.dataset,
                            threshold=args.threshold, reference_dir=args.reference_dir)
    write_table(df, args.out)
    if not args.quiet:
        _out()[0].print(f"Wrote {len(df):,} comparison rows to {args.out}")
    return EXIT_OK


def register(sub, wh) -> None:
    """Add this module's commands to the ``arpkit`` parser."""
    p = sub.add_parser("import-hr", help="import an HR extract set (staff, recruitment, "
                                         "disciplinary, grievances, training) in one transaction")
    wh(p)
    p.add_argument("--mapping", type=Path, required=True, help="the YAML mapping of the extract")
    p.add_argument("--la", required=True, help="authority code (HR files carry none)")
    p.add_argument("--folder", type=Path,
                   help="where the files named in the mapping are (default: beside the mapping)")
    for kind in ("staff", "recruitment", "disciplinary", "grievances", "training",
                 "population"):
        p.add_argument(f"--{kind}", type=Path, help=f"the {kind} CSV, overriding the mapping")
    p.add_argument("--encoding", help="force the text encoding of the CSV files")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_import_hr)

    p = sub.add_parser("workforce", help="workforce race equity indicators (WRES-style)")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY",
                   help="collection year (default: every year the HR data covers)")
    p.add_argument("--suppression", choices=("dfe", "none"), default="dfe")
    p.add_argument("--threshold", type=int, default=5)
    p.add_argument("--no-teams", action="store_true", help="leave out the team breakdown")
    p.add_argument("--la", help="one authority of a pooled warehouse")
    p.add_argument("--out", type=Path, required=True, help=".csv, .parquet or .json")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_workforce)

    p = sub.add_parser("synth-hr", help="write a synthetic HR extract with injected gaps")
    p.add_argument("--staff", type=int, default=1500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--periods", default="2024,2025", help="comma list of collection years")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth_hr)

    p = sub.add_parser("export-aggregates",
                       help="write the authority's suppressed tables to share with peers")
    wh(p)
    p.add_argument("--la", required=True, help="the authority exporting")
    p.add_argument("--period", type=int, action="append", metavar="YYYY",
                   help="collection year (repeat for several; default every year)")
    p.add_argument("--datasets", help="comma list of metrics,pathway,quality,workforce")
    p.add_argument("--threshold", type=int, default=5)
    p.add_argument("--out", type=Path, required=True, help="a folder, or a .zip file")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_export_aggregates)

    p = sub.add_parser("import-aggregates", help="load peers' aggregate exports")
    wh(p)
    p.add_argument("paths", nargs="+", type=Path, metavar="EXPORT")
    p.add_argument("--threshold", type=int, default=5)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_import_aggregates)

    p = sub.add_parser("compare-peers", help="the authority beside its peers, the regional "
                                             "pool and England")
    wh(p)
    p.add_argument("--la", required=True)
    p.add_argument("--period", type=int, required=True, metavar="YYYY")
    p.add_argument("--dataset", default="metrics",
                   choices=("metrics", "pathway", "quality", "workforce"))
    p.add_argument("--threshold", type=int, default=5)
    p.add_argument("--reference-dir", type=Path,
                   help="DfE published figures folder (adds England)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_compare_peers)
