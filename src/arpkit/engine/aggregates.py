"""Regional benchmarking: share suppressed aggregate tables with peers, load theirs, compare.

Why: authorities in a region want to know whether their disproportionality is unusual, but may
share only what they would publish.  :func:`export_aggregates` writes the authority's tables
*with DfE disclosure control applied* (metrics, pathway, the quality headline and the workforce
indicators) in one long, versioned schema (docs/aggregates.md, schema version 1) with a
manifest; :func:`import_aggregates` validates a peer's export and loads it into the warehouse
table ``peer_aggregates``; :func:`compare_with_peers` sets the authority beside each peer, the
regional pool and England.

**The regional pool** is recomputed from published counts (never by averaging ratios): for each
row key, the numerators and denominators of every authority (the authority's own *published*
counts, so every member computes the same pool) whose cell is not suppressed are summed, and the
statistic is recomputed with the same method as the engine (rates: PHE Poisson limits; shares:
Wilson; disparity ratios, RRIs and WRES RLs: Katz from the summed group and reference counts;
DI: ΣO/ΣE with Poisson limits).  A suppressed cell is *left out* of the pool, not guessed: the
row says how many authorities were pooled (``authorities``) and how many were left out because
their cell was suppressed (``excluded_suppressed``); a pool with exclusions is biased towards
authorities with larger counts, so read it with that column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from arpkit.engine import warehouse as wh
from arpkit.engine.errors import ConfigError, InputError, Problem
from arpkit.engine.intervals import proportion_limits, rate_limits, ratio_to_expected
from arpkit.engine.ratios import katz_ratio, relative_likelihood
from arpkit.engine.suppression import THRESHOLD

SCHEMA = "arpkit-aggregates"
SCHEMA_VERSION = 1
DATASETS: tuple[str, ...] = ("metrics", "pathway", "quality", "workforce")
MANIFEST = "manifest.json"

#: The shared table's columns (schema version 1), in order.
COLUMNS: tuple[str, ...] = (
    "dataset", "period", "measure", "stage", "to_stage", "basis", "breakdown", "group",
    "reference_group", "numerator", "denominator", "reference_numerator",
    "reference_denominator", "value", "ci_lower", "ci_upper", "significant", "suppressed",
)
KEYS: tuple[str, ...] = ("dataset", "period", "measure", "stage", "to_stage", "basis",
                         "breakdown", "group", "reference_group")
NUMERIC: tuple[str, ...] = ("numerator", "denominator", "reference_numerator",
                            "reference_denominator", "value", "ci_lower", "ci_upper")
#: Columns of :func:`compare_with_peers`.
COMPARE_COLUMNS: tuple[str, ...] = (
    *KEYS, "area_type", "area", "numerator", "denominator", "value", "ci_lower", "ci_upper",
    "significant", "suppressed", "authorities", "excluded_suppressed",
)


# --------------------------------------------------------------------------- to the schema


def to_schema(dataset: str, df: pd.DataFrame) -> pd.DataFrame:
    """One engine table (already suppressed) in the shared long schema."""
    n = len(df)

    def col(name: str) -> pd.Series:
        return df[name] if name in df else pd.Series([None] * n, index=df.index)

    if dataset == "metrics":
        out = df.reindex(columns=[c for c in COLUMNS if c != "dataset"])
    elif dataset == "pathway":
        out = pd.DataFrame({"period": col("period"), "measure": col("measure"),
                            "stage": col("stage"), "to_stage": col("outcome"),
                            "basis": "window_" + col("window_days").astype(str) + "d",
                            "breakdown": col("breakdown"), "group": col("group"),
                            "reference_group": col("reference_group")})
        for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "significant",
                  "suppressed"):
            out[c] = col(c)
    elif dataset == "quality":
        keep = df[(df["section"] == "completeness") & (df["measure"] == "ethnicity_status")]
        out = pd.DataFrame({"period": keep["period"], "measure": keep["measure"],
                            "stage": keep["stage"], "to_stage": keep["category"],
                            "basis": keep["basis"], "breakdown": keep["breakdown"],
                            "group": keep["group"], "reference_group": None})
        for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper", "suppressed"):
            out[c] = keep[c]
        out["significant"] = None
    elif dataset == "workforce":
        keep = df[df["breakdown"] == "all"]  # teams and grades are local structures
        out = pd.DataFrame({"period": keep["period"], "measure": keep["indicator"],
                            "stage": None, "to_stage": None, "basis": keep["orientation"],
                            "breakdown": keep["breakdown"], "group": keep["group"],
                            "reference_group": keep["comparator"],
                            "numerator": keep["events"], "denominator": keep["base"],
                            "reference_numerator": keep["comparator_events"],
                            "reference_denominator": keep["comparator_base"]})
        for c in ("value", "ci_lower", "ci_upper", "significant", "suppressed"):
            out[c] = keep[c]
    else:
        raise ConfigError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    out = out.assign(dataset=dataset).reindex(columns=list(COLUMNS))
    for c in NUMERIC:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["period"] = pd.to_numeric(out["period"], errors="coerce").astype("Int64")
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def _check_safe(table: pd.DataFrame, threshold: int) -> None:
    """Defence in depth: a shared table must show no count from 1 to the threshold."""
    shown = table[~table["suppressed"]]
    for c in ("numerator", "reference_numerator"):
        v = shown[c].dropna()
        small = v[(v > 0) & (v <= threshold)]
        if len(small):
            row = shown.loc[small.index[0]]
            raise ConfigError(f"refusing to export: {row['dataset']} {row['measure']} "
                              f"{row['group']} shows a count of {int(small.iloc[0])}, within "
                              f"the suppression threshold {threshold}")


# --------------------------------------------------------------------------- export


def build_aggregates(warehouse: object, la_code: str, periods: Sequence[int] | None = None, *,
                     threshold: int = THRESHOLD,
                     datasets: Sequence[str] = DATASETS) -> dict[str, pd.DataFrame]:
    """The authority's suppressed tables in the shared schema, by dataset (missing data, e.g.
    no HR import or no Annex A for the pathway, gives no table for that dataset)."""
    from arpkit.engine.metrics import metrics, periods_present

    con = wh.connect(warehouse)
    out: dict[str, pd.DataFrame] = {}
    present = periods_present(con)
    wanted = list(periods) if periods else present
    if "metrics" in datasets and wanted:
        out["metrics"] = to_schema("metrics", metrics(con, period=[p for p in wanted
                                                              if p in present],
                                                      threshold=threshold, la_codes=[la_code]))
    if "pathway" in datasets:
        from arpkit.engine.pathway import pathway

        frames = []
        for p in wanted:
            try:
                frames.append(pathway(con, period=p, threshold=threshold))
            except ConfigError:
                continue  # no contacts for the year: nothing to share
        if frames:
            out["pathway"] = to_schema("pathway", pd.concat(frames, ignore_index=True))
    if "quality" in datasets and wanted:
        from arpkit.engine.quality import quality

        out["quality"] = to_schema("quality", quality(con, period=[p for p in wanted
                                                                  if p in present],
                                                      threshold=threshold))
    if "workforce" in datasets:
        from arpkit.engine.workforce import hr_periods, workforce

        hr = hr_periods(con, [la_code])
        years = [p for p in (periods or hr) if p in hr]
        if years:
            out["workforce"] = to_schema("workforce", workforce(
                con, period=years, threshold=threshold, la_codes=[la_code], by_team=False))
    return out


def export_aggregates(warehouse: object, out: Path, *, la_code: str,
                      periods: Sequence[int] | None = None, threshold: int = THRESHOLD,
                      datasets: Sequence[str] = DATASETS) -> Path:
    """Write the authority's suppressed aggregate tables and ``manifest.json`` to ``out`` (a
    folder, or a ``.zip`` file).  Returns ``out``."""
    import arpkit
    from arpkit.engine.la_codes import canonical_la_code

    la = canonical_la_code(la_code)
    tables = build_aggregates(warehouse, la, periods, threshold=threshold, datasets=datasets)
    if not tables:
        raise ConfigError("nothing to export: the warehouse has no returns or HR data")
    files: dict[str, bytes] = {}
    for name, table in tables.items():
        _check_safe(table, threshold)
        buf = io.StringIO()
        table.to_csv(buf, index=False, lineterminator="\n")
        files[f"{name}.csv"] = buf.getvalue().encode("utf-8")
    all_periods = sorted({int(p) for t in tables.values() for p in t["period"].dropna()})
    manifest = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "la_code": la,
        "periods": all_periods,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "arpkit_version": arpkit.__version__,
        "suppression": {"rule": "dfe", "threshold": threshold},
        "files": {name: {"dataset": name.removesuffix(".csv"), "rows": len(tables[
            name.removesuffix(".csv")]), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in files.items()},
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    out = Path(out)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + f".tmp{os.getpid()}")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        tmp.replace(out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (out / name).write_bytes(data)
    return out


# --------------------------------------------------------------------------- import


def _read_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    if path.suffix.lower() == ".zip" and path.is_file():
        with zipfile.ZipFile(path) as zf:
            return {Path(n).name: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    raise InputError([Problem(path.name, "", "", str(path),
                              "is not an aggregates folder or .zip file")])


def read_aggregates(path: Path | str, *, threshold: int = THRESHOLD
                    ) -> tuple[dict, pd.DataFrame]:
    """Validate a peer's export and return (manifest, table).  Every problem is collected and
    raised together as :class:`InputError` naming file, row and field."""
    path = Path(path)
    files = _read_files(path)
    problems: list[Problem] = []
    if MANIFEST not in files:
        raise InputError([Problem(path.name, "", MANIFEST, None,
                                  "has no manifest.json: is this an arpkit aggregates export?")])
    try:
        manifest = json.loads(files[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError([Problem(MANIFEST, "", "", None, f"is not valid JSON: {exc}")]) from None
    if not isinstance(manifest, dict):
        raise InputError([Problem(MANIFEST, "", "", None, "must be a JSON object")])
    if manifest.get("schema") != SCHEMA:
        problems.append(Problem(MANIFEST, "", "schema", str(manifest.get("schema")),
                                f"must be {SCHEMA!r}"))
    if manifest.get("schema_version") != SCHEMA_VERSION:
        problems.append(Problem(MANIFEST, "", "schema_version",
                                str(manifest.get("schema_version")),
                                f"this arpkit reads schema version {SCHEMA_VERSION}; ask the "
                                "peer to export with a matching arpkit version"))
    la = str(manifest.get("la_code") or "")
    if not re.fullmatch(r"\d{3}", la):
        problems.append(Problem(MANIFEST, "", "la_code", la or None,
                                "must be a three-digit DfE LA number"))
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not listed:
        problems.append(Problem(MANIFEST, "", "files", None, "must list the exported files"))
        listed = {}
    frames = []
    for name, info in listed.items():
        dataset = info.get("dataset") if isinstance(info, dict) else None
        if dataset not in DATASETS:
            problems.append(Problem(MANIFEST, f"files.{name}", "dataset", str(dataset),
                                    f"must be one of {', '.join(DATASETS)}"))
            continue
        if name not in files:
            problems.append(Problem(name, "", "", None, "is listed in manifest.json but missing"))
            continue
        digest = hashlib.sha256(files[name]).hexdigest()
        if digest != info.get("sha256"):
            problems.append(Problem(name, "", "sha256", digest,
                                    "does not match manifest.json: the file was changed or "
                                    "damaged after export"))
            continue
        frame = _read_table(name, files[name], dataset, threshold, problems)
        if frame is not None:
            frames.append(frame)
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the aggregates "
                                           f"{path.name}; nothing was imported")
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=list(COLUMNS))
    return manifest, table


def _read_table(name: str, data: bytes, dataset: str, threshold: int,
                problems: list[Problem]) -> pd.DataFrame | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, f"byte offset {exc.start}", "", None, "is not UTF-8"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if tuple(header) != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        problems.append(Problem(name, "row 0 (header)", "", None,
                                f"columns must be exactly {', '.join(COLUMNS)} in order"
                                + (f"; missing {', '.join(missing)}" if missing else "")
                                + (f"; unexpected {', '.join(extra)}" if extra else "")))
        return None
    records = []
    before = len(problems)
    for i, cells in enumerate(reader, start=1):
        if len(cells) != len(COLUMNS):
            problems.append(Problem(name, f"row {i}", "", None,
                                    f"has {len(cells)} cells; the header has {len(COLUMNS)}"))
            continue
        rec: dict[str, object] = dict(zip(COLUMNS, cells, strict=True))
        where = f"row {i}"
        if rec["dataset"] != dataset:
            problems.append(Problem(name, where, "dataset", str(rec["dataset"]),
                                    f"must be {dataset!r} in this file"))
        for c in NUMERIC:
            v = str(rec[c]).strip()
            try:
                rec[c] = float(v) if v else np.nan
            except ValueError:
                problems.append(Problem(name, where, c, v, "is not a number"))
                rec[c] = np.nan
        p = str(rec["period"]).strip()
        rec["period"] = int(p) if re.fullmatch(r"\d{4}", p) else None
        if p and rec["period"] is None:
            problems.append(Problem(name, where, "period", p, "is not a four-digit year"))
        flags = {"True": True, "False": False, "true": True, "false": False, "": None}
        for c in ("significant", "suppressed"):
            if rec[c] not in flags:
                problems.append(Problem(name, where, c, str(rec[c]), "must be True or False"))
            rec[c] = flags.get(str(rec[c]))
        if rec["suppressed"] is None:
            problems.append(Problem(name, where, "suppressed", "", "must be True or False"))
        elif rec["suppressed"]:
            if not np.isnan(rec["numerator"]) or not np.isnan(rec["value"]):  # type: ignore
                problems.append(Problem(name, where, "numerator", None,
                                        "a suppressed row must leave its numbers blank"))
        else:
            for c in ("numerator", "reference_numerator"):
                v = rec[c]
                if not np.isnan(v) and 0 < v <= threshold:  # type: ignore[arg-type]
                    problems.append(Problem(name, where, c, str(v),
                                            f"is a count from 1 to {threshold} that should "
                                            "have been suppressed; ask the peer to re-export"))
        for c in ("measure",):
            if not str(rec[c]).strip():
                problems.append(Problem(name, where, c, "", "is blank"))
        records.append(rec)
    if len(problems) > before:
        return None
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for c in ("stage", "to_stage", "basis", "breakdown", "group", "reference_group"):
        frame[c] = frame[c].replace("", None)
    return frame


def import_aggregates(paths: Sequence[Path | str], *, warehouse: str | Path | None = None,
                      threshold: int = THRESHOLD,
                      imported_by: str | None = None) -> list[tuple[str, int]]:
    """Load peers' exports in ONE transaction (all or nothing); a peer imported again has its
    previous rows replaced.  Returns (la_code, rows) per export."""
    read = [(Path(p), *read_aggregates(p, threshold=threshold)) for p in paths]
    seen: dict[str, Path] = {}
    for path, manifest, _ in read:
        la = manifest["la_code"]
        if la in seen:
            raise InputError([Problem(path.name, "", "la_code", la,
                                      f"the same authority is also in {seen[la].name}; import "
                                      "one export per authority")])
        seen[la] = path
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    cols = [c for c, _ in wh.TABLES["peer_aggregates"]]
    out = []
    with wh.open_duckdb(warehouse) as con:
        cur = con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            for path, manifest, table in read:
                la = manifest["la_code"]
                import_id = uuid.uuid4().hex
                for (old,) in cur.execute(
                        "SELECT import_id FROM imports WHERE status = 'current' AND "
                        "kind = 'peer_aggregates' AND la_code = ?", [la]).fetchall():
                    cur.execute("DELETE FROM peer_aggregates WHERE import_id = ?", [old])
                    cur.execute("UPDATE imports SET status = 'superseded', replaced_by = ? "
                                "WHERE import_id = ?", [import_id, old])
                frame = table.rename(columns={"group": "group_name"}).assign(
                    la_code=la, import_id=import_id)[cols]
                frame["period"] = frame["period"].astype("Int64")
                if len(frame):
                    cur.register("incoming", frame)
                    cur.execute("INSERT INTO peer_aggregates SELECT * FROM incoming")
                    cur.unregister("incoming")
                digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
                cur.execute(
                    "INSERT INTO imports VALUES (?, ?, ?, ?, 'peer_aggregates', ?, NULL, ?, ?, ?, "
                    "'current', NULL)",
                    [import_id, uuid.uuid4().hex, path.name, digest, la, len(frame), now,
                     imported_by or "unknown"])
                out.append((la, len(frame)))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    return out


# --------------------------------------------------------------------------- comparison


def peer_table(warehouse: object, period: int | None = None) -> pd.DataFrame:
    """Every peer row in the warehouse (schema columns plus ``la_code``)."""
    con = wh.connect(warehouse)
    t = con.table("peer_aggregates")
    if period is not None:
        t = t.filter(t.period == period)
    df = t.drop("import_id").to_pandas().rename(columns={"group_name": "group"})
    return df


def compare_with_peers(warehouse: object, period: int, *, la_code: str,
                       dataset: str = "metrics", threshold: int = THRESHOLD,
                       reference_dir: str | Path | None = None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """The authority beside each peer, the regional pool and (with ``reference_dir``, the
    folder of DfE published figures read by :mod:`arpkit.engine.reference`) England.

    One row per key × area, ``area_type`` one of ``authority``, ``peer``, ``region``,
    ``england``.  The authority's own figures are its *published* (suppressed) ones, so the
    comparison can be shared; see the module docstring for how the pool treats suppressed cells.
    """
    if dataset not in DATASETS:
        raise ConfigError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    own = build_aggregates(warehouse, la_code, [period], threshold=threshold,
                           datasets=[dataset]).get(dataset)
    if own is None or own.empty:
        raise ConfigError(f"no {dataset} figures for {la_code} in {period}")
    own = own.assign(la_code=la_code)
    peers = peer_table(warehouse, period)
    peers = peers[peers["dataset"] == dataset]
    both = pd.concat([own, peers[list(own.columns)]], ignore_index=True)
    # Blank text keys as "" (not NaN) so they match across authorities.
    text_keys = [k for k in KEYS if k not in ("period",)]
    both[text_keys] = both[text_keys].astype(object).where(both[text_keys].notna(), "")
    own = both[both["la_code"] == la_code]
    both["period"] = both["period"].astype("int64")
    own = both[both["la_code"] == la_code]
    keys = list(KEYS)
    key_frame = own[keys].drop_duplicates()
    both = both.merge(key_frame, on=keys, how="inner")
    area = both.assign(area_type=np.where(both["la_code"] == la_code, "authority", "peer"),
                       area=both["la_code"], authorities=1,
                       excluded_suppressed=both["suppressed"].astype(int))
    pool = _pool(both, confidence)
    parts = [area, pool]
    if reference_dir is not None and dataset == "metrics":
        parts.append(_england(reference_dir, period, own))
    out = pd.concat([p.reindex(columns=list(COMPARE_COLUMNS)) for p in parts if len(p)],
                    ignore_index=True)
    order = {"authority": 0, "peer": 1, "region": 2, "england": 3}
    out = out.assign(_o=out["area_type"].map(order)).sort_values(
        [*keys, "_o", "area"], kind="stable", na_position="first").drop(columns="_o")
    return out.reset_index(drop=True)


def _summed(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum published counts per key over authorities whose cell is not suppressed."""
    keys = list(KEYS)
    shown = frame[~frame["suppressed"]]
    sums = shown.groupby(keys, dropna=False)[["numerator", "denominator",
                                              "reference_numerator",
                                              "reference_denominator"]].sum(min_count=1)
    sums["authorities"] = shown.groupby(keys, dropna=False).size()
    excluded = frame[frame["suppressed"]].groupby(keys, dropna=False).size()
    sums["excluded_suppressed"] = excluded.reindex(sums.index).fillna(0).astype(int)
    missing = excluded.index.difference(sums.index)
    if len(missing):
        extra = pd.DataFrame(index=missing, columns=sums.columns)
        extra["authorities"] = 0
        extra["excluded_suppressed"] = excluded.loc[missing]
        sums = pd.concat([sums, extra])
    return sums.reset_index()


def _pool(both: pd.DataFrame, confidence: float) -> pd.DataFrame:
    s = _summed(both)
    s["area_type"], s["area"] = "region", "pool"
    s["suppressed"] = s["authorities"] == 0
    value = np.full(len(s), np.nan)
    lower, upper = value.copy(), value.copy()
    significant = np.full(len(s), None, dtype=object)
    m = s["measure"].astype(str)
    num, den = s["numerator"].astype(float).to_numpy(), s["denominator"].astype(float).to_numpy()
    ok = ~np.isnan(num) & ~np.isnan(den)

    def put(mask: np.ndarray, est) -> None:
        value[mask], lower[mask], upper[mask] = est[0], est[1], est[2]

    rate = ok & (m == "rate_per_10k").to_numpy()
    if rate.any():
        put(rate, rate_limits(num[rate], den[rate], 10000, confidence))
    share = ok & m.isin(["stage_conversion", "ethnicity_status", "share", "proportion"]).to_numpy()
    share &= np.nan_to_num(num) <= np.nan_to_num(den)
    if share.any():
        put(share, proportion_limits(num[share], den[share], confidence=confidence))
    di = ok & (m == "disproportionality_index").to_numpy()
    if di.any():
        put(di, ratio_to_expected(num[di], den[di], confidence))
        significant[di] = (lower[di] > 1) | (upper[di] < 1)
    # Ratios against a reference group: reference counts from the reference's own rows.
    for measure, base_measure in (("disparity_ratio", "rate_per_10k"),
                                  ("rri", "stage_conversion")):
        rows = np.flatnonzero(ok & (m == measure).to_numpy())
        if not len(rows):
            continue
        ref = s[s["measure"] == base_measure].set_index(
            ["dataset", "period", "stage", "to_stage", "basis", "breakdown", "group"])
        for i in rows:
            r = s.iloc[i]
            key = (r["dataset"], r["period"], r["stage"], r["to_stage"], r["basis"],
                   r["breakdown"], r["reference_group"])
            if key not in ref.index:
                continue
            c, n2 = ref.loc[key, ["numerator", "denominator"]].astype(float)
            if np.isnan(c) or np.isnan(n2):
                continue
            res = katz_ratio(num[i], den[i], c, n2, confidence)
            value[i], lower[i], upper[i] = res.value, res.lower, res.upper
            if not np.isnan(res.lower):
                significant[i] = bool(res.lower > 1 or res.upper < 1)
    rn = s["reference_numerator"].astype(float).to_numpy()
    rd = s["reference_denominator"].astype(float).to_numpy()
    wf = ok & ~np.isnan(rn) & ~np.isnan(rd) & (s["dataset"] == "workforce").to_numpy()
    for orientation, beneficial in (("beneficial_outcome", True), ("adverse_outcome", False)):
        mask = wf & (s["basis"] == orientation).to_numpy()
        if mask.any():
            res = relative_likelihood(num[mask], den[mask], rn[mask], rd[mask],
                                      beneficial=beneficial, confidence=confidence)
            value[mask], lower[mask], upper[mask] = res.value, res.lower, res.upper
            significant[mask] = res.significant
    rep = wf & (s["basis"] == "representation").to_numpy()
    if rep.any():
        res = katz_ratio(num[rep], den[rep], rn[rep], rd[rep], confidence)
        value[rep], lower[rep], upper[rep] = res.value, res.lower, res.upper
    s["value"], s["ci_lower"], s["ci_upper"], s["significant"] = value, lower, upper, significant
    return s


def _england(reference_dir: str | Path, period: int, own: pd.DataFrame) -> pd.DataFrame:
    """England's published overall rates (all children) beside the ``all``/``ALL`` rate rows."""
    from arpkit.engine.reference import MEASURES, published_figures

    figs = published_figures(reference_dir)
    nat = figs[(figs["geographic_level"] == "national") & (figs["period"] == period)]
    rows = []
    for measure, (stage, basis) in MEASURES.items():
        hit = nat[nat["measure"] == measure]
        mine = own[(own["measure"] == "rate_per_10k") & (own["stage"] == stage)
                   & (own["basis"] == basis) & (own["breakdown"] == "all")
                   & (own["group"] == "ALL")]
        if hit.empty or mine.empty:
            continue
        h = hit.iloc[0]
        rows.append({**mine.iloc[0][list(KEYS)].to_dict(), "area_type": "england",
                     "area": "England", "numerator": h["number"],
                     "denominator": h["population"], "value": h["rate_per_10k"],
                     "suppressed": False, "authorities": None, "excluded_suppressed": None})
    return pd.DataFrame(rows)
