"""Uploading returns, following an import's progress, reading its problems, rolling it back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.imports import selectors, services
from arpkit.web.imports.forms import UploadForm


@access("imports.manage")
def jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "imports/jobs.html",
                  {"jobs": selectors.import_jobs_visible_to(request.user)[:100]})


@access("imports.manage")
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        job = services.import_job_create(user=request.user, files=form.cleaned_data["files"],
                                         la_code=form.cleaned_data["la_code"], request=request)
        return redirect("imports:job", job_id=job.pk)
    return render(request, "imports/upload.html", {"form": form})


@access("imports.manage")
def job(request: HttpRequest, job_id) -> HttpResponse:
    found = selectors.import_job_for(request.user, job_id)
    record("imports.viewed", actor=request.user, obj=found, request=request)
    return render(request, "imports/job.html", {"job": found})


@access("imports.manage")
def job_status(request: HttpRequest, job_id) -> JsonResponse:
    """The progress as JSON, for scripts and monitoring (the page itself refreshes)."""
    found = selectors.import_job_for(request.user, job_id)
    return JsonResponse({"status": found.status, "progress": found.progress,
                         "message": found.message, "active": found.is_active,
                         "errors": len(found.errors)})


@access("imports.manage")
def rollback(request: HttpRequest, job_id) -> HttpResponse:
    found = selectors.import_job_for(request.user, job_id)
    if request.method == "POST":
        if not found.can_roll_back:
            messages.error(request, "This import cannot be rolled back.")
            return redirect("imports:job", job_id=found.pk)
        services.import_job_request_rollback(job=found, user=request.user, request=request)
        return redirect("imports:job", job_id=found.pk)
    return render(request, "imports/rollback.html", {"job": found})
