"""Reads of the workforce app.  Imports are for the HR lead (``workforce.import``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from arpkit.web.core.permissions import has_permission
from arpkit.web.workforce.models import HRImport


def imports(*, user) -> QuerySet[HRImport]:
    if not has_permission(user, "workforce.import"):
        return HRImport.objects.none()
    return HRImport.objects.select_related("created_by")


def hr_import(*, user, import_id: int) -> HRImport:
    found = imports(user=user).filter(pk=import_id).first()
    if found is None:
        raise Http404("No such import")
    return found
