"""Writing to the audit log: the only way entries are made."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.middleware import current_request_id


def record(action: str, *, actor: Any = None, obj: models.Model | None = None,
           object_type: str = "", object_id: str | int = "",
           request: HttpRequest | None = None, extra: dict[str, Any] | None = None,
           anonymous: bool = False) -> AuditEvent:
    """Append one audit entry.

    ``actor`` is the signed-in user (None for the system). ``obj`` or ``object_type`` and
    ``object_id`` name what was touched. ``extra`` holds codes and field *names* only, never
    free text or personal data. ``anonymous=True`` records no actor, no address, no path and no
    request id, and rounds the time to the day: used where the person acting must not be
    identifiable from the log (an anonymous speak-up report).
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    now = timezone.now()
    event = AuditEvent(action=action, object_type=object_type, object_id=str(object_id),
                       extra=extra or {})
    if anonymous:
        event.at = now.replace(hour=0, minute=0, second=0, microsecond=0)
        event.save()
        return event
    event.at = now
    if actor is not None and getattr(actor, "is_authenticated", False):
        event.actor_id = actor.pk
        event.actor_label = actor.get_username()
    if request is not None:
        event.method = request.method or ""
        event.path = request.path[:300]
        if event.actor_id is not None:
            event.ip_address = request.META.get("REMOTE_ADDR") or None
    event.request_id = current_request_id() or ""
    event.save()
    return event
