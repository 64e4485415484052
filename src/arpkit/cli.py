"""The ``arpkit`` command line.

Exit codes: 0 success; 2 bad input or a setting that cannot be used (the message says which
file, row or element and field); 1 an internal error (a bug: please report it with the
traceback printed by ``--debug``).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from arpkit.engine.errors import ArpkitError, InputError, Severity

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

out = Console()
err = Console(stderr=True, soft_wrap=True)  # never break a file path mid-line


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="files or folders (every file is recognised by its content)")
    p.add_argument("--la", help="authority code (three-digit DfE number or E-code) for files "
                                "that carry none (SSDA903, Annex A, population)")
    p.add_argument("--period", type=int, metavar="YYYY",
                   help="collection year (the year ending 31 March) when a file does not say")
    p.add_argument("--encoding", help="force the text encoding of CSV files (e.g. cp1252)")
    p.add_argument("--mapping", type=Path, help="YAML column mapping for a case-system extract")
    p.add_argument("--allow-partial", action="store_true",
                   help="load an Annex A workbook even if some lists are missing (they are named)")
    p.add_argument("--ignore-extra-columns", action="store_true",
                   help="report unexpected CSV columns as warnings instead of errors")
    p.add_argument("--allow-all-age-population", action="store_true",
                   help="accept an all-age population table as a child denominator (biased; "
                        "results are labelled)")
    p.add_argument("--quiet", action="store_true", help="no progress or summary output")


def _settings(args: argparse.Namespace):
    from arpkit.engine.records import ReadSettings

    kwargs = dict(la_code=args.la, period=args.period, encoding=args.encoding,
                  mapping=args.mapping, allow_partial=args.allow_partial,
                  extra_columns="ignore" if args.ignore_extra_columns else "error")
    if "allow_all_age_population" in ReadSettings.__dataclass_fields__:
        kwargs["allow_all_age_population"] = args.allow_all_age_population
    return ReadSettings(**kwargs)


def _progress(quiet: bool):
    from contextlib import nullcontext

    if quiet:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(pulse_style="cyan"),
                    TextColumn("{task.fields[rows]:,} rows, {task.fields[files]} files done"),
                    TimeElapsedColumn(), console=err, transient=True)


def cmd_import(args: argparse.Namespace) -> int:
    from arpkit.engine.importer import import_paths

    with _progress(args.quiet) as progress:
        task = progress.add_task("importing", total=None, rows=0, files=0) if progress else None

        def report(label: str, rows: int, files: int) -> None:
            if progress is not None:
                progress.update(task, description=f"reading {label}", rows=rows, files=files)

        summary = import_paths(args.paths, warehouse=args.warehouse, settings=_settings(args),
                               progress=report)
    if args.quiet:
        return EXIT_OK
    table = Table(title="Imported", show_lines=False)
    for col in ("kind", "files", "LA", "period", "rows", "children", "events", "population",
                "replaced"):
        table.add_column(col, justify="right" if col in ("rows", "children", "events",
                                                         "population") else "left")
    for s in summary.imported:
        table.add_row(s.kind, ", ".join(s.files), s.la_code or "", str(s.period or ""),
                      f"{s.rows:,}", f"{s.children:,}", f"{s.events:,}", f"{s.population:,}",
                      str(len(s.replaced)) if s.replaced else "")
    out.print(table)
    if summary.unchanged:
        out.print(f"Already imported (unchanged, skipped): {', '.join(summary.unchanged)}")
    for w in summary.warnings[:20]:
        err.print(f"[yellow]{w}[/yellow]", markup=True, highlight=False)
    if len(summary.warnings) > 20:
        err.print(f"... and {len(summary.warnings) - 20} more warnings")
    if summary.unmapped_labels:
        n = sum(summary.unmapped_labels.values())
        out.print(f"{len(summary.unmapped_labels)} ethnicity label(s) on {n:,} record(s) were not "
                  "recognised and are counted as UNKNOWN: see `arpkit ethnicity unmapped`.")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from arpkit.engine.importer import validate_paths

    problems = validate_paths(args.paths, _settings(args))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    for p in problems:
        (err if p.severity is Severity.ERROR else out).print(str(p), highlight=False, markup=False)
    if not args.quiet:
        out.print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from arpkit.engine.summary import summarise

    s = summarise(args.warehouse)
    _print_frame("Current imports", s.imports)
    _print_frame("Children by ethnic group", s.children_by_group)
    _print_frame("Events by period and stage", s.events_by_stage)
    _print_frame("Population (denominators)", s.population)
    out.print(f"Children whose ethnicity differs between returns: {s.conflicts:,}")
    if len(s.unmapped_labels):
        out.print(f"Unrecognised ethnicity labels: {len(s.unmapped_labels):,} "
                  "(see `arpkit ethnicity unmapped`)")
    if args.headline and len(s.imports):
        _print_headline(args.warehouse)
    return EXIT_OK


def _print_headline(warehouse) -> None:
    """Rates per 10,000 and disparity ratios at 31 March for the latest period (suppressed)."""
    from arpkit.engine.metrics import metrics, periods_present
    from arpkit.engine.warehouse import connect

    present = periods_present(connect(warehouse))
    if not present:
        return
    period = present[-1]
    df = metrics(warehouse, period=period)
    pick = df[(df["basis"] == "at_31_march") & (df["breakdown"] == "ethnicity_group")
              & df["stage"].isin(["cin", "cp_plan", "cla"])]
    rates = pick[pick["measure"] == "rate_per_10k"].set_index(["stage", "group"])
    ratio = pick[pick["measure"] == "disparity_ratio"].set_index(["stage", "group"])
    table = Table(title=f"Headline, 31 March {period}: rate per 10,000 children and ratio to "
                        "White children (95% CI; c = suppressed)")
    for col in ("stage", "group", "children", "rate per 10,000", "ratio to White"):
        table.add_column(col, justify="left" if col in ("stage", "group") else "right")

    def fmt(v, lo, hi) -> str:
        return "" if _isna(v) else f"{v:.1f} ({lo:.1f}-{hi:.1f})"

    for (stage, group), r in rates.iterrows():
        if _isna(r["denominator"]) and not r["suppressed"]:
            continue
        rr = ratio.loc[(stage, group)] if (stage, group) in ratio.index else None
        table.add_row(
            {"cin": "Children in need", "cp_plan": "Child protection plan",
             "cla": "Looked after"}[stage], group,
            "c" if r["suppressed"] else f"{int(r['numerator']):,}",
            "c" if r["suppressed"] else fmt(r["value"], r["ci_lower"], r["ci_upper"]),
            "reference" if rr is None and group == "WHITE" else
            "" if rr is None else "c" if rr["suppressed"] else
            fmt(rr["value"], rr["ci_lower"], rr["ci_upper"]))
    out.print(table)


def _print_frame(title: str, df) -> None:
    table = Table(title=title)
    for col in df.columns:
        table.add_column(str(col), justify="right" if df[col].dtype.kind in "iuf" else "left")
    for row in df.itertuples(index=False):
        table.add_row(*("" if _isna(v) else f"{v:,}" if isinstance(v, int) and col != "period"
                        else str(v) for col, v in zip(df.columns, row, strict=True)))
    out.print(table)


def _isna(v: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def cmd_synth(args: argparse.Namespace) -> int:
    from arpkit.synth import generate

    formats = tuple(f.strip() for f in args.formats.split(",")) if args.formats else None
    kwargs = {"children": args.children, "seed": args.seed, "period": args.period,
              "config": args.config, "la_code": args.la}
    if formats:
        kwargs["formats"] = formats
    result = generate(args.out, **kwargs)
    if not args.quiet:
        files = list(result.files.values())
        out.print(f"Wrote a synthetic authority ({args.children:,} children, seed {args.seed}, "
                  f"period {args.period}) to {args.out}")
        for f in files:
            out.print(f"  {f}")
    return EXIT_OK


def cmd_ethnicity_unmapped(args: argparse.Namespace) -> int:
    from arpkit.engine.summary import summarise

    df = summarise(args.warehouse).unmapped_labels
    if df.empty:
        out.print("Every ethnicity label in the warehouse was recognised.")
        return EXIT_OK
    _print_frame("Unrecognised ethnicity labels (counted as UNKNOWN)", df)
    out.print("Record a decision with: arpkit ethnicity map LABEL CODE")
    return EXIT_OK


def cmd_ethnicity_map(args: argparse.Namespace) -> int:
    from arpkit.engine.ethnicity_mapping import default_path, record_decision

    path = args.mapping_file or default_path()
    ov = record_decision(path, args.label, args.code, by=args.by or _whoami(), note=args.note)
    out.print(f"Recorded {args.label!r} -> {args.code} in {path} (version {ov.version}). "
              "The next import applies it.")
    return EXIT_OK


def cmd_ethnicity_history(args: argparse.Namespace) -> int:
    import pandas as pd

    from arpkit.engine.ethnicity_mapping import default_path, history

    rows = history(args.mapping_file or default_path())
    if not rows:
        out.print("No mapping decisions recorded yet.")
        return EXIT_OK
    _print_frame("Ethnicity mapping decisions", pd.DataFrame(rows))
    return EXIT_OK


def _whoami() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def cmd_export_parquet(args: argparse.Namespace) -> int:
    from arpkit.engine.warehouse import export_parquet

    for p in export_parquet(args.warehouse, args.out):
        if not args.quiet:
            out.print(str(p))
    return EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from arpkit.engine.metrics import metrics, write_table

    df = metrics(args.warehouse, period=args.period, suppression=args.suppression,
                 threshold=args.threshold, chinese_group=args.chinese_group,
                 reference_code=args.reference_code, reference_group=args.reference_group,
                 la_codes=[args.la] if args.la else None,
                 population_source=args.population_source)
    write_table(df, args.out)
    if not args.quiet:
        pops = "; ".join(f"{p}: {v or 'none loaded'}" for p, v in df.attrs["population"].items())
        out.print(f"Wrote {len(df):,} rows to {args.out} (suppression {args.suppression}, "
                  f"Chinese children counted as {args.chinese_group}; denominators {pops})")
    return EXIT_OK


def cmd_pathway(args: argparse.Namespace) -> int:
    from arpkit.engine.metrics import write_table
    from arpkit.engine.pathway import pathway

    df = pathway(args.warehouse, period=args.period, window_days=args.window_days,
                 suppression=args.suppression, threshold=args.threshold,
                 reference_group=args.reference_group, reference_code=args.reference_code,
                 chinese_group=args.chinese_group, follow_up=args.follow_up)
    write_table(df, args.out)
    if not args.quiet:
        out.print(f"Wrote {len(df):,} rows to {args.out} (first contacts in {args.period}, "
                  f"{args.window_days}-day window, follow-up {args.follow_up} to "
                  f"{df.attrs['coverage_end']}, suppression {args.suppression})")
    return EXIT_OK


def cmd_quality(args: argparse.Namespace) -> int:
    from arpkit.engine.errors import ConfigError
    from arpkit.engine.metrics import write_table
    from arpkit.engine.quality import conflict_keys, quality

    if args.conflicts_csv and args.conflicts_csv.resolve() == args.out.resolve():
        raise ConfigError("--conflicts-csv must be a different file from --out: the child-level "
                          "list is never written into the shared quality table")
    df = quality(args.warehouse, period=args.period, suppression=args.suppression,
                 threshold=args.threshold, mapping_file=args.mapping_file)
    write_table(df, args.out)
    keys = None
    if args.conflicts_csv:
        keys = conflict_keys(args.warehouse, period=args.period)
        write_table(keys, args.conflicts_csv).chmod(0o600)  # child-level: owner only
    if not args.quiet:
        out.print(f"Wrote {len(df):,} rows to {args.out} (suppression {args.suppression})")
        if keys is not None:
            out.print(f"Wrote {len(keys):,} conflicting child records (pseudonymised keys, for "
                      f"the data team only: do not share) to "
                      f"{args.conflicts_csv}")
    return EXIT_OK


def cmd_funnel(args: argparse.Namespace) -> int:
    from arpkit.engine.metrics import write_table
    from arpkit.engine.teams import team_funnel

    df = team_funnel(args.warehouse, args.period, suppression=args.suppression,
                     threshold=args.threshold, chinese_group=args.chinese_group)
    write_table(df, args.out)
    if not args.quiet:
        flagged = df[df["classification"].fillna("Not significant") != "Not significant"]
        out.print(f"Wrote {len(df):,} team rows to {args.out}; {len(flagged):,} outside the "
                  "95% funnel limits")
    return EXIT_OK


def _statistics_options(p: argparse.ArgumentParser, *, reference: bool = False,
                        chinese: bool = True) -> None:
    """Options every statistics command shares, with the same names, defaults and help."""
    p.add_argument("--suppression", choices=("dfe", "none"), default="dfe",
                   help="dfe: counts 1-5 suppressed with secondary suppression (default); "
                        "none: for analysts inside the authority")
    p.add_argument("--threshold", type=int, default=5, help="primary suppression threshold")
    if chinese:
        p.add_argument("--chinese-group", choices=("asian", "other"), default="asian",
                       help="count Chinese children under Asian (DfE/ONS, default) or Other "
                            "(the Annex A convention)")
    if reference:
        p.add_argument("--reference-code", default="WBRI")
        p.add_argument("--reference-group", default="WHITE")


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True,
                   help="output file: .csv (default), .parquet or .json")
    p.add_argument("--quiet", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arpkit", description="Anti-racist practice toolkit for children's services.")
    parser.add_argument("--debug", action="store_true", help="print tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    def wh(p: argparse.ArgumentParser) -> None:
        p.add_argument("--warehouse", "-w", default=None,
                       help="DuckDB warehouse file (default $ARPKIT_WAREHOUSE or ./arpkit.duckdb)")

    p = sub.add_parser("import", help="import returns into the warehouse (one transaction)")
    wh(p)
    _add_read_options(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("validate", help="report every problem in files without importing")
    _add_read_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("summary", help="what is in the warehouse")
    wh(p)
    p.add_argument("--no-headline", dest="headline", action="store_false",
                   help="skip the headline disproportionality table")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("synth", help="write a synthetic authority in the real formats")
    p.add_argument("--children", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--period", type=int, required=True, metavar="YYYY")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--config", type=Path, help="YAML of shares, rates and group multipliers")
    p.add_argument("--formats", help="comma list of cin_census,ssda903,annex_a,population")
    p.add_argument("--la", default="999", help="authority code written into the files")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth)

    eth = sub.add_parser("ethnicity", help="review and map ethnicity labels")
    esub = eth.add_subparsers(dest="ethnicity_command", required=True)
    p = esub.add_parser("unmapped", help="labels the normaliser did not recognise, with counts")
    wh(p)
    p.set_defaults(func=cmd_ethnicity_unmapped)
    p = esub.add_parser("map", help="record a mapping decision: LABEL means CODE")
    p.add_argument("label")
    p.add_argument("code")
    p.add_argument("--by", help="who decided (default: your login name)")
    p.add_argument("--note")
    p.add_argument("--mapping-file", type=Path)
    p.set_defaults(func=cmd_ethnicity_map)
    p = esub.add_parser("history", help="every mapping decision, in order")
    p.add_argument("--mapping-file", type=Path)
    p.set_defaults(func=cmd_ethnicity_history)

    p = sub.add_parser("metrics", help="disproportionality metrics table (CSV/Parquet/JSON)")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY",
                   help="collection year (default: every period in the warehouse)")
    _statistics_options(p, reference=True)
    p.add_argument("--la", help="limit to one authority (default: all in the warehouse)")
    p.add_argument("--population-source", help="denominator source to use when several exist")
    _output_options(p)
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("pathway", help="what followed each child's first contact: early help, "
                                       "referral, re-contact or no further action")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY", required=True,
                   help="collection year of the first contacts (the year ending 31 March)")
    p.add_argument("--window-days", type=int, default=90,
                   help="days after the first contact in which outcomes count (default 90)")
    p.add_argument("--follow-up", choices=("complete", "truncated"), default="complete",
                   help="complete: only contacts whose window ends before the data does "
                        "(default); truncated: every contact, followed as far as the data goes")
    _statistics_options(p, reference=True)
    _output_options(p)
    p.set_defaults(func=cmd_pathway)

    p = sub.add_parser("quality", help="ethnicity recording quality: completeness, conflicts "
                                       "between returns, unmapped labels")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY",
                   help="collection year (default: every period in the warehouse)")
    _statistics_options(p, chinese=False)
    p.add_argument("--mapping-file", type=Path,
                   help="label decisions file whose history is reported (default "
                        "$ARPKIT_ETHNICITY_MAP or ./arpkit-ethnicity-map.yml)")
    p.add_argument("--conflicts-csv", type=Path, metavar="KEYS.csv",
                   help="also write the pseudonymised keys of children whose returns disagree, "
                        "for the data team (never part of --out)")
    _output_options(p)
    p.set_defaults(func=cmd_quality)

    p = sub.add_parser("funnel", help="teams against the authority, with funnel-plot limits")
    wh(p)
    p.add_argument("--period", type=int, metavar="YYYY", help="default: the latest period")
    _statistics_options(p)
    _output_options(p)
    p.set_defaults(func=cmd_funnel)

    p = sub.add_parser("export-parquet", help="write every warehouse table as Parquet")
    wh(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_export_parquet)

    # Larger capabilities (reports, workforce, regional aggregates, the web platform) keep their
    # commands in their own modules; each exposes register(subparsers, warehouse_option).
    import importlib

    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(sub, wh)
    return parser


# Modules that add subcommands. Imported when the parser is built, so each keeps its heavy
# imports inside its command functions to keep ``arpkit --help`` quick.
_COMMAND_MODULES: list[str] = ["arpkit.reports.cli", "arpkit.workforce_cli"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        err.print(str(exc), markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except ArpkitError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.print("interrupted; nothing was changed by the unfinished command")
        return EXIT_INTERNAL
    except Exception:
        if args.debug:
            traceback.print_exc()
        else:
            err.print("internal error (a bug in arpkit); rerun with --debug for the traceback",
                      markup=False)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
