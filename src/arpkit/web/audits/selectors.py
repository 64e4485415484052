"""Who sees which audit rounds and cases.

Analysts and the programme lead see every round and its findings.  An auditor sees only the
cases assigned to them, as auditor or as moderator; anything else is the same 404 as a missing
case.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from arpkit.web.accounts.models import User
from arpkit.web.audits.models import AuditCase, AuditRound, CaseStatus
from arpkit.web.core.permissions import Role, has_permission


def rounds_visible_to(user: User) -> QuerySet[AuditRound]:
    if not has_permission(user, "audits.manage_rounds"):
        return AuditRound.objects.none()
    return AuditRound.objects.select_related("questionnaire", "created_by")


def round_for_manager(user: User, pk: int) -> AuditRound:
    found = rounds_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such audit round")
    return found


def case_for_manager(user: User, pk: int) -> AuditCase:
    found = (AuditCase.objects.filter(pk=pk, round__in=rounds_visible_to(user))
             .select_related("round").first())
    if found is None:
        raise Http404("no such audit case")
    return found


def auditors() -> QuerySet[User]:
    return User.objects.filter(role_assignments__role=Role.AUDITOR.value, is_active=True)


def cases_for(user: User) -> QuerySet[AuditCase]:
    if not has_permission(user, "audits.audit"):
        return AuditCase.objects.none()
    return (AuditCase.objects.filter(Q(auditor=user) | Q(moderator=user))
            .exclude(status=CaseStatus.UNASSIGNED)
            .select_related("round", "auditor", "moderator", "auditor_grade", "final_grade"))


def case_for(user: User, pk: int) -> AuditCase:
    found = cases_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such audit case")
    return found
