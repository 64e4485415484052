"""An HR extract import run from the browser (the files themselves are deleted once read)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class HRImport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        UNCHANGED = "unchanged", "Already imported"
        FAILED = "failed", "Not imported"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    la_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    #: kind ("mapping", "staff", ...) -> the name the file was uploaded with.
    file_names = models.JSONField(default=dict)
    #: Every problem found: file, location (row), field, value, message, severity.
    problems = models.JSONField(default=list)
    #: Rows written per warehouse table.
    rows = models.JSONField(default=dict)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") != "error"]
