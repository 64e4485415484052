"""Load benchmark of the web dashboards: concurrent simulated users on loopback.

Not a test: nothing asserts a time. It builds a synthetic authority (``arpkit.synth``), imports
it, computes the dashboards' cache, starts gunicorn on 127.0.0.1 only, signs users in (an
auditor, a programme lead and a team manager, so both the authority-wide and the team-scoped
views are exercised), then runs ``--users`` simulated users, each a thread with its own
keep-alive connection, requesting dashboard pages with random filters for ``--seconds``.
It prints p50/p95/p99 latency, throughput, errors and the load average. The issue's target is
p95 < 300 ms with zero errors on 2 cores.

Pages answer from the cached tables; a chart is drawn (vl-convert) the first time any process
meets a filter combination and is then served from the figure cache on disk and in memory.
``--warm`` visits every combination once before the timed run, as a deployment that rebuilt
its cache and then served a morning's traffic would have; without it the first renders are
counted.

    .venv/bin/python benchmarks/web_load.py                       # 50 users, 60 s, cold
    .venv/bin/python benchmarks/web_load.py --warm --children 5000
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import use_benchmark_key  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PERIODS = (2024, 2025)
STAGES = ("cin", "cp_plan", "cla")
BASES = ("at_31_march", "in_year")
FUNNELS = ("referral>assessment", "referral>s47", "s47>cp_plan", "referral>cla", "referral",
           "cla")


def urls(periods: tuple[int, ...]) -> list[str]:
    """Every page and filter combination the simulated users choose from."""
    out = ["/dashboards/"]
    for p in periods:
        out += [f"/dashboards/pathway/?period={p}", f"/dashboards/recording-quality/?period={p}"]
        for stage in STAGES:
            for basis in BASES:
                for breakdown in ("ethnicity_group", "ethnicity_code"):
                    out.append(f"/dashboards/disproportionality/?period={p}&stage={stage}"
                               f"&basis={basis}&breakdown={breakdown}")
        for funnel in FUNNELS:
            out.append(f"/dashboards/teams/?period={p}&funnel={funnel}")
    for measure in ("rate_per_10k", "disparity_ratio"):
        for stage in STAGES:
            out.append(f"/dashboards/trends/?measure={measure}&stage={stage}"
                       "&basis=at_31_march&breakdown=ethnicity_group")
    return out


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "arpkit.web.settings.local",
                "ARPKIT_VAR_DIR": str(base / "var"),
                "ARPKIT_WAREHOUSE": str(base / "arpkit.duckdb"),
                "DATABASE_URL": f"sqlite:///{base / 'var' / 'web.sqlite3'}",
                "PYTHONPATH": str(ROOT / "src")})
    return env


def prepare(base: Path, children: int, report_pack: bool) -> None:
    """Synthetic returns -> warehouse -> dashboard cache -> web database with users."""
    import arpkit
    from arpkit.synth import generate

    returns = []
    for p in PERIODS:
        out = base / "returns" / str(p)
        generate(out, children=children, seed=p, period=p)
        returns.append(out)
    arpkit.import_paths(returns, warehouse=base / "arpkit.duckdb", imported_by="benchmark")
    env = _env(base)
    web = [str(VENV_BIN / "python"), "-m", "arpkit.web"]
    subprocess.run([*web, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*web, "collectstatic", "--noinput", "--verbosity", "0"], env=env,
                   check=True)
    cmd = [*web, "build_dashboard_cache"] + ([] if report_pack else ["--no-report-pack"])
    subprocess.run(cmd, env=env, check=True)


_SESSIONS = r"""
import django, json, sys
django.setup()
from django.conf import settings
from django.test import Client
from arpkit.web.accounts.models import Team
from arpkit.web.accounts.services import create_user
from arpkit.web.dashboards import cache
manifest = cache.read_manifest()
teams = sorted(cache.load(manifest, "funnel", "dfe")["team"].dropna().unique())[:2]
team_objs = [Team.objects.get_or_create(code=t, defaults={"name": t})[0] for t in teams]
out = []
for i, role in enumerate(["auditor", "programme_lead", "team_manager"]):
    user = create_user(username=f"bench-{role}-{i}", password="benchmark password 123",
                       roles=[role], teams=team_objs if role == "team_manager" else [],
                       manages_teams=role == "team_manager")
    client = Client()
    client.force_login(user)
    out.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "sessions": out}))
"""


def sessions(base: Path) -> tuple[str, list[str]]:
    import json

    done = subprocess.run([str(VENV_BIN / "python"), "-c", _SESSIONS], env=_env(base),
                          check=True, capture_output=True, text=True)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return data["cookie"], data["sessions"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(base: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    cmd = [str(VENV_BIN / "gunicorn"), "arpkit.web.wsgi", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads), "--timeout", "120",
           "--log-level", "warning"]
    log = (base / "gunicorn.log").open("w")
    proc = subprocess.Popen(cmd, env=_env(base), cwd=base, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - start


def run_load(port: int, cookies: list[str], paths: list[str], users: int,
             seconds: float) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)
        cookie = cookies[n % len(cookies)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            path = rng.choice(paths)
            try:
                status, took = get(conn, path, cookie)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                latencies.append(took)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--children", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--warm", action="store_true",
                    help="request every filter combination once before the timed run")
    ap.add_argument("--report-pack", action="store_true", help="also build the report pack")
    args = ap.parse_args(argv)
    if args.users > 200 or args.seconds > 600:
        raise SystemExit("bounded: at most 200 users and 600 seconds")
    use_benchmark_key()
    with tempfile.TemporaryDirectory(prefix="arpkit-web-load-") as tmp:
        base = Path(tmp)
        (base / "var").mkdir()
        t0 = time.perf_counter()
        prepare(base, args.children, args.report_pack)
        print(f"prepared {args.children:,} children x {len(PERIODS)} years in "
              f"{time.perf_counter() - t0:.0f} s (generate, import, cache)")
        cookie_name, values = sessions(base)
        cookies = [f"{cookie_name}={v}" for v in values]
        paths = urls(PERIODS)
        port = free_port()
        server = start_server(base, port, args.workers, args.threads)
        try:
            # Each worker process imports Django, pandas and the engine on its first request
            # (tens of seconds here, with no bytecode cache): done before timing.
            for _ in range(args.workers * 4):  # a new connection each: reaches every worker
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                get(conn, "/dashboards/", cookies[0])
                conn.close()
            if args.warm:
                t0 = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                for path in paths:
                    for cookie in cookies:
                        get(conn, path, cookie)
                conn.close()
                print(f"warmed {len(paths)} pages x {len(cookies)} users in "
                      f"{time.perf_counter() - t0:.0f} s")
            t0 = time.perf_counter()
            latencies, errors = run_load(port, cookies, paths, args.users, args.seconds)
            elapsed = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=30)
    load = os.getloadavg()
    ms = [x * 1000 for x in latencies]
    print(f"{args.users} users, {elapsed:.0f} s, gunicorn {args.workers} workers x "
          f"{args.threads} threads, {len(paths)} distinct pages, "
          f"{'warm' if args.warm else 'cold'} figure cache, {os.cpu_count()} CPUs")
    if ms:
        print(f"requests {len(ms):,}  throughput {len(ms) / elapsed:.1f}/s  "
              f"p50 {percentile(ms, 50):.0f} ms  p95 {percentile(ms, 95):.0f} ms  "
              f"p99 {percentile(ms, 99):.0f} ms  max {max(ms):.0f} ms")
    print(f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
