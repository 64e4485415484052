"""Who may do what: the one place arpkit's access rules live.

Roles are the jobs people do in a children's services department. A permission names an action
on a kind of record ("dashboards.view", "speakup.handle") and lists the roles that may take it.
Views declare the permission they need with :func:`arpkit.web.core.access.access`; anything
not listed here is denied. Object-level rules (a manager sees their own teams, an officer the
reports assigned to them) live in each app's selectors, which take the user.

Apps add their permissions with :func:`register` from their ``AppConfig.ready`` so that this
module stays the single registry that the access tests enumerate.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from arpkit.web.accounts.models import User


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    TEAM_MANAGER = "team_manager"
    AUDITOR = "auditor"
    ANALYST = "analyst"
    HR_LEAD = "hr_lead"
    SPEAKUP_OFFICER = "speakup_officer"
    PROGRAMME_LEAD = "programme_lead"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner",
    Role.TEAM_MANAGER: "Team manager",
    Role.AUDITOR: "Auditor",
    Role.ANALYST: "Analyst",
    Role.HR_LEAD: "HR and workforce lead",
    Role.SPEAKUP_OFFICER: "Speak-up officer",
    Role.PROGRAMME_LEAD: "Programme lead",
    Role.ADMINISTRATOR: "Administrator",
}

#: Roles whose holders must pass TOTP two-factor before any page but the sign-in ones.
TWO_FACTOR_ROLES: frozenset[Role] = frozenset(
    {Role.SPEAKUP_OFFICER, Role.ANALYST, Role.HR_LEAD, Role.ADMINISTRATOR})

#: Pseudo-permissions that every view may declare instead of a registered one.
PUBLIC = "public"  # anyone, signed in or not (sign-in page, the anonymous reporting start)
SIGNED_IN = "signed_in"  # any signed-in user, whatever their role (home page, own account)

_ALL = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    # Dashboards built on the warehouse: everyone who manages or studies practice.
    "dashboards.view": frozenset({Role.TEAM_MANAGER, Role.AUDITOR, Role.ANALYST,
                                  Role.PROGRAMME_LEAD, Role.PRACTITIONER}),
    # Unsuppressed figures: analysts only (inside the authority, never published).
    "dashboards.view_unsuppressed": frozenset({Role.ANALYST}),
    "dashboards.download": frozenset({Role.TEAM_MANAGER, Role.AUDITOR, Role.ANALYST,
                                      Role.PROGRAMME_LEAD}),
    "imports.manage": frozenset({Role.ANALYST}),
    "audit_log.view": frozenset({Role.ADMINISTRATOR}),
    "accounts.manage": frozenset({Role.ADMINISTRATOR}),
}


def register(name: str, roles: frozenset[Role] | set[Role]) -> None:
    """Add an app's permission. Registering a name twice with other roles is a bug."""
    roles = frozenset(roles)
    if name in (PUBLIC, SIGNED_IN):
        raise ValueError(f"{name!r} is reserved")
    existing = PERMISSIONS.get(name)
    if existing is not None and existing != roles:
        raise ValueError(f"permission {name!r} already registered with other roles")
    PERMISSIONS[name] = roles


def roles_of(user: User) -> frozenset[Role]:
    """The user's roles (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_arpkit_roles", None)
    if cached is None:
        cached = frozenset(Role(r) for r in user.role_names())
        user._arpkit_roles = cached
    return cached


def remember_roles(user: User, names: Iterable[str]) -> None:
    """Attach role names read together with the user, so ``roles_of`` needs no query."""
    user._arpkit_roles = frozenset(Role(name) for name in names)


def has_permission(user: User, name: str) -> bool:
    """True when one of the user's roles holds permission ``name``; unknown names are denied."""
    if name == PUBLIC:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if name == SIGNED_IN:
        return True
    allowed = PERMISSIONS.get(name)
    if allowed is None:
        return False
    return bool(roles_of(user) & allowed)


def needs_two_factor(user: User) -> bool:
    return bool(roles_of(user) & TWO_FACTOR_ROLES)


def all_roles() -> frozenset[Role]:
    return _ALL
