"""Reading the audit log, scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import has_permission


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_events_visible_to(user, filters: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """Entries the user may see: administrators see the whole log; everyone else nothing."""
    if not has_permission(user, "audit_log.view"):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    f = filters or AuditFilter()
    if f.actor:
        qs = qs.filter(actor_label__iexact=f.actor)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs.order_by("-at")


def events_for_object(object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    """Every entry about one record, oldest first (e.g. who has read a report).

    Callers must already have checked that the viewer may see the record itself.
    """
    return AuditEvent.objects.filter(object_type=object_type,
                                     object_id=str(object_id)).order_by("at")
