"""The background HR import (django-tasks; run by ``db_worker``).

Calls the engine's :func:`arpkit.engine.hr_import.import_hr`, which reads every file, checks
every row and writes all or nothing in one warehouse transaction.  Every problem is stored on
the import (file, row, field, value, message) with the file named as it was uploaded.  The
uploaded files hold HR system ids and are deleted as soon as the import has read them, whatever
the outcome.  Writes to the warehouse share the statutory-return importer's lock (DuckDB has a
single writer).
"""

from __future__ import annotations

import shutil
from dataclasses import asdict

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from arpkit.web.audit.services import record
from arpkit.web.workforce.models import HRImport
from arpkit.web.workforce.storage import import_directory


@task()
def run_hr_import(import_id: int) -> str:
    from arpkit.engine.errors import ArpkitError, InputError
    from arpkit.engine.hr_import import import_hr
    from arpkit.web.imports.tasks import warehouse_lock

    job = HRImport.objects.select_related("created_by").get(pk=import_id)
    HRImport.objects.filter(pk=job.pk).update(status=HRImport.Status.RUNNING)
    folder = import_directory(job.pk)
    saved = {kind: folder / name for kind, name in _saved_names(job).items()}
    names = {saved[k].name: job.file_names[k] for k in saved}
    files = {k: p for k, p in saved.items() if k != "mapping"}
    fields: dict = {"finished_at": None}
    try:
        with warehouse_lock():
            summary = import_hr(saved["mapping"], la_code=job.la_code, files=files,
                                warehouse=settings.WAREHOUSE_PATH,
                                imported_by=job.created_by.get_username()
                                if job.created_by else None)
        fields.update(status=HRImport.Status.UNCHANGED if summary.unchanged
                      else HRImport.Status.DONE, rows=summary.rows,
                      problems=[_problem(p, names) for p in summary.warnings],
                      message="These files were imported before; nothing changed"
                      if summary.unchanged else "Imported")
    except InputError as error:
        fields.update(status=HRImport.Status.FAILED,
                      problems=[_problem(p, names) for p in error.problems],
                      message=str(error).splitlines()[0])
    except ArpkitError as error:
        fields.update(status=HRImport.Status.FAILED, message=str(error))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    fields["finished_at"] = timezone.now()
    HRImport.objects.filter(pk=job.pk).update(**fields)
    record("workforce.import_finished", obj=job, extra={"status": fields["status"]})
    if fields["status"] == HRImport.Status.DONE:
        from arpkit.web.workforce.dashboard import forget_cached

        forget_cached()
    return fields["status"]


def _saved_names(job: HRImport) -> dict[str, str]:
    from arpkit.web.workforce.storage import saved_name

    return {kind: saved_name(kind) for kind in job.file_names}


def _problem(problem, names: dict[str, str]) -> dict:
    out = asdict(problem)
    out["file"] = names.get(out.get("file") or "", out.get("file") or "")
    out["severity"] = str(out.get("severity", "error"))
    return out
