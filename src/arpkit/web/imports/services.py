"""Writes of the imports app: create a job from an upload, ask for a rollback (audited)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from arpkit.web.audit.services import record
from arpkit.web.imports import storage
from arpkit.web.imports.models import ImportFile, ImportJob, ImportStatus


def import_job_create(*, user, files: list, la_code: str = "",
                      request: HttpRequest | None = None) -> ImportJob:
    """Save the uploaded files (0600) and queue the import task."""
    from arpkit.web.imports.tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.create(created_by=user, la_code=la_code,
                                       message="Waiting to start")
        directory = storage.job_directory(job.id)
        for uploaded in files:
            name, size, digest = storage.save_upload(directory, uploaded)
            ImportFile.objects.create(job=job, name=name, size=size, sha256=digest)
        record("imports.queued", actor=user, obj=job, request=request,
               extra={"files": len(files)})
    # Outside the transaction: the worker must see the committed job.
    run_import.enqueue(str(job.id))
    job.refresh_from_db()
    return job


def import_job_request_rollback(*, job: ImportJob, user,
                                request: HttpRequest | None = None) -> ImportJob:
    """Queue the removal of everything the job imported."""
    from arpkit.web.imports.tasks import run_rollback

    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not locked.can_roll_back:
            raise ValueError("only a successful import can be rolled back")
        locked.status = ImportStatus.ROLLING_BACK
        locked.progress = 0.0
        locked.message = "Waiting to roll back"
        locked.rolled_back_by = user
        locked.rolled_back_at = timezone.now()
        locked.save(update_fields=["status", "progress", "message", "rolled_back_by",
                                   "rolled_back_at"])
        record("imports.rollback_requested", actor=user, obj=locked, request=request,
               extra={"warehouse_imports": len(locked.warehouse_import_ids)})
    run_rollback.enqueue(str(job.pk))
    locked.refresh_from_db()
    return locked
