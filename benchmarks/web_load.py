"""Load benchmark of the web dashboards: concurrent simulated users on loopback.

Not a test: nothing asserts a time. It builds a synthetic authority (``arpkit.synth``), imports
it, computes the dashboards' cache (and, unless ``--no-prerender``, draws every page body the
filter forms offer: ``build_dashboard_cache``), starts gunicorn on 127.0.0.1 only, signs users
in (an auditor, a programme lead and a team manager, so both the authority-wide and the
team-scoped views are exercised), then runs ``--users`` simulated users, each a thread with
its own keep-alive connection, requesting dashboard pages with random filters for
``--seconds``. It prints p50/p95/p99 latency, throughput, errors, the CPU the server used per
request and the load average. The issue's target is p95 < 300 ms with zero errors on 2 cores
for 50 concurrent users.

Users are a closed loop: each sends its next request when the last one returned, after a
think time (``--think``, seconds, uniformly 0.5x to 1.5x the value; 0 = none). With no think
time the latency is set by throughput (Little's law: p50 is about users / throughput), so
50 users at p95 < 300 ms need roughly 170+ pages a second; with a think time of 1 s the same
50 users ask for at most 50 pages a second, which is closer to 50 people reading dashboards.
Several ``--think`` values and several gunicorn ``--configs`` (workers x threads) are run one
after the other against the same prepared data, so they can be compared within one run.

Without ``--no-prerender`` a page never waits for a chart. With it, bodies are drawn on
first request (and persisted for every worker), as before pre-rendering; the drawn pages are
deleted before each configuration, so every configuration starts cold. ``--warm`` visits every
page once per signed-in user before timing, so every worker's memory holds the pages.
``--base DIR`` keeps the prepared authority in DIR and reuses it on the next run.

    .venv/bin/python benchmarks/web_load.py                       # 50 users, 60 s
    .venv/bin/python benchmarks/web_load.py --think 0 1 --configs 2x4 2x8 2x16
    .venv/bin/python benchmarks/web_load.py --no-prerender        # pages drawn on demand
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
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


def prepare(base: Path, children: int, report_pack: bool, prerender: bool) -> None:
    """Synthetic returns -> warehouse -> dashboard cache (and pages) -> web database."""
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
    subprocess.run([*web, "createcachetable"], env=env, check=True)
    subprocess.run([*web, "collectstatic", "--noinput", "--verbosity", "0"], env=env,
                   check=True)
    cmd = [*web, "build_dashboard_cache"] + ([] if report_pack else ["--no-report-pack"]) \
        + ([] if prerender else ["--no-prerender"])
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def forget_drawn_pages(base: Path) -> None:
    """Delete every drawn page body and chart, so the next server starts cold."""
    import shutil

    for folder in (base / "var" / "cache").glob("*/"):
        for name in ("pages", "figures"):
            shutil.rmtree(folder / name, ignore_errors=True)


_SESSIONS = r"""
import django, json, sys
django.setup()
from django.conf import settings
from django.test import Client
from arpkit.web.accounts.models import Team, User
from arpkit.web.accounts.services import create_user
from arpkit.web.dashboards import cache
manifest = cache.read_manifest()
teams = sorted(cache.load(manifest, "funnel", "dfe")["team"].dropna().unique())[:2]
team_objs = [Team.objects.get_or_create(code=t, defaults={"name": t})[0] for t in teams]
out = []
for i, role in enumerate(["auditor", "programme_lead", "team_manager"]):
    name = f"bench-{role}-{i}"
    user = User.objects.filter(username=name).first() or create_user(
        username=name, password="benchmark password 123", roles=[role],
        teams=team_objs if role == "team_manager" else [],
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


@dataclass(frozen=True)
class ServerConfig:
    """``2x8``: 2 workers x 8 threads; ``2x8c25``: each worker holds at most 25 connections
    (gunicorn ``--worker-connections``; default: the project's gunicorn configuration);
    ``-close``: close each connection after its response (as behind a proxy that does not
    keep upstream connections open)."""

    workers: int
    threads: int
    connections: int | None = None
    close: bool = False

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        match = re.fullmatch(r"(\d+)x(\d+)(?:c(\d+))?(-close)?", text)
        if not match:
            raise SystemExit(f"--configs {text}: expected WxT, WxTcN or WxT-close")
        workers, threads, connections, close = match.groups()
        return cls(int(workers), int(threads), int(connections) if connections else None,
                   bool(close))

    @property
    def label(self) -> str:
        return (f"{self.workers}x{self.threads}"
                + (f", {self.connections} conn/worker" if self.connections else "")
                + (" close" if self.close else ""))


def start_server(base: Path, port: int, config: ServerConfig) -> subprocess.Popen:
    """gunicorn with the project's configuration (``arpkit.web.gunicorn_conf``, as
    ``make run``), the benchmark's workers, threads and limits on top."""
    cmd = [str(VENV_BIN / "gunicorn"), "--config", "python:arpkit.web.gunicorn_conf",
           "arpkit.web.wsgi", "--bind", f"127.0.0.1:{port}",
           "--workers", str(config.workers), "--threads", str(config.threads),
           "--timeout", "120", "--log-level", "warning", "--access-logfile", "/dev/null"]
    if config.connections:
        cmd += ["--worker-connections", str(config.connections)]
    if config.close:
        cmd += ["--keep-alive", "0"]
    log = (base / "gunicorn.log").open("a")
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


def server_cpu_seconds(master: int) -> float:
    """User + system CPU of the gunicorn master and its workers so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class CookieJar:
    """A browser's cookies for one simulated user: sent with each request, updated from
    ``Set-Cookie``. Without it every response would mint a new CSRF cookie that a real
    browser would have kept, work no real visitor causes."""

    def __init__(self, cookie: str) -> None:
        self.values: dict[str, str] = {}
        self.update(cookie)

    def update(self, header: str) -> None:
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            if morsel.value and morsel["max-age"] not in ("0",):
                self.values[name] = morsel.value
            else:
                self.values.pop(name, None)

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values.items())


def get(conn: http.client.HTTPConnection, path: str, cookie: str | CookieJar
        ) -> tuple[int, float]:
    jar = cookie if isinstance(cookie, CookieJar) else None
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": jar.header() if jar else cookie,
                                       "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    took = time.perf_counter() - start
    if jar is not None:
        for header in response.headers.get_all("Set-Cookie") or ():
            jar.update(header)
    return response.status, took


def run_load(port: int, cookies: list[str], paths: list[str], users: int,
             seconds: float, think: float = 0.0) -> tuple[list[float], list[str]]:
    """Closed loop: each user waits ``think`` x U(0.5, 1.5) seconds between pages."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(n: int) -> None:
        rng = random.Random(n)
        cookie = CookieJar(cookies[n % len(cookies)])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if think:  # users do not all arrive in the same instant
            time.sleep(rng.uniform(0, think))
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
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))
        conn.close()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def connections_per_worker(port: int) -> list[int]:
    """Established connections each gunicorn worker holds (``ss``; empty if unavailable).

    With keep-alive a connection stays with the worker that accepted it, so this shows
    whether the users are spread over the workers or piled on one (which can then use only
    one core: the GIL)."""
    try:
        out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    pids = Counter(m.group(1) for m in re.finditer(r"pid=(\d+)", out))
    return sorted(pids.values(), reverse=True)


def measure(base: Path, args: argparse.Namespace, config: ServerConfig,
            cookies: list[str], paths: list[str]) -> list[str]:
    """One gunicorn configuration: start, warm up, run every think time; result lines."""
    if args.no_prerender:
        forget_drawn_pages(base)
    port = free_port()
    server = start_server(base, port, config)
    lines = []
    try:
        # Each worker process imports Django, pandas and the engine on its first request
        # (seconds, with no bytecode cache): done before timing.
        for _ in range(config.workers * 4):  # a new connection each: reaches every worker
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
            print(f"  warmed {len(paths)} pages x {len(cookies)} users in "
                  f"{time.perf_counter() - t0:.0f} s")
        for think in args.think:
            before = os.getloadavg()[0]
            cpu0, client0 = server_cpu_seconds(server.pid), time.process_time()
            t0 = time.perf_counter()
            spread: list[int] = []
            probe = threading.Timer(min(args.seconds / 2, 10),
                                    lambda out: out.extend(connections_per_worker(port)),
                                    args=(spread,))
            probe.start()
            latencies, errors = run_load(port, cookies, paths, args.users, args.seconds,
                                         think)
            probe.cancel()
            elapsed = time.perf_counter() - t0
            cpu = server_cpu_seconds(server.pid) - cpu0
            client = time.process_time() - client0
            after = os.getloadavg()[0]
            ms = [x * 1000 for x in latencies]
            n = max(len(ms), 1)
            state = ("pre-rendered" if not args.no_prerender else "drawn on demand") + \
                (", warm" if args.warm else "")
            line = (f"| {config.label} | {think:g} s | {state} | {len(ms):,} | "
                    f"{len(ms) / elapsed:.1f}/s | " + (
                        f"{percentile(ms, 50):,.0f} | {percentile(ms, 95):,.0f} | "
                        f"{percentile(ms, 99):,.0f} | " if len(ms) > 1 else "- | - | - | ")
                    + f"{len(errors)} | {1000 * cpu / n:.1f} ms | {1000 * client / n:.1f} ms"
                    f" | {'/'.join(map(str, spread)) or '-'} | {before:.1f} to {after:.1f} |")
            print(line, flush=True)
            if errors:
                print(f"  first error: {errors[0]}", flush=True)
            lines.append(line)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--children", type=int, default=3000)
    ap.add_argument("--configs", nargs="+", default=["2x4"], metavar="WxT[cN][-close]",
                    help="gunicorn workers x threads, one run each (default 2x4, as make "
                         "run); cN: at most N connections per worker; -close: no keep-alive")
    ap.add_argument("--think", nargs="+", type=float, default=[0.0], metavar="SECONDS",
                    help="mean think time between a user's pages, one run each (default 0)")
    ap.add_argument("--warm", action="store_true",
                    help="request every page once per user before the timed runs")
    ap.add_argument("--no-prerender", action="store_true",
                    help="draw pages on first request instead of when the cache is built")
    ap.add_argument("--report-pack", action="store_true", help="also build the report pack")
    ap.add_argument("--base", type=Path, default=None,
                    help="prepare the authority in this folder and reuse it if already there")
    args = ap.parse_args(argv)
    if args.users > 200 or args.seconds > 600 or len(args.configs) * len(args.think) > 12:
        raise SystemExit("bounded: at most 200 users, 600 seconds and 12 runs")
    configs = [ServerConfig.parse(c) for c in args.configs]
    use_benchmark_key()
    with tempfile.TemporaryDirectory(prefix="arpkit-web-load-") as tmp:
        base = args.base.resolve() if args.base else Path(tmp)
        done = base / "prepared.done"
        if not done.exists():
            (base / "var").mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            prepare(base, args.children, args.report_pack, not args.no_prerender)
            done.write_text(f"{args.children}\n")
            print(f"prepared {args.children:,} children x {len(PERIODS)} years in "
                  f"{time.perf_counter() - t0:.0f} s (generate, import, cache"
                  f"{', every page drawn' if not args.no_prerender else ''})")
        cookie_name, values = sessions(base)
        if not args.no_prerender:  # the team manager's own team pages (and nothing drawn)
            subprocess.run([str(VENV_BIN / "python"), "-m", "arpkit.web",
                            "build_dashboard_cache", "--no-report-pack"], env=_env(base),
                           check=True, stdout=subprocess.DEVNULL)
        cookies = [f"{cookie_name}={v}" for v in values]
        paths = urls(PERIODS)
        print(f"{args.users} users x {args.seconds:.0f} s per run, {len(paths)} distinct pages, "
              f"{os.cpu_count()} CPUs, {base.joinpath(done.name).read_text().strip()} children")
        print("| gunicorn | think | pages | requests | throughput | p50 ms | p95 ms | p99 ms "
              "| errors | server CPU/request | client CPU/request | connections per worker "
              "| load average |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for config in configs:
            measure(base, args, config, cookies, paths)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
