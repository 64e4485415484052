"""CIN census XML import speed, next to a bare ``lxml.etree.iterparse`` pass (the floor).

Issue "engine foundation": import speed in children per second on a generated census of
100,000 children, next to a bare iterparse pass over the same file, printed as a ratio.
``--children`` sizes the generated authority; about 53% of its children are in the census
(the rest only have contacts), so ``--children 190000`` gives a census of about 100,000.
Targets: within 3x of the bare parse, and at least 50x faster than the data-to-insight CIN
validator's loader, which takes about 7 ms per child (formats.md section 7).

What is timed, in one process, on the same file (already in the OS page cache):

* ``bare iterparse``: ``lxml.etree.iterparse`` over the file, counting ``Child`` elements and
  clearing each one and its finished siblings (the least any streaming reader must do);
* ``read only``: arpkit's CIN census reader producing its records (no hashing, no database);
* ``full import``: ``import_paths`` into a fresh warehouse - detect, SHA-256 of the file, read,
  HMAC pseudonyms, ethnicity mapping, writing to DuckDB in one transaction, rebuilding the
  children table and committing.

Each run is also printed on its own, with wall and CPU seconds per step and the load average
after it, since the best-of figures of a shared machine hide how much they move.

Run: ``.venv/bin/python benchmarks/ingest.py [--children 100000] [--repeat 1]``.  The
generated file is cached under ``benchmarks/.cache/``.  Every step is first run once on a
500-child census so one-off process costs (imports, DuckDB start-up) are not counted.  With
``--repeat N`` each step runs N times (in turn) and the best time is kept.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import (
    DEFAULT_PERIOD,
    DEFAULT_SEED,
    machine,
    peak_rss_mb,
    synth_cached,
    table,
    timer,
    use_benchmark_key,
)

VALIDATOR_SECONDS_PER_CHILD = 0.007  # data-to-insight CIN validator loader (formats.md §7)
TARGET_RATIO = 3.0
TARGET_SPEEDUP = 50.0


def bare_parse(path: Path) -> int:
    """The floor: a streaming parse that only counts children and frees what it has seen."""
    from lxml import etree

    n = 0
    for _, el in etree.iterparse(str(path), events=("end",), tag="Child"):
        n += 1
        el.clear(keep_tail=False)
        parent = el.getparent()
        while el.getprevious() is not None:
            del parent[0]
    return n


def read_only(path: Path) -> int:
    from arpkit.engine.readers.cin_census import CinCensusReader

    reader = CinCensusReader([path])
    return sum(len(chunk.children) for chunk in reader.chunks())


def full_import(path: Path, scratch: Path, run: int) -> int:
    from arpkit.engine.importer import import_paths

    summary = import_paths([path], warehouse=scratch / f"ingest-{run}.duckdb")
    return sum(s.children for s in summary.imported)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--period", type=int, default=DEFAULT_PERIOD)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each step; the best is kept")
    args = ap.parse_args(argv)

    use_benchmark_key()
    folder = synth_cached(args.children, seed=args.seed, period=args.period,
                          formats=("cin_census",))
    path = folder / "cin_census.xml"
    size_mb = path.stat().st_size / 1e6
    path.read_bytes()  # into the page cache, so no step pays for the disk

    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    runs: list[tuple] = []  # per run: wall and CPU seconds of each step, load average after
    with tempfile.TemporaryDirectory(prefix="arpkit-ingest-") as tmp:
        # Warm-up on a small census: module imports (several seconds when Python may not
        # write .pyc files), the ethnicity tables and DuckDB's first connection are one-off
        # costs of a process, not of the file.
        small = synth_cached(500, seed=args.seed, period=args.period,
                             formats=("cin_census",)) / "cin_census.xml"
        bare_parse(small), read_only(small), full_import(small, Path(tmp), -1)
        for run in range(args.repeat):
            this: list[float] = []
            for name, fn in (("bare iterparse (floor)", lambda: bare_parse(path)),
                             ("arpkit read only", lambda: read_only(path)),
                             ("arpkit full import", lambda r=run: full_import(path, Path(tmp), r))):
                cpu = time.process_time()
                with timer() as t:
                    counts[name] = fn()
                this += [t[0], time.process_time() - cpu]
                best[name] = min(best.get(name, float("inf")), t[0])
            runs.append((run + 1, *this, this[4] / this[0], this[5] / this[1],
                         os.getloadavg()[0]))

    floor = best["bare iterparse (floor)"]
    children = counts["arpkit full import"]
    rows = [(name, secs, counts[name], counts[name] / secs, secs / floor)
            for name, secs in best.items()]
    ratio = best["arpkit full import"] / floor
    speedup = children * VALIDATOR_SECONDS_PER_CHILD / best["arpkit full import"]
    print(f"CIN census import: {args.children:,} children requested, {size_mb:,.0f} MB XML, "
          f"best of {args.repeat}")
    print(f"machine: {machine()}")
    print(table(rows, ["step", "seconds", "children", "children/s", "x floor"]))
    # Each run on its own, wall and CPU (CPU time includes DuckDB's and the hashing thread's),
    # with the 1-minute load average after it: on a shared machine the spread is the noise.
    print(table(runs, ["run", "floor s", "floor cpu", "read s", "read cpu", "import s",
                       "import cpu", "import/floor", "cpu ratio", "load"]))
    print(f"full import / bare parse: {ratio:.2f}x   (target: within {TARGET_RATIO:g}x; "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'})")
    print(f"speed-up over the 7 ms/child validator loader: {speedup:,.0f}x   (target: at least "
          f"{TARGET_SPEEDUP:g}x; {'met' if speedup >= TARGET_SPEEDUP else 'MISSED'})")
    print(f"peak RSS of this process: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
