"""Shared pieces of the benchmarks: the cache of generated authorities, timing, memory, output.

Why a cache: a 1,000,000-child authority takes minutes to generate and import on the 2-core
reference machine, and every benchmark of the metrics reads the same one.  Generated files and
warehouses live under ``benchmarks/.cache/`` (git-ignored), named by size, seed, year and
formats, and are only reused once complete (a ``.done`` marker is written last).

Benchmarks report ratios against a floor timed in the same run, because absolute times on a
shared 2-core machine move with whatever else is running; the load average is printed with
every result so a reader can judge the noise.  Nothing here asserts a timing.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
#: Synthetic data only: a fixed key keeps cached warehouses reusable and never creates a key
#: file in the home directory.  A key already in the environment wins.
BENCH_KEY = "arpkit-benchmark-key-synthetic-data-only"
DEFAULT_SEED = 20250331
DEFAULT_PERIOD = 2025
#: Above this size Annex A would pass Excel's 1,048,576-row limit on List 1 (docs/synthetic.md).
ANNEX_A_MAX_CHILDREN = 1_200_000


def use_benchmark_key() -> None:
    os.environ.setdefault("ARPKIT_PSEUDONYM_KEY", BENCH_KEY)


def formats_for(children: int, wanted: Sequence[str] | None = None) -> tuple[str, ...]:
    """All formats, without Annex A when the workbook cannot hold that many children."""
    from arpkit.synth import FORMATS

    chosen = tuple(wanted or FORMATS)
    if children > ANNEX_A_MAX_CHILDREN:
        chosen = tuple(f for f in chosen if f != "annex_a")
    return chosen


def _slug(children: int, seed: int, period: int, formats: Sequence[str]) -> str:
    short = "-".join(sorted(f.replace("_", "") for f in formats))
    return f"{children}c-s{seed}-p{period}-{short}"


def synth_cached(children: int, *, seed: int = DEFAULT_SEED, period: int = DEFAULT_PERIOD,
                 formats: Sequence[str] | None = None, log: Callable[[str], None] = print,
                 ) -> Path:
    """A generated authority under ``.cache/synth-*`` (generated on first use)."""
    from arpkit.synth import generate

    formats = formats_for(children, formats)
    folder = CACHE / f"synth-{_slug(children, seed, period, formats)}"
    if (folder / ".done").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    log(f"generating {children:,} children ({', '.join(formats)}) into {folder} ...")
    t = time.perf_counter()
    generate(folder, children=children, seed=seed, period=period, formats=formats)
    (folder / ".done").write_text(f"{time.perf_counter() - t:.1f} s\n", encoding="utf-8")
    log(f"  generated in {time.perf_counter() - t:,.1f} s")
    return folder


def warehouse_cached(children: int, *, seed: int = DEFAULT_SEED, period: int = DEFAULT_PERIOD,
                     formats: Sequence[str] | None = None,
                     log: Callable[[str], None] = print) -> Path:
    """A warehouse holding one generated authority, imported on first use."""
    from arpkit.engine.importer import import_paths

    use_benchmark_key()
    formats = formats_for(children, formats)
    folder = synth_cached(children, seed=seed, period=period, formats=formats, log=log)
    path = CACHE / f"warehouse-{_slug(children, seed, period, formats)}.duckdb"
    done = path.with_suffix(".done")
    if done.exists() and path.exists():
        return path
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    log(f"importing {folder.name} into {path.name} ...")
    t = time.perf_counter()
    import_paths([folder], warehouse=path)
    done.write_text(f"{time.perf_counter() - t:.1f} s\n", encoding="utf-8")
    log(f"  imported in {time.perf_counter() - t:,.1f} s")
    return path


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` is the wall time in seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    Read from ``VmHWM`` in ``/proc/self/status`` where there is one: Linux carries
    ``getrusage``'s ``ru_maxrss`` over ``fork`` and ``exec``, so a worker started by a big
    parent would report the parent's peak.  Elsewhere ``ru_maxrss`` (KiB on Linux).
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load}")


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain fixed-width text table (benchmarks print to logs, not terminals)."""
    cells = [[str(h) for h in header], *[[_fmt(v) for v in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if v != v:  # NaN
            return "-"
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
