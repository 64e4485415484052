"""Reads of the imports app, scoped by the user: only analysts see import jobs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from arpkit.web.core.permissions import has_permission
from arpkit.web.imports.models import ImportJob


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    if not has_permission(user, "imports.manage"):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by").prefetch_related("files")


def import_job_for(user, job_id) -> ImportJob:
    """The job, or Http404 for a missing or forbidden one alike."""
    job = import_jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("no such import")
    return job
