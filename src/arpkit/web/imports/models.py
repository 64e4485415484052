"""Import jobs: who uploaded which returns, what the engine made of them, and their outcome.

A job is the web twin of one ``arpkit import`` call: its files are imported in one warehouse
transaction (nothing lands unless everything does), and what landed can be rolled back with the
engine's :func:`arpkit.engine.importer.rollback_import`. Files are kept under
``MEDIA_ROOT/imports/<job id>/`` with mode 0600; the job records each file's size and SHA-256 so
the import can be matched to the warehouse's own ``import_files`` table.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"
    ROLLING_BACK = "rolling_back", "Rolling back"
    ROLLED_BACK = "rolled_back", "Rolled back"


ACTIVE_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.ROLLING_BACK)


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="import_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    la_code = models.CharField(max_length=9, blank=True,
                               help_text="Authority code given for files that carry none")
    status = models.CharField(max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0 to 1")
    message = models.CharField(max_length=300, blank=True)
    #: Every problem the engine reported: file, location (row/element/cell), field, value,
    #: message, severity. Values come from the uploaded files and are shown to analysts only.
    problems = models.JSONField(default=list, blank=True)
    problems_not_listed = models.PositiveIntegerField(default=0)
    #: The warehouse ``imports.import_id`` of each return this job imported.
    warehouse_import_ids = models.JSONField(default=list, blank=True)
    #: What the engine imported (kind, period, rows) and which files were unchanged.
    summary = models.JSONField(default=dict, blank=True)
    rolled_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    rolled_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {str(self.id)[:8]} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        return round(100 * max(0.0, min(1.0, self.progress)))

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "warning"]

    @property
    def can_roll_back(self) -> bool:
        return self.status == ImportStatus.SUCCEEDED and bool(self.warehouse_import_ids)


class ImportFile(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="file_once_per_job")]

    def __str__(self) -> str:
        return self.name
