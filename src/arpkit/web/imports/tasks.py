"""The background import and rollback jobs (django-tasks; the worker is ``db_worker``).

The import validates every file first (:func:`arpkit.engine.importer.validate_paths`), then
imports them in one warehouse transaction (:func:`arpkit.engine.importer.import_paths`): if any
file has an error, nothing lands and every problem is stored on the job for the analyst, by
file, row and field. After a successful import or rollback the dashboards' cached tables are
rebuilt. A file lock serialises jobs, because the DuckDB warehouse has a single writer.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from arpkit.web.imports.models import ImportJob, ImportStatus
from arpkit.web.imports.storage import job_directory

#: Shares of the progress bar given to each step.
VALIDATE, IMPORT, CACHE = (0.0, 0.4), (0.4, 0.85), (0.85, 1.0)

logger = logging.getLogger(__name__)


@contextmanager
def warehouse_lock() -> Iterator[None]:
    """One writer at a time across worker processes (DuckDB is single-writer)."""
    path = Path(settings.VAR_DIR) / "warehouse.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _update(job_id: str, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(**fields)


class _Progress:
    """Turns the engine's ``progress(file, rows, files_done)`` into a throttled job update."""

    def __init__(self, job_id: str, span: tuple[float, float], total_files: int,
                 verb: str) -> None:
        self.job_id, self.span, self.total, self.verb = job_id, span, max(total_files, 1), verb
        self.last = 0.0

    def __call__(self, label: str, rows: int, files_done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        lo, hi = self.span
        fraction = lo + (hi - lo) * min(files_done / self.total, 1.0)
        _update(self.job_id, progress=fraction,
                message=f"{self.verb} {label[:200]}: {rows:,} rows read")


def _problem_dicts(problems) -> list[dict]:
    return [{**asdict(p), "severity": str(p.severity)} for p in problems]


def _rebuild_cache(job_id: str) -> list[int]:
    from arpkit.web.dashboards import cache
    from arpkit.web.dashboards.services import record_cache_built

    _update(job_id, progress=CACHE[0], message="Updating the dashboards")
    manifest = cache.build(settings.WAREHOUSE_PATH,
                           report_pack=getattr(settings, "ARPKIT_DASHBOARD_REPORT_PACK", True))
    record_cache_built(key=manifest.key if manifest else None,
                       periods=manifest.periods if manifest else [])
    return manifest.periods if manifest else []


def _predraw(job_id: str) -> None:
    """Draw every dashboard page of the new cache (the authority's and each team's), once
    the job has succeeded, so the first person to open a page after an import does not wait
    for its charts. Only a speed-up: if it fails, pages are drawn on first request."""
    if not settings.ARPKIT_PREDRAW_AFTER_IMPORT:
        return
    from arpkit.web.dashboards import cache, prepared

    manifest = cache.read_manifest()
    if manifest is None:
        return
    try:
        prepared.prerender_everyone(manifest)
    except Exception:
        logger.exception("drawing the dashboard pages after import job %s failed", job_id)


@task()
def run_import(job_id: str) -> str:
    """Validate, then import, the job's files; then rebuild the dashboards' cache."""
    from arpkit.engine.errors import ArpkitError, InputError, Severity
    from arpkit.engine.importer import import_paths, validate_paths
    from arpkit.engine.records import ReadSettings
    from arpkit.web.audit.services import record

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    paths = [job_directory(job.id) / f.name for f in job.files.all()]
    read_settings = ReadSettings(la_code=job.la_code or None)
    _update(job_id, status=ImportStatus.RUNNING, started_at=timezone.now(), progress=0.0,
            message="Checking the files")

    def fail(problems: list[dict], not_listed: int, message: str) -> str:
        _update(job_id, status=ImportStatus.FAILED, finished_at=timezone.now(),
                problems=problems, problems_not_listed=not_listed, message=message,
                progress=1.0)
        record("imports.failed", actor=job.created_by, obj=job,
               extra={"errors": sum(p["severity"] == "error" for p in problems)})
        return ImportStatus.FAILED

    try:
        with warehouse_lock():
            found = validate_paths(paths, read_settings,
                                   progress=_Progress(job_id, VALIDATE, len(paths), "Checking"))
            if any(p.severity is Severity.ERROR for p in found):
                return fail(_problem_dicts(found), 0,
                            "Problems were found in the files; nothing was imported")
            summary = import_paths(
                paths, warehouse=settings.WAREHOUSE_PATH, settings=read_settings,
                imported_by=job.created_by.get_username(),
                progress=_Progress(job_id, IMPORT, len(paths), "Importing"))
            ids = [s.import_id for s in summary.imported]
            _update(job_id, warehouse_import_ids=ids, problems=_problem_dicts(summary.warnings),
                    summary={"imported": [{"kind": s.kind, "files": s.files, "period": s.period,
                                           "la_code": s.la_code, "rows": s.rows,
                                           "replaced": len(s.replaced)}
                                          for s in summary.imported],
                             "unchanged": list(summary.unchanged)})
            periods = _rebuild_cache(job_id)
    except InputError as exc:
        return fail(_problem_dicts(exc.problems), exc.truncated,
                    "Problems were found in the files; nothing was imported")
    except ArpkitError as exc:
        return fail([{"file": "", "location": "", "field": "", "value": None,
                      "message": str(exc), "severity": "error"}], 0,
                    "The import could not run; nothing was imported")
    done = ("Imported" if ids else "Nothing new to import: every file was already in the "
            "warehouse")
    _update(job_id, status=ImportStatus.SUCCEEDED, finished_at=timezone.now(), progress=1.0,
            message=done)
    record("imports.succeeded", actor=job.created_by, obj=job,
           extra={"warehouse_imports": len(ids), "periods": periods})
    _predraw(job_id)
    return ImportStatus.SUCCEEDED


@task()
def run_rollback(job_id: str) -> str:
    """Remove each warehouse import the job made (engine ``rollback_import``), then rebuild
    the dashboards' cache. An import already superseded or rolled back is reported, not
    forced."""
    from arpkit.engine.errors import ArpkitError
    from arpkit.engine.importer import rollback_import
    from arpkit.web.audit.services import record

    job = ImportJob.objects.get(pk=job_id)
    ids = list(job.warehouse_import_ids)
    refused: list[str] = []
    step: Callable[[int], float] = lambda i: 0.8 * i / max(len(ids), 1)  # noqa: E731
    with warehouse_lock():
        for i, import_id in enumerate(ids):
            _update(job_id, progress=step(i), message=f"Removing import {i + 1} of {len(ids)}")
            try:
                rollback_import(import_id, warehouse=settings.WAREHOUSE_PATH)
            except ArpkitError as exc:
                refused.append(str(exc))
        _rebuild_cache(job_id)
    if len(refused) == len(ids):
        _update(job_id, status=ImportStatus.SUCCEEDED, progress=1.0,
                message="Not rolled back: " + "; ".join(refused)[:250],
                rolled_back_by=None, rolled_back_at=None)
        record("imports.rollback_refused", actor=job.rolled_back_by, obj=job,
               extra={"refused": len(refused)})
        return ImportStatus.SUCCEEDED
    message = "Rolled back" + (f"; {len(refused)} import(s) had already been replaced or "
                               "removed" if refused else "")
    _update(job_id, status=ImportStatus.ROLLED_BACK, progress=1.0, message=message[:300])
    record("imports.rolled_back", actor=job.rolled_back_by, obj=job,
           extra={"warehouse_imports": len(ids) - len(refused), "refused": len(refused)})
    _predraw(job_id)
    return ImportStatus.ROLLED_BACK
