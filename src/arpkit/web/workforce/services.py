"""Writes of the workforce app: queue an HR extract import (audited)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from arpkit.web.audit.services import record
from arpkit.web.workforce import storage
from arpkit.web.workforce.models import HRImport


def hr_import_create(*, user, la_code: str, mapping, files: dict,
                     request: HttpRequest | None = None) -> HRImport:
    """Save the mapping and CSVs (``kind -> uploaded file``) and queue the import task."""
    from arpkit.web.workforce.tasks import run_hr_import

    uploads = {"mapping": mapping, **{k: f for k, f in files.items() if f}}
    with transaction.atomic():
        job = HRImport.objects.create(created_by=user, la_code=la_code,
                                      file_names={k: f.name for k, f in uploads.items()})
        directory = storage.import_directory(job.pk)
        for kind, uploaded in uploads.items():
            storage.save(directory, kind, uploaded)
        record("workforce.import_queued", actor=user, obj=job, request=request,
               extra={"kinds": sorted(uploads)})
    run_hr_import.enqueue(job.pk)
    job.refresh_from_db()
    return job
