"""Creating people and changing what they may do: every change is audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction

from arpkit.web.accounts.models import RoleAssignment, Team, TeamMembership, User
from arpkit.web.accounts.selectors import forget_team_codes
from arpkit.web.audit.services import record
from arpkit.web.core.permissions import Role


def generate_password() -> str:
    """A random 20-character password (about 119 bits), shown once to whoever creates it."""
    return secrets.token_urlsafe(15)


@transaction.atomic
def create_user(*, username: str, password: str | None, roles: Iterable[Role | str] = (),
                teams: Iterable[Team] = (), manages_teams: bool = False,
                first_name: str = "", last_name: str = "", email: str = "",
                by: User | None = None) -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record("accounts.user_created", actor=by, obj=user)
    set_roles(user=user, roles=roles, by=by)
    set_teams(user=user, teams=teams, manages=manages_teams)
    return user


@transaction.atomic
def set_roles(*, user: User, roles: Iterable[Role | str], by: User | None = None) -> None:
    wanted = {Role(r) for r in roles}
    current = {Role(r) for r in user.role_names()}
    for role in sorted(wanted - current):
        RoleAssignment.objects.create(user=user, role=role.value)
        record("accounts.role_assigned", actor=by, obj=user, extra={"role": role.value})
    for role in sorted(current - wanted):
        RoleAssignment.objects.filter(user=user, role=role.value).delete()
        record("accounts.role_removed", actor=by, obj=user, extra={"role": role.value})
    if hasattr(user, "_arpkit_roles"):
        del user._arpkit_roles


@transaction.atomic
def set_teams(*, user: User, teams: Iterable[Team], manages: bool) -> None:
    TeamMembership.objects.filter(user=user).delete()
    TeamMembership.objects.bulk_create(
        TeamMembership(user=user, team=t, is_manager=manages) for t in teams)
    forget_team_codes(user)


def ensure_teams(names: Iterable[str]) -> list[Team]:
    """Create a Team for each team name the warehouse knows (idempotent)."""
    teams = []
    for name in sorted({n for n in names if n}):
        team, _ = Team.objects.get_or_create(code=name, defaults={"name": name})
        teams.append(team)
    return teams


def warehouse_team_names(warehouse) -> list[str]:
    """Team names recorded in the warehouse's events (Annex A, case-system extracts)."""
    from pathlib import Path

    from arpkit.engine.warehouse import open_duckdb

    if not Path(warehouse).exists():
        return []
    with open_duckdb(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT team FROM events WHERE team IS NOT NULL AND team <> '' ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]
