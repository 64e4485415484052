"""The dashboards' cached metric tables: computed once per warehouse state, read per request.

Why a cache: the engine's tables (``arpkit.metrics``, ``arpkit.pathway``, ``arpkit.quality``,
``arpkit.team_funnel``) take seconds to minutes to compute, and the DuckDB warehouse is
single-writer, so a dashboard request must neither recompute nor hold the file open while an
import runs. After each successful import (and from ``build_dashboard_cache``) the tables for
every period are computed in both forms, DfE-suppressed (``dfe``) and unsuppressed (``none``,
analysts only), and written as Parquet under ``<VAR_DIR>/cache/<key>/`` where ``key`` is a hash
of the warehouse's current import ids. ``current.json`` names the live key and is replaced
atomically, so a reader sees either the old complete cache or the new complete one. Each web
process keeps an LRU of the frames it has loaded.

Nothing here imports Django at module level beyond settings lookups, so the benchmark and the
management command share it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

#: The engine tables held, by the name the dashboards use.
KINDS: tuple[str, ...] = ("metrics", "pathway", "quality", "funnel")
#: ``dfe``: published disclosure control; ``none``: every count (analysts only).
SUPPRESSIONS: tuple[str, ...] = ("dfe", "none")
CURRENT = "current.json"


def cache_root() -> Path:
    """``settings.ARPKIT_DASHBOARD_CACHE`` if set, else ``settings.VAR_DIR / "cache"``."""
    from django.conf import settings

    root = getattr(settings, "ARPKIT_DASHBOARD_CACHE", None)
    return Path(root) if root else Path(settings.VAR_DIR) / "cache"


def warehouse_path() -> Path:
    from arpkit.web.core.warehouse import warehouse_path as configured

    return configured()


@dataclass(frozen=True)
class Manifest:
    """What one cache holds: its key, when and from which imports it was built, and per table
    the ``DataFrame.attrs`` the engine returned (Parquet does not keep them)."""

    key: str
    built_at: str
    periods: list[int]
    import_ids: list[str]
    imports: list[dict[str, Any]]
    la_codes: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report_packs: dict[str, str] = field(default_factory=dict)

    @property
    def latest_period(self) -> int | None:
        return max(self.periods) if self.periods else None

    def directory(self, root: Path | None = None) -> Path:
        return (root or cache_root()) / self.key


def cache_key(import_ids: list[str]) -> str:
    """A short stable hash of the current imports: the same warehouse state, the same key."""
    return hashlib.sha256("\n".join(sorted(import_ids)).encode()).hexdigest()[:20]


def _warehouse_state(warehouse: Path) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Current import ids, the import list (counts only) and the authorities, read-only."""
    from arpkit.engine import warehouse as wh

    with wh.open_duckdb(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT import_id, kind, la_code, period, file_name, rows, imported_at "
            "FROM imports WHERE status = 'current' ORDER BY kind, period, imported_at").fetchall()
        la_codes = [r[0] for r in con.execute(
            "SELECT DISTINCT la_code FROM children WHERE la_code IS NOT NULL ORDER BY 1"
        ).fetchall()]
    imports = [{"import_id": r[0], "kind": r[1], "la_code": r[2], "period": r[3],
                "file_name": r[4], "rows": r[5],
                "imported_at": r[6].isoformat() if r[6] else None} for r in rows]
    return [r["import_id"] for r in imports], imports, la_codes


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _engine_tables(con: Any, periods: list[int], suppression: str,
                   notes: list[str]) -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
    """Every table the dashboards show, for every period, in one suppression mode.

    Metrics and quality take every period in one call (their change rows need the previous
    year); the pathway and team funnels are per period and are stacked.
    """
    import arpkit
    from arpkit.engine.errors import ArpkitError

    out: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
    m = arpkit.metrics(con, suppression=suppression)
    out["metrics"] = (m, dict(m.attrs))
    q = arpkit.quality(con, suppression=suppression)
    out["quality"] = (q, dict(q.attrs))
    for kind, fn in (("pathway", arpkit.pathway), ("funnel", arpkit.team_funnel)):
        frames, attrs = [], {}
        for p in periods:
            try:
                df = fn(con, period=p, suppression=suppression)
            except ArpkitError as exc:  # e.g. no contacts recorded that year
                note = f"{kind} {p}: {exc}"
                if note not in notes:
                    notes.append(note)
                continue
            if "period" not in df.columns:
                df = df.assign(period=p)
            attrs[str(p)] = dict(df.attrs)
            frames.append(df)
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out[kind] = (frame, {"by_period": attrs})
    return out


def build(warehouse: Path | str | None = None, root: Path | None = None, *,
          report_pack: bool = True, prerender: bool = False, prerender_workers: int = 2,
          progress: Callable[[str], None] | None = None) -> Manifest | None:
    """Compute and store every cached table for the warehouse's current state.

    Returns the manifest, or None when there is no warehouse or nothing imported yet (the
    dashboards then tell an analyst to import data). Opens the warehouse read-only: call it
    only when no import is writing (the import job calls it after its transaction).

    With ``prerender`` every page body the filter forms offer is drawn too
    (:func:`arpkit.web.dashboards.prepared.prerender`), before the new cache goes live, so
    no request waits for a chart; bodies already drawn are kept, so a rebuild of an unchanged
    warehouse only draws what is missing. Without it pages are drawn on first request.
    """
    from arpkit.engine import warehouse as wh

    warehouse = Path(warehouse) if warehouse else warehouse_path()
    root = root or cache_root()
    say = progress or (lambda _msg: None)
    if not warehouse.exists():
        clear_current(root)
        return None
    import_ids, imports, la_codes = _warehouse_state(warehouse)
    if not import_ids:
        clear_current(root)
        return None
    key = cache_key(import_ids)
    existing = read_manifest(root)
    if existing and existing.key == key and (root / key).is_dir():
        if prerender:
            _prerender(existing, root, prerender_workers, say)
        return existing
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    notes: list[str] = []
    attrs: dict[str, Any] = {}
    con = wh.connect(warehouse, read_only=True)
    try:
        from arpkit.engine.metrics import periods_present

        periods = sorted(int(p) for p in periods_present(con))
        tables: dict[str, dict[str, pd.DataFrame]] = {}
        for suppression in SUPPRESSIONS:
            say(f"computing {'suppressed' if suppression == 'dfe' else 'unsuppressed'} tables")
            for kind, (frame, frame_attrs) in _engine_tables(con, periods, suppression,
                                                             notes).items():
                frame = frame.copy()
                frame.attrs = {}
                frame.to_parquet(work / f"{kind}-{suppression}.parquet", index=False)
                attrs[f"{kind}-{suppression}"] = _json_safe(frame_attrs)
                tables.setdefault(suppression, {})[kind] = frame
    finally:
        con.disconnect()
    manifest = Manifest(key=key, built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        periods=periods, import_ids=sorted(import_ids), imports=imports,
                        la_codes=la_codes, attrs=attrs, notes=notes)
    if report_pack and periods:
        say("writing the report pack")
        packs = _report_packs(manifest, work, tables)
        manifest = Manifest(**{**manifest.__dict__, "report_packs": packs})
    (work / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=1))
    final = root / key
    if final.exists():
        shutil.rmtree(final)
    os.replace(work, final)
    if prerender:  # complete, but not yet live: readers still see the previous cache
        _prerender(manifest, root, prerender_workers, say)
    _write_current(root, manifest)
    _prune(root, keep=key)
    return manifest


def _prerender(manifest: Manifest, root: Path, workers: int,
               say: Callable[[str], None]) -> None:
    from arpkit.web.dashboards import prepared

    prepared.prerender(manifest, root, workers=workers, progress=say)


def _report_packs(manifest: Manifest, work: Path,
                  tables: dict[str, dict[str, pd.DataFrame]]) -> dict[str, str]:
    """The report pack (HTML) for the latest period in both suppression modes, built from the
    cached tables with the report pack's own builder, so the download matches the pack."""
    from arpkit.reports.build import build_pack
    from arpkit.reports.pack import ReportData

    out: dict[str, str] = {}
    period = manifest.latest_period
    assert period is not None
    for suppression in SUPPRESSIONS:
        frames = {kind: restore_attrs(tables[suppression][kind].copy(), manifest, kind,
                                      suppression, period) for kind in KINDS}
        m = frames["metrics"]
        m = m[m["period"] <= period].reset_index(drop=True)
        m.attrs = frames["metrics"].attrs
        data = ReportData(
            warehouse="arpkit warehouse", period=period,
            periods=[p for p in manifest.periods if p <= period], suppression=suppression,
            threshold=int(m.attrs.get("threshold", 5)), metrics=m,
            pathway=_period_rows(frames["pathway"], period),
            quality=frames["quality"], funnel=_period_rows(frames["funnel"], period),
            benchmarks=pd.DataFrame(columns=["measure", "period", "area", "area_kind",
                                             "area_code", "number", "rate_per_10k", "symbol",
                                             "rate_source"]),
            imports=pd.DataFrame(manifest.imports), la_codes=manifest.la_codes,
            benchmark_la=manifest.la_codes[0] if len(manifest.la_codes) == 1 else None,
            title="Ethnic disproportionality in children's social care")
        written = build_pack(None, work / f"pack-{suppression}", formats=("html",), data=data)
        out[suppression] = str(written["html"].relative_to(work))
    return out


def _period_rows(df: pd.DataFrame, period: int) -> pd.DataFrame:
    if df.empty or "period" not in df.columns:
        return df
    out = df[df["period"] == period].reset_index(drop=True)
    out.attrs = df.attrs
    return out


def _write_current(root: Path, manifest: Manifest) -> None:
    tmp = root / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(json.dumps({"key": manifest.key, "built_at": manifest.built_at}))
    os.replace(tmp, root / CURRENT)


def clear_current(root: Path | None = None) -> None:
    """Forget the live cache (the warehouse is empty or gone)."""
    path = (root or cache_root()) / CURRENT
    path.unlink(missing_ok=True)


def _prune(root: Path, keep: str) -> None:
    """Remove caches of earlier warehouse states (they can hold unsuppressed counts)."""
    for child in root.iterdir():
        if child.is_dir() and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


# ----------------------------------------------------------------------------- reading


def read_manifest(root: Path | None = None) -> Manifest | None:
    """The live cache's manifest, or None before anything was imported.

    Cheap enough for every request: one small file is read only when its mtime changed.
    """
    root = root or cache_root()
    pointer = root / CURRENT
    try:
        stat = pointer.stat()
    except FileNotFoundError:
        return None
    return _manifest_at(str(pointer), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _manifest_at(pointer: str, mtime_ns: int, size: int) -> Manifest | None:
    try:
        key = json.loads(Path(pointer).read_text())["key"]
        data = json.loads((Path(pointer).parent / key / "manifest.json").read_text())
    except (FileNotFoundError, KeyError, json.JSONDecodeError):
        return None
    return Manifest(**data)


def restore_attrs(df: pd.DataFrame, manifest: Manifest, kind: str, suppression: str,
                  period: int | None = None) -> pd.DataFrame:
    """Put back the engine's ``attrs`` (for per-period tables, those of ``period``)."""
    attrs = dict(manifest.attrs.get(f"{kind}-{suppression}", {}))
    by_period = attrs.pop("by_period", None)
    if by_period is not None:
        chosen = by_period.get(str(period)) if period is not None else None
        if chosen is None and by_period:
            chosen = by_period[max(by_period)]
        attrs = dict(chosen or {})
    df.attrs = attrs
    return df


def load(manifest: Manifest, kind: str, suppression: str,
         root: Path | None = None) -> pd.DataFrame:
    """One cached table (shared, read-only: copy before changing it)."""
    if kind not in KINDS or suppression not in SUPPRESSIONS:
        raise ValueError(f"no cached table {kind}-{suppression}")
    return _load(str((root or cache_root()) / manifest.key), kind, suppression)


@lru_cache(maxsize=16)
def _load(directory: str, kind: str, suppression: str) -> pd.DataFrame:
    path = Path(directory) / f"{kind}-{suppression}.parquet"
    return pd.read_parquet(path)


def team_codes(manifest: Manifest, suppression: str,
               root: Path | None = None) -> tuple[str, ...]:
    """Every team in the cached tables (team funnels and team breakdowns), sorted.

    Kept per process for the cache's lifetime: the filter form lists the teams on every
    request, and finding them is two scans of the tables.
    """
    return _team_codes(str((root or cache_root()) / manifest.key), suppression)


@lru_cache(maxsize=8)
def _team_codes(directory: str, suppression: str) -> tuple[str, ...]:
    names: set[str] = set()
    funnel = _load(directory, "funnel", suppression)
    if "team" in funnel.columns:
        names |= {str(t) for t in funnel["team"].dropna().unique()}
    metrics = _load(directory, "metrics", suppression)
    if "breakdown" in metrics.columns:
        teams = metrics.loc[metrics["breakdown"] == "team", "group"].dropna().unique()
        names |= {str(t) for t in teams if t != "not recorded"}
    return tuple(sorted(names))


def report_pack_path(manifest: Manifest, suppression: str,
                     root: Path | None = None) -> Path | None:
    rel = manifest.report_packs.get(suppression)
    if not rel:
        return None
    path = (root or cache_root()) / manifest.key / rel
    return path if path.exists() else None
