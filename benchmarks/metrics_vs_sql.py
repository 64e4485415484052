"""The full metric set against one hand-written DuckDB SQL query (the floor), and peak memory.

Issue "metrics engine": the full metric set on a generated warehouse of 1,000,000 children next
to one hand-written DuckDB SQL query computing the same ``at_31_march`` and ``in_year`` rates
on the same file.  Target: within 1.5x.  Also: peak memory stays flat as rows grow (state the
figure at 1M and 5M children).

Each job runs in its own process so its peak RSS is its own (``VmHWM``; ``getrusage``
would report the parent's peak on Linux, see ``_common.peak_rss_mb``):

* ``sql floor``: one SQL query applying arpkit's counting rules (docs/metrics.md: source
  preference per stage, 0-17 on the counting date from ``birth_month``, in-year = first
  event in the year, CLA in-year = RNE S, short breaks out, open on 31 March) that returns
  distinct-child counts and rates per 10,000 by stage, basis and ethnic group and code;
* ``sql full cube``: arpkit's whole count cube, hand-written for DuckDB as well as we could
  (a few statements through temporary tables, the fastest shape we found): distinct children
  by stage, basis and all seven breakdown dimensions, with the team on the counting event
  (or borrowed from another return for the same stage) and the conversion flags.  It is
  what every measure is computed from, so it shows what the full metric set costs before
  any Ibis or statistics: the script checks it against arpkit's cube cell by cell;
* ``arpkit (no suppression)`` and ``arpkit (DfE suppression)``: ``arpkit.engine.metrics.metrics``
  for the year: rates with PHE intervals, DI, disparity ratios, stage conversions and RRIs for
  every breakdown (ethnic group and code, sex, age band, disability, UASC, team and two
  intersections), then disclosure control.  The counting query alone is timed as well.

Before timing, each process runs its job once on a small warehouse, so module imports and
DuckDB start-up are not counted.  The floor's rates are checked against arpkit's
``rate_per_10k`` rows, so the two compute the same numbers.

Run: ``.venv/bin/python benchmarks/metrics_vs_sql.py [--children 1000000 [5000000 ...]]``.
Above 1,200,000 children Annex A cannot be generated (List 1 would pass Excel's row limit), so
those warehouses have no contacts or early help (referrals arrive from nowhere).  To compare
memory across sizes on the same mix of returns, leave Annex A out at every size:
``--children 1000000 5000000 --formats cin_census ssda903 population``.  Generated files and
warehouses are cached in ``benchmarks/.cache/`` (about 1 GB per million children).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    DEFAULT_PERIOD,
    DEFAULT_SEED,
    formats_for,
    machine,
    peak_rss_mb,
    stderr,
    table,
    timer,
    use_benchmark_key,
    warehouse_cached,
)

TARGET_RATIO = 1.5
WARMUP_CHILDREN = 2_000
JOBS = ("sql", "sql-cube", "arpkit-none", "arpkit-dfe")
LABELS = {"sql": "sql floor", "sql-cube": "sql full cube", "arpkit-none": "arpkit (no suppression)",
          "arpkit-dfe": "arpkit (DfE suppression)"}

#: The source each stage is counted from in the year (the first present in preference order,
#: as counting.STAGE_SOURCES): two CTEs, ``prefs`` and ``chosen``, shared by both queries.
#: ``{period}`` is the query's parameter for the collection year.
CHOSEN_SOURCES = """prefs(stage, source, pref) AS (VALUES
  ('contact', 'annex_a', 1), ('contact', 'case_extract', 2),
  ('early_help', 'annex_a', 1), ('early_help', 'case_extract', 2),
  ('referral', 'cin_census', 1), ('referral', 'annex_a', 2), ('referral', 'case_extract', 3),
  ('assessment', 'cin_census', 1), ('assessment', 'annex_a', 2),
  ('assessment', 'case_extract', 3),
  ('s47', 'cin_census', 1), ('s47', 'annex_a', 2), ('s47', 'case_extract', 3),
  ('cin', 'cin_census', 1), ('cin', 'annex_a', 2), ('cin', 'case_extract', 3),
  ('cp_plan', 'cin_census', 1), ('cp_plan', 'annex_a', 2), ('cp_plan', 'case_extract', 3),
  ('cla', 'ssda903', 1), ('cla', 'annex_a', 2), ('cla', 'case_extract', 3)),
chosen AS (
  SELECT p.stage, arg_min(p.source, p.pref) AS source
  FROM prefs p
  JOIN (SELECT DISTINCT stage, source FROM events WHERE period = {period} OR period IS NULL) h
    USING (stage, source)
  GROUP BY p.stage)"""

#: The floor: arpkit's counting rules for rates, hand-written for DuckDB.  $1 = period,
#: $2 = first day, $3 = 31 March.  Stage sources in preference order, as counting.py.
FLOOR_SQL = """
WITH """ + CHOSEN_SOURCES.format(period="$1") + """,
ev AS (
  SELECT e.stage, e.child_key, e.start_date, e.end_date, e.rne
  FROM events e JOIN chosen c ON e.stage = c.stage AND e.source = c.source
  WHERE (e.period = $1 OR e.period IS NULL)
    AND (e.stage <> 'cla' OR e.legal_status IS NULL OR e.legal_status NOT IN ('V3', 'V4'))),
q AS (
  SELECT stage, 'in_year' AS basis, child_key, start_date AS count_date FROM ev
  WHERE start_date BETWEEN $2 AND $3 AND (stage <> 'cla' OR rne = 'S')
  UNION ALL
  SELECT stage, 'at_31_march', child_key, $3 FROM ev
  WHERE stage IN ('early_help', 'cin', 'cp_plan', 'cla') AND start_date <= $3
    AND (end_date IS NULL OR end_date > $3)),
counted AS (
  SELECT DISTINCT q.stage, q.basis, q.child_key, c.ethnicity_group,
         coalesce(c.ethnicity_code, 'UNKNOWN') AS ethnicity_code
  FROM q JOIN children c USING (child_key)
  WHERE c.birth_month IS NOT NULL AND c.birth_month <= q.count_date
    AND year(q.count_date) - year(c.birth_month)
        - CASE WHEN month(q.count_date) < month(c.birth_month) THEN 1 ELSE 0 END < 18),
n AS (
  SELECT stage, basis,
         CASE WHEN grouping(ethnicity_group) = 0 THEN 'ethnicity_group'
              WHEN grouping(ethnicity_code) = 0 THEN 'ethnicity_code' ELSE 'all' END
           AS breakdown,
         coalesce(ethnicity_group, ethnicity_code, 'ALL') AS grp,
         count(*) AS n
  FROM counted
  GROUP BY GROUPING SETS ((stage, basis), (stage, basis, ethnicity_group),
                          (stage, basis, ethnicity_code))),
pop AS (
  SELECT CASE WHEN grouping(ethnicity_group) = 0 THEN 'ethnicity_group'
              WHEN grouping(ethnicity_code) = 0 THEN 'ethnicity_code' ELSE 'all' END
           AS breakdown,
         coalesce(ethnicity_group, ethnicity_code, 'ALL') AS grp,
         sum(population) AS population
  FROM population WHERE period = $1
  GROUP BY GROUPING SETS ((), (ethnicity_group), (ethnicity_code)))
SELECT n.stage, n.basis, n.breakdown, n.grp AS "group", n.n AS numerator,
       pop.population AS denominator, 10000.0 * n.n / pop.population AS rate_per_10k
FROM n LEFT JOIN pop ON n.breakdown = pop.breakdown AND n.grp = pop.grp
ORDER BY ALL
"""


#: arpkit's full count cube (metrics.count_period: stages x bases x the seven breakdown
#: dimensions, with conversion flags), hand-written for DuckDB: statements run in order, then
#: CUBE_QUERY.  Same rules as the floor, plus the team on the first counting event
#: (alphabetically first on that date; else the first team any return records for the child
#: at the stage in the year) and "a to-stage event on or after the first from-stage date"
#: (the child's last to-stage event).  $period, $first, $last as the floor's $1, $2, $3.
CUBE_STATEMENTS = [
  # the chosen source per stage, as counting.STAGE_SOURCES and the floor
"""CREATE TEMP TABLE cube_ev AS
WITH """ + CHOSEN_SOURCES.format(period="$period") + """
SELECT e.stage, e.child_key, e.start_date, e.end_date, e.rne, e.team
FROM events e JOIN chosen c ON e.stage = c.stage AND e.source = c.source
WHERE (e.period = $period OR e.period IS NULL)
  AND (e.stage <> 'cla' OR e.legal_status IS NULL OR e.legal_status NOT IN ('V3', 'V4'))""",
# teams ranked alphabetically: the first date's first team is the minimum of day * 2^31 + rank
"""CREATE TEMP TABLE cube_teams AS
SELECT team, (row_number() OVER (ORDER BY team))::BIGINT AS r
FROM (SELECT DISTINCT team FROM events WHERE team IS NOT NULL)""",
# one row per child, stage and basis: first qualifying date, its team, the child's characteristics
"""CREATE TEMP TABLE cube_q AS
WITH q AS (
  SELECT stage, 'in_year' AS basis, child_key, start_date AS cd, team FROM cube_ev
  WHERE start_date BETWEEN $first AND $last AND (stage <> 'cla' OR rne = 'S')
  UNION ALL
  SELECT stage, 'at_31_march', child_key, $last, team FROM cube_ev
  WHERE stage IN ('early_help', 'cin', 'cp_plan', 'cla') AND start_date <= $last
    AND (end_date IS NULL OR end_date > $last))
SELECT q.stage, q.basis, q.child_key, min(q.cd) AS cd,
       min(epoch(q.cd)::BIGINT * 2147483648 + coalesce(t.r, 2147483647)) % 2147483648 AS tr
FROM q JOIN children c USING (child_key) LEFT JOIN cube_teams t ON q.team = t.team
WHERE c.birth_month IS NOT NULL AND c.birth_month <= q.cd
  AND year(q.cd) - year(c.birth_month)
      - CASE WHEN month(q.cd) < month(c.birth_month) THEN 1 ELSE 0 END < 18
GROUP BY q.stage, q.basis, q.child_key""",
]
CUBE_QUERY = """
WITH last AS (
  SELECT child_key,
         max(start_date) FILTER (WHERE stage = 'early_help') AS l_early_help,
         max(start_date) FILTER (WHERE stage = 'referral') AS l_referral,
         max(start_date) FILTER (WHERE stage = 'assessment') AS l_assessment,
         max(start_date) FILTER (WHERE stage = 's47') AS l_s47,
         max(start_date) FILTER (WHERE stage = 'cp_plan') AS l_cp_plan,
         max(start_date) FILTER (WHERE stage = 'cla') AS l_cla
  FROM cube_ev
  WHERE stage IN ('early_help', 'referral', 'assessment', 's47', 'cp_plan', 'cla')
    AND (stage <> 'cla' OR rne = 'S') AND start_date <= $last
  GROUP BY child_key),
fill AS (
  SELECT child_key, stage, min(team) AS team FROM events
  WHERE team IS NOT NULL AND (period = $period OR period IS NULL) GROUP BY child_key, stage),
w AS (
  SELECT q.stage, q.basis,
         coalesce(c.ethnicity_code, 'UNKNOWN') AS ethnicity_code, c.ethnicity_group,
         coalesce(c.sex, 'U') AS sex,
         CASE WHEN a.age BETWEEN 0 AND 4 THEN '0-4' WHEN a.age BETWEEN 5 AND 9 THEN '5-9'
              WHEN a.age BETWEEN 10 AND 15 THEN '10-15' WHEN a.age BETWEEN 16 AND 17 THEN '16-17'
              ELSE 'unknown' END AS age_band,
         CASE WHEN c.disabled THEN 'disabled' WHEN NOT c.disabled THEN 'not disabled'
              ELSE 'unknown' END AS disability,
         CASE WHEN c.uasc THEN 'uasc' WHEN NOT c.uasc THEN 'not uasc' ELSE 'unknown' END AS uasc,
         coalesce(t.team, f.team, 'not recorded') AS team,
         coalesce(l.l_early_help >= q.cd, false)::INT AS x_early_help,
         coalesce(l.l_referral >= q.cd, false)::INT AS x_referral,
         coalesce(l.l_assessment >= q.cd, false)::INT AS x_assessment,
         coalesce(l.l_s47 >= q.cd, false)::INT AS x_s47,
         coalesce(l.l_cp_plan >= q.cd, false)::INT AS x_cp_plan,
         coalesce(l.l_cla >= q.cd, false)::INT AS x_cla
  FROM cube_q q
  JOIN children c USING (child_key)
  CROSS JOIN LATERAL (SELECT year(q.cd) - year(c.birth_month)
      - CASE WHEN month(q.cd) < month(c.birth_month) THEN 1 ELSE 0 END AS age) a
  LEFT JOIN cube_teams t ON t.r = q.tr
  LEFT JOIN fill f ON f.child_key = q.child_key AND f.stage = q.stage
  LEFT JOIN last l ON l.child_key = q.child_key)
SELECT stage, basis, ethnicity_code, ethnicity_group, sex, age_band, disability, uasc, team,
       count(*) AS n, sum(x_early_help) AS x_early_help, sum(x_referral) AS x_referral,
       sum(x_assessment) AS x_assessment, sum(x_s47) AS x_s47, sum(x_cp_plan) AS x_cp_plan,
       sum(x_cla) AS x_cla
FROM w GROUP BY ALL
"""


# --------------------------------------------------------------------------- worker side


def _run_sql(warehouse: Path, period: int, memory_limit: str | None):
    import datetime as dt

    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    try:
        return con.execute(FLOOR_SQL, [period, dt.date(period - 1, 4, 1),
                                       dt.date(period, 3, 31)]).df()
    finally:
        con.close()


def _run_cube(warehouse: Path, period: int, memory_limit: str | None):
    import datetime as dt

    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    values = {"period": period, "first": dt.date(period - 1, 4, 1),
              "last": dt.date(period, 3, 31)}

    def used(sql: str) -> dict:
        return {k: v for k, v in values.items() if f"${k}" in sql}

    try:
        for statement in CUBE_STATEMENTS:
            con.execute(statement, used(statement))
        return con.execute(CUBE_QUERY, used(CUBE_QUERY)).df()
    finally:
        con.close()


def _arpkit_con(warehouse: Path, memory_limit: str | None):
    """The warehouse as arpkit opens it, or with a DuckDB memory limit (passed to
    ``metrics`` as an Ibis backend)."""
    from arpkit.engine.warehouse import connect

    con = connect(warehouse)
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    return con


def _run_arpkit(warehouse: Path, period: int, suppression: str, memory_limit: str | None):
    from arpkit.engine.metrics import metrics

    return metrics(_arpkit_con(warehouse, memory_limit), period=period, suppression=suppression)


def _counting_only(warehouse: Path, period: int, memory_limit: str | None, out: Path) -> float:
    """Time arpkit's counting query alone; keep its cube (``out``: stage cells, and
    ``<out>.conversions``) for the check against the hand-written cube."""
    from arpkit.engine.metrics import MetricSettings, count_period

    con = _arpkit_con(warehouse, memory_limit)
    with timer() as t:
        pc = count_period(con, period, MetricSettings(suppression="none"))
    pc.stages.to_parquet(out, index=False)
    pc.conversions.to_parquet(out.with_suffix(".conversions"), index=False)
    return t[0]


def worker(job: str, warehouse: Path, warmup: Path, period: int, out: Path,
           memory_limit: str | None = None) -> None:
    """Run one job (after a warm-up on a small warehouse); print a JSON line of figures."""
    def run(w: Path):
        if job == "sql":
            return _run_sql(w, period, memory_limit)
        if job == "sql-cube":
            return _run_cube(w, period, memory_limit)
        return _run_arpkit(w, period, job.removeprefix("arpkit-"), memory_limit)

    run(warmup)
    before = peak_rss_mb()
    with timer() as t:
        df = run(warehouse)
    figures = {"job": job, "seconds": t[0], "peak_rss_mb": peak_rss_mb(),
               "peak_rss_after_warmup_mb": before, "rows": len(df)}
    df.to_parquet(out, index=False)
    if job == "arpkit-none":
        figures["counting_seconds"] = _counting_only(warehouse, period, memory_limit,
                                                     out.with_suffix(".cube"))
    print(json.dumps(figures), flush=True)


# --------------------------------------------------------------------------- driver side


def _spawn(job: str, warehouse: Path, warmup: Path, period: int, out: Path,
           memory_limit: str | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", job,
           "--warehouse", str(warehouse), "--warmup", str(warmup), "--period", str(period),
           "--out", str(out)]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{job} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agreement(floor_path: Path, arpkit_path: Path) -> str:
    """Do the floor's counts and rates equal arpkit's rate_per_10k rows?"""
    import numpy as np
    import pandas as pd

    floor = pd.read_parquet(floor_path)
    ours = pd.read_parquet(arpkit_path)
    ours = ours[(ours["measure"] == "rate_per_10k")
                & ours["breakdown"].isin(["all", "ethnicity_group", "ethnicity_code"])
                & (ours["numerator"] > 0)]
    key = ["stage", "basis", "breakdown", "group"]
    m = ours.merge(floor, on=key, how="left", suffixes=("", "_sql"), indicator=True)
    missing = int((m["_merge"] != "both").sum())
    same_n = bool((m["numerator"].astype(float) == m["numerator_sql"].astype(float)).all())
    rate = m["value"].astype(float).to_numpy(na_value=np.nan)
    rate_sql = m["rate_per_10k"].astype(float).to_numpy(na_value=np.nan)
    same_rate = bool(np.allclose(rate, rate_sql, rtol=1e-9, equal_nan=True))
    extra = len(floor) - (len(m) - missing)
    ok = missing == 0 and extra == 0 and same_n and same_rate
    return (f"{'yes' if ok else 'NO'} ({len(m)} non-zero rates compared; counts equal: "
            f"{same_n}, rates equal: {same_rate}; arpkit rows the floor lacks: {missing}, "
            f"floor rows arpkit lacks: {extra})")


def _cube_agreement(sql_cube: Path, arpkit_cube: Path) -> str:
    """Is the hand-written cube arpkit's, cell by cell (children, and conversions)?"""
    import pandas as pd

    from arpkit.engine.metrics import DIMS

    keys = ["stage", "basis", *DIMS]
    sql = pd.read_parquet(sql_cube)
    ours = pd.read_parquet(arpkit_cube)
    conv = pd.read_parquet(arpkit_cube.with_suffix(".conversions"))

    def plain(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for col in keys:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
        return df

    m = plain(ours).merge(plain(sql), on=keys, how="outer", suffixes=("", "_sql"),
                          indicator=True)
    cells_ok = bool((m["_merge"] == "both").all() and (m["n"] == m["n_sql"]).all())
    bad = []
    for (a, b), part in conv.groupby(["stage", "to_stage"]):
        mine = int(part["x"].sum())
        theirs = int(sql.loc[(sql["stage"] == a) & (sql["basis"] == "in_year"), f"x_{b}"].sum())
        if mine != theirs:
            bad.append(f"{a}>{b} {mine} vs {theirs}")
    ok = cells_ok and not bad
    return (f"{'yes' if ok else 'NO'} ({len(m):,} cells; children equal in every cell: "
            f"{cells_ok}; conversions differing: {', '.join(bad) or 'none'})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--period", type=int, default=DEFAULT_PERIOD)
    ap.add_argument("--formats", nargs="+", default=None,
                    help="synthetic formats (default all; Annex A is dropped above 1.2M)")
    ap.add_argument("--jobs", nargs="+", choices=JOBS, default=list(JOBS))
    ap.add_argument("--memory-limit", metavar="SIZE",
                    help="DuckDB memory_limit for every job, e.g. 1GB (default: DuckDB's own, "
                         "80%% of RAM)")
    ap.add_argument("--worker", choices=JOBS, help=argparse.SUPPRESS)
    ap.add_argument("--warehouse", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--warmup", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    use_benchmark_key()
    if args.worker:
        worker(args.worker, args.warehouse, args.warmup, args.period, args.out,
               args.memory_limit)
        return

    warmup = warehouse_cached(WARMUP_CHILDREN, seed=args.seed, period=args.period,
                              formats=args.formats, log=stderr)
    rows = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="arpkit-metrics-bench-") as tmp:
        for n in args.children:
            formats = formats_for(n, args.formats)
            w = warehouse_cached(n, seed=args.seed, period=args.period, formats=formats,
                                 log=stderr)
            res = {}
            for job in args.jobs:
                stderr(f"{n:,} children: running {LABELS[job]} ...")
                res[job] = _spawn(job, w, warmup, args.period,
                                  Path(tmp) / f"{n}-{job}.parquet", args.memory_limit)
            floor = res["sql"]["seconds"] if "sql" in res else float("nan")
            for job, r in res.items():
                rows.append((f"{n:,}", LABELS[job], r["seconds"], r["seconds"] / floor,
                             r["peak_rss_mb"], r["rows"]))
            if "arpkit-none" in res:
                c = res["arpkit-none"]["counting_seconds"]
                notes.append(f"{n:,} children: arpkit's counting query alone {c:,.1f} s "
                             f"({c / floor:.2f}x the floor); statistics, breakdowns and "
                             f"suppression are the rest")
            if "sql" in res and "arpkit-none" in res:
                notes.append(f"{n:,} children: floor agrees with arpkit's rates: " + _agreement(
                    Path(tmp) / f"{n}-sql.parquet", Path(tmp) / f"{n}-arpkit-none.parquet"))
            if "sql-cube" in res and "arpkit-none" in res:
                cube = res["sql-cube"]["seconds"]
                mine = res["arpkit-none"]
                against = [f"arpkit's counting {mine['counting_seconds'] / cube:.2f}x",
                           f"the whole metric set {mine['seconds'] / cube:.2f}x "
                           "(no suppression)"]
                if "arpkit-dfe" in res:
                    against.append(f"{res['arpkit-dfe']['seconds'] / cube:.2f}x (DfE)")
                notes.append(f"{n:,} children: the hand-written full cube is "
                             f"{cube / floor:.2f}x the floor; against it, " + ", ".join(against))
                notes.append(f"{n:,} children: hand-written cube is arpkit's: " + _cube_agreement(
                    Path(tmp) / f"{n}-sql-cube.parquet",
                    (Path(tmp) / f"{n}-arpkit-none.parquet").with_suffix(".cube")))
            if "annex_a" not in formats:
                notes.append(f"{n:,} children: no Annex A, so no contact or early-help "
                             "figures (referrals arrive with no contact before them)")

    print(f"metrics for {args.period} vs one hand-written DuckDB query (same warehouse file); "
          f"DuckDB memory_limit: {args.memory_limit or 'default'}")
    print(f"machine: {machine()}")
    print(table(rows, ["children", "job", "seconds", "x floor", "peak RSS MB", "rows out"]))
    for note in notes:
        print(note)
    print(f"target: the full metric set within {TARGET_RATIO:g}x of the floor")


if __name__ == "__main__":
    main()
