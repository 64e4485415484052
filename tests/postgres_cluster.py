"""Run a command against a throwaway PostgreSQL cluster: ``python tests/postgres_cluster.py CMD...``

The web test suite runs on SQLite by default; ``make test`` runs it again through this wrapper
so the same tests prove the platform on PostgreSQL (production's database). The cluster lives in
a temporary directory, listens only on a Unix socket and a loopback port, and is removed
afterwards. ``initdb`` refuses to run as root, so as root the cluster is owned by ``nobody``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--", *cmd]
    return cmd


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: postgres_cluster.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    for tool in ("initdb", "pg_ctl"):
        if not shutil.which(tool):
            print(f"{tool} not found: install PostgreSQL server binaries", file=sys.stderr)
            return 2
    base = Path(tempfile.mkdtemp(prefix="arpkit-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "nobody")
        shutil.chown(sock, "nobody")
    os.chmod(base, 0o755)
    port = _free_port()
    log = base / "server.log"
    try:
        subprocess.run(_as_owner(["initdb", "-D", str(data), "-U", "arpkit", "-A", "trust",
                                  "--no-sync", "-E", "UTF8"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(_as_owner([
            "pg_ctl", "-D", str(data), "-l", str(log), "-w", "start", "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"]),
            check=True, stdout=subprocess.DEVNULL)
        env = {**os.environ,
               "DATABASE_URL": f"postgres://arpkit@127.0.0.1:{port}/postgres"}
        return subprocess.run(argv, env=env).returncode
    finally:
        subprocess.run(_as_owner(["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
