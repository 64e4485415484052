"""gunicorn settings for the web platform: ``gunicorn -c python:arpkit.web.gunicorn_conf``.

Used by ``make run``, the load benchmark and the production instructions (docs/web.md), so
what is measured is what runs. Each value can be set from the environment.

* ``gthread`` workers: a page is a few milliseconds of CPU-bound Python, so a process per
  core does the work and a few threads per process overlap the waits (database, disk).
* ``worker_connections`` caps the connections one worker holds. With keep-alive a connection
  stays with the worker that accepted it, and gthread workers accept greedily: measured with
  50 simultaneous users on 2 workers, one worker took 37-44 of the 50 connections while the
  other idled, and since a Python process uses one core at a time (the GIL) half the machine
  sat unused (benchmarks/README.md, "Web dashboards under load"). The cap makes the workers
  share the connections. ``workers x worker_connections`` is how many browsers can hold a
  connection at once; a further one waits until a kept-alive connection is released, which
  happens after ``keepalive`` seconds of idleness.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r}: expected a whole number") from None
    if number < 1:
        raise SystemExit(f"{name}={value!r}: must be at least 1")
    return number


worker_class = "gthread"
workers = _int("ARPKIT_WEB_WORKERS", 2)
threads = _int("ARPKIT_WEB_THREADS", 4)
worker_connections = _int("ARPKIT_WEB_WORKER_CONNECTIONS", 32)
keepalive = _int("ARPKIT_WEB_KEEPALIVE", 2)
