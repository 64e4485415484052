"""Who can see which people and teams."""

from __future__ import annotations

from django.db.models import QuerySet

from arpkit.web.accounts.models import Team, User
from arpkit.web.core.permissions import Role, has_permission, roles_of


def users_visible_to(viewer: User) -> QuerySet[User]:
    if not has_permission(viewer, "accounts.manage"):
        return User.objects.none()
    return User.objects.prefetch_related("role_assignments", "memberships__team")


def user_for_admin(viewer: User, user_id: int) -> User | None:
    return users_visible_to(viewer).filter(pk=user_id).first()


def teams_of(user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).distinct()


_TEAM_CODES = "_arpkit_team_codes"


def remember_team_codes(user: User, codes: list[str]) -> None:
    """Attach the user's team codes (in team-name order) read together with the user."""
    setattr(user, _TEAM_CODES, list(codes))


def forget_team_codes(user: User) -> None:
    """Drop remembered team codes after the user's memberships change."""
    if hasattr(user, _TEAM_CODES):
        delattr(user, _TEAM_CODES)


def managed_team_codes(user: User) -> list[str] | None:
    """Team codes whose figures the user may see; None means every team.

    Team managers and practitioners are scoped to their own teams; authority-wide roles
    (analysts, auditors, the programme lead) see every team.
    """
    roles = roles_of(user)
    if roles & {Role.ANALYST, Role.AUDITOR, Role.PROGRAMME_LEAD, Role.ADMINISTRATOR}:
        return None
    remembered = getattr(user, _TEAM_CODES, None)
    if remembered is not None:
        return list(remembered)
    return list(teams_of(user).values_list("code", flat=True))
