"""Per-group rates with Fairlearn's MetricFrame and with Aequitas, next to arpkit.

Issue "metrics engine": per-group rates on the same 1,000,000 rows with Fairlearn's
``MetricFrame`` and with Aequitas, next to arpkit.  Target: arpkit at least 20x faster, and the
report states where their numbers or intervals differ and why (methods.md section 4).

The rows: one row per child in a decision point of a generated 1,000,000-child warehouse
(default: children with an in-year contact; outcome 1 if referred on or after it in the year),
with the child's ethnic group.  They are produced by arpkit's own counting rules and written to
Parquet, so every tool reads exactly the same rows.  The question each tool answers is the one
arpkit's ``stage_conversion`` and ``rri`` rows answer: the share of each group converted, with
an interval, and each group against White.

* arpkit: counts per group, Wilson limits (``intervals.proportion_limits``) and the RRI against
  White with Katz limits (``ratios.katz_ratio``) - timed in this process from the loaded rows.
  For context the whole metrics table from the warehouse is timed too.
* Fairlearn 0.15: ``MetricFrame(selection_rate)`` by group plus ``ratio()``, and the same with
  its row-level bootstrap (``n_boot``, percentile 2.5/97.5) - the only intervals it offers.
* Aequitas 1.1: ``Group().get_crosstabs`` (``pprev``) and ``Bias()`` disparities against White
  with its significance tests (``check_significance``) - it has no intervals.

Fairlearn and Aequitas do not install beside pandas 3 (Aequitas fails on pandas 3's string
dtype), so they run in a separate virtualenv, ``benchmarks/.cache/venv-peers`` (created on
first use with ``python3 -m venv`` and pip; never part of the project's lock), in a
subprocess that loads the same Parquet file.  Loading the rows is not timed for any tool.

Run: ``.venv/bin/python benchmarks/metrics_vs_fairlearn.py [--children 1000000] [--n-boot 20]``.
This file is also the peers' runner (``--peer``): its top level imports only the standard
library so the peers' interpreter can run it without arpkit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".cache" / "venv-peers"
PEER_PACKAGES = ("fairlearn==0.15.0", "aequitas==1.1.0", "pandas<3", "pyarrow")
SHOWN_GROUPS = ("WHITE", "MIXED", "ASIAN", "BLACK", "OTHER")
REFERENCE = "WHITE"
TARGET_SPEEDUP = 20.0


# --------------------------------------------------------------------------- peers (other venv)


def peer_main(rows: Path, n_boot: int, out: Path) -> None:
    """Runs under the peers' interpreter: time Fairlearn and Aequitas on the rows (after one
    warm-up run on the first 2,000 rows, so imports and first calls are not counted)."""
    import contextlib
    import warnings

    import aequitas
    import fairlearn
    import pandas as pd

    warnings.filterwarnings("ignore")
    df = pd.read_parquet(rows)
    with contextlib.suppress(Exception):  # a warm-up only (Aequitas's tests can fail on it)
        _peer_run(df.groupby("ethnicity_group").head(500), min(n_boot, 5))
    res = _peer_run(df, n_boot)
    res["versions"] = {"fairlearn": fairlearn.__version__,
                       "aequitas": getattr(aequitas, "__version__", "1.1"),
                       "pandas": pd.__version__}
    out.write_text(json.dumps(res, indent=1), encoding="utf-8")


def _peer_run(df, n_boot: int) -> dict:
    import pandas as pd
    from aequitas.bias import Bias
    from aequitas.group import Group
    from fairlearn.metrics import MetricFrame, count, selection_rate

    y = df["converted"].to_numpy()
    group = df["ethnicity_group"].astype(object)
    res: dict = {"seconds": {}, "groups": {}}
    t = time.perf_counter()
    mf = MetricFrame(metrics={"rate": selection_rate, "n": count}, y_true=y, y_pred=y,
                     sensitive_features=group)
    by = mf.by_group
    ratio = mf.ratio()
    res["seconds"]["fairlearn MetricFrame"] = time.perf_counter() - t
    res["fairlearn_ratio_min_max"] = float(ratio["rate"])

    t = time.perf_counter()
    mfb = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=group,
                      n_boot=n_boot, ci_quantiles=[0.025, 0.975], random_state=1)
    lo, hi = mfb.by_group_ci
    res["seconds"][f"fairlearn MetricFrame, bootstrap n_boot={n_boot}"] = \
        time.perf_counter() - t

    # Aequitas wants object (not pandas string) attribute columns.
    adf = pd.DataFrame({"score": y, "label_value": y,
                        "ethnicity_group": group.astype(str).astype(object)})
    t = time.perf_counter()
    xtab, _ = Group().get_crosstabs(adf, attr_cols=["ethnicity_group"])
    res["seconds"]["aequitas crosstabs"] = time.perf_counter() - t
    t = time.perf_counter()
    bdf = Bias().get_disparity_predefined_groups(
        xtab, original_df=adf, ref_groups_dict={"ethnicity_group": REFERENCE}, alpha=0.05,
        check_significance=True, mask_significance=False)
    res["seconds"]["aequitas crosstabs + disparity with significance"] = \
        res["seconds"]["aequitas crosstabs"] + time.perf_counter() - t

    sig_col = next((c for c in bdf.columns if c.startswith("pprev") and "signif" in c), None)
    for g in by.index:
        row = bdf[bdf["attribute_value"] == g]
        res["groups"][str(g)] = {
            "n": int(by.loc[g, "n"]), "fairlearn_rate": float(by.loc[g, "rate"]),
            "fairlearn_boot_lower": float(lo.loc[g]), "fairlearn_boot_upper": float(hi.loc[g]),
            "aequitas_pprev": float(row["pprev"].iloc[0]) if len(row) else None,
            "aequitas_disparity": float(row["pprev_disparity"].iloc[0]) if len(row) else None,
            "aequitas_significance": (_plain(row[sig_col].iloc[0]) if sig_col and len(row)
                                      else None),
        }
    res["aequitas_significance_column"] = sig_col
    return res


def _plain(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def ensure_peer_venv(log) -> Path:
    """The peers' interpreter, creating the virtualenv on first use."""
    python = PEER_VENV / "bin" / "python"
    probe = [str(python), "-c", "import fairlearn, aequitas, pyarrow"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    log(f"creating {PEER_VENV} with {', '.join(PEER_PACKAGES)} (a few minutes) ...")
    subprocess.run(["python3", "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    return python


# --------------------------------------------------------------------------- arpkit side


def export_rows(warehouse: Path, period: int, pair: tuple[str, str], out: Path) -> int:
    """One row per child at the from-stage, with ``converted`` and ``ethnicity_group``, by
    arpkit's counting rules (the same children as arpkit's stage_conversion rows)."""
    from arpkit.engine import counting
    from arpkit.engine.warehouse import connect

    con = connect(warehouse)
    sources = counting.stage_sources(con, period)
    q = counting.qualifying_children(con, period, sources, pair)
    conv = counting.converted_children(con, period, sources, (pair,), q)
    rows = counting.with_characteristics(con, conv).select("ethnicity_group", "converted")
    df = rows.to_pandas()
    df["converted"] = df["converted"].astype("int64")
    df["ethnicity_group"] = df["ethnicity_group"].astype(str)
    df.to_parquet(out, index=False)
    return len(df)


def arpkit_rates(df):
    """arpkit on the rows: per-group conversion with Wilson limits, RRI vs White (Katz)."""
    import numpy as np

    from arpkit.engine import intervals, ratios

    agg = df.groupby("ethnicity_group", sort=True)["converted"].agg(["sum", "size"])
    x, n = agg["sum"].to_numpy(float), agg["size"].to_numpy(float)
    est = intervals.proportion_limits(x, n, 1, 0.95)
    ref = agg.index.get_loc(REFERENCE)
    rri = ratios.katz_ratio(x, n, np.full_like(x, x[ref]), np.full_like(n, n[ref]), 0.95)
    return agg.index, n, est, rri


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--period", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--conversion", nargs=2, default=["contact", "referral"],
                    metavar=("FROM", "TO"), help="decision point (default: contact referral)")
    ap.add_argument("--n-boot", type=int, default=20, help="Fairlearn bootstrap resamples")
    ap.add_argument("--skip-full", action="store_true",
                    help="do not time arpkit's whole metrics table (context only)")
    ap.add_argument("--peer", nargs=2, type=Path, metavar=("ROWS", "OUT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.peer:
        peer_main(args.peer[0], args.n_boot, args.peer[1])
        return

    import tempfile

    import pandas as pd

    from _common import (
        DEFAULT_PERIOD,
        DEFAULT_SEED,
        machine,
        stderr,
        table,
        timer,
        use_benchmark_key,
        warehouse_cached,
    )

    use_benchmark_key()
    period = args.period or DEFAULT_PERIOD
    pair = (args.conversion[0], args.conversion[1])
    python = ensure_peer_venv(stderr)
    w = warehouse_cached(args.children, seed=args.seed or DEFAULT_SEED, period=period,
                         log=stderr)
    with tempfile.TemporaryDirectory(prefix="arpkit-fairlearn-bench-") as tmp:
        rows_path, peer_out = Path(tmp) / "rows.parquet", Path(tmp) / "peers.json"
        stderr("exporting the child-level rows ...")
        n_rows = export_rows(w, period, pair, rows_path)

        stderr("running Fairlearn and Aequitas in their own virtualenv ...")
        done = subprocess.run([str(python), str(Path(__file__).resolve()), "--peer",
                               str(rows_path), str(peer_out), "--n-boot", str(args.n_boot)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the peers failed:\n{done.stderr[-4000:]}")
        peers = json.loads(peer_out.read_text(encoding="utf-8"))

        df = pd.read_parquet(rows_path)
        arpkit_rates(df.head(1000))  # warm-up: imports and first calls
        best = float("inf")
        for _ in range(3):  # milliseconds: best of three
            with timer() as t:
                groups, n, est, rri = arpkit_rates(df)
            best = min(best, t[0])

    seconds = {"arpkit: counts, Wilson limits, RRI with Katz limits": best}
    full_check = ""
    if not args.skip_full:
        from arpkit.engine.metrics import metrics

        stderr("timing arpkit's whole metrics table ...")
        metrics(warehouse_cached(2_000, period=period, log=stderr), period=period,
                suppression="none")  # warm-up
        with timer() as t:
            full = metrics(w, period=period, suppression="none")
        seconds["arpkit: whole metrics table from the warehouse (context)"] = t[0]
        sc = full[(full["measure"] == "stage_conversion") & (full["stage"] == pair[0])
                  & (full["to_stage"] == pair[1]) & (full["breakdown"] == "ethnicity_group")]
        same = all(int(sc.loc[sc["group"] == g, "denominator"].iloc[0]) == int(k)
                   for g, k in zip(groups, n, strict=True) if (sc["group"] == g).any())
        full_check = f"exported rows match arpkit's stage_conversion denominators: {same}"
    seconds.update(peers["seconds"])

    core = best
    timing = [(name, secs, secs / core) for name, secs in seconds.items()]
    idx = {g: i for i, g in enumerate(groups)}
    side = []
    shown = [g for g in SHOWN_GROUPS if g in idx] + sorted(set(idx) - set(SHOWN_GROUPS))
    for g in shown:
        if g not in peers["groups"]:
            continue
        i, p = idx[g], peers["groups"][g]
        side.append((g, int(n[i]),
                     f"{est.value[i]:.5f} ({est.lower[i]:.5f}-{est.upper[i]:.5f})",
                     f"{p['fairlearn_rate']:.5f} ({p['fairlearn_boot_lower']:.5f}-"
                     f"{p['fairlearn_boot_upper']:.5f})",
                     f"{p['aequitas_pprev']:.5f}",
                     "reference" if g == REFERENCE else
                     f"{rri.value[i]:.4f} ({rri.lower[i]:.4f}-{rri.upper[i]:.4f})",
                     f"{p['aequitas_disparity']:.4f}",
                     _sig(p["aequitas_significance"])))
    s = peers["seconds"]
    like_for_like = {
        "Fairlearn MetricFrame (rates, min/max ratio)": s["fairlearn MetricFrame"],
        "Aequitas crosstabs + disparity (rates, ratios, tests)":
            s["aequitas crosstabs + disparity with significance"],
        "Aequitas crosstabs alone (rates only; less work than arpkit)":
            s["aequitas crosstabs"],
    }

    print(f"per-group {pair[0]} -> {pair[1]} conversion on {n_rows:,} child rows "
          f"(warehouse of {args.children:,} children, {period})")
    print(f"machine: {machine()}; peers: " + ", ".join(f"{k} {v}" for k, v in
                                                    peers["versions"].items()))
    print(table(timing, ["tool", "seconds", "x arpkit"]))
    for name, secs in like_for_like.items():
        print(f"arpkit faster than {name}: {secs / core:,.0f}x   (target: at least "
              f"{TARGET_SPEEDUP:g}x; {'met' if secs / core >= TARGET_SPEEDUP else 'MISSED'})")
    if full_check:
        print(full_check)
    print()
    print(table(side, ["group", "children", "arpkit rate (Wilson 95%)",
                       f"Fairlearn rate (bootstrap {args.n_boot})", "Aequitas pprev",
                       "arpkit RRI vs WHITE (Katz)", "Aequitas disparity",
                       f"Aequitas {peers['aequitas_significance_column'] or 'significance'}"]))
    print(f"Fairlearn ratio() (min/max over all groups, unknown ethnicity included; no "
          f"reference group): {peers['fairlearn_ratio_min_max']:.4f}")


def _sig(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


if __name__ == "__main__":
    main()
