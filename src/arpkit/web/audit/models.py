"""One append-only audit log for the whole platform.

Written only through :func:`arpkit.web.audit.services.record` (an explicit call in services and
views, never model signals, which miss bulk updates). Rows can be neither changed nor deleted:
``save`` refuses updates, ``delete`` refuses, and database triggers (migration 0002) refuse
``UPDATE``/``DELETE`` from any other route on SQLite and PostgreSQL.

The actor is kept as an id without a foreign-key constraint plus a label, so entries outlive the
account. The log records *that* something was read or changed, never the content: callers pass
names of changed fields, not values, so it cannot become a side channel for report text.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models

from arpkit.web.audit.actions import ACTIONS, describe


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["actor_id", "at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or 'system'}: {self.action}"

    @property
    def description(self) -> str:
        return describe(self.action)

    def clean(self) -> None:
        if self.action not in ACTIONS:
            raise ValidationError({"action": f"unregistered audit action {self.action!r}"})

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("audit events cannot be changed")
        self.full_clean()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("audit events cannot be deleted")
