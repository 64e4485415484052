"""Password sign-in (Django's ``ModelBackend``), loading a person's roles and teams with them.

Why: after sign-in every request loads the user from the session, and arpkit's access checks
then need the user's roles (``core.permissions.roles_of``) and, for team-scoped roles, their
teams (``accounts.selectors.managed_team_codes``): three ORM queries on every page, about
2.5 ms of CPU between them on the reference machine. Here all three come from one statement
(the user joined to their role assignments and team memberships; a handful of rows), read
through ``Manager.raw`` so Django still converts each column as the model declares it. The
roles and team codes ride on the user object for this request only and are read fresh on
every request, as before, so a role or team taken away takes effect on the person's next page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from arpkit.web.accounts.models import RoleAssignment, Team, TeamMembership, User
from arpkit.web.accounts.selectors import remember_team_codes
from arpkit.web.core.permissions import remember_roles

_ROLE_ALIAS = "arpkit_role_name"
_TEAM_ALIAS = "arpkit_team_code"
_TEAM_NAME_ALIAS = "arpkit_team_name"


def _user_with_roles_sql(vendor_quote: Any) -> str:
    q = vendor_quote
    user_meta, role_meta = User._meta, RoleAssignment._meta
    member_meta, team_meta = TeamMembership._meta, Team._meta
    columns = ", ".join(f"u.{q(f.column)}" for f in user_meta.concrete_fields)
    pk_col = q(user_meta.pk.column)

    def col(meta: Any, field: str) -> str:
        return q(meta.get_field(field).column)

    return (f"SELECT {columns}, r.{col(role_meta, 'role')} AS {_ROLE_ALIAS}, "
            f"t.{col(team_meta, 'code')} AS {_TEAM_ALIAS}, "
            f"t.{col(team_meta, 'name')} AS {_TEAM_NAME_ALIAS} "
            f"FROM {q(user_meta.db_table)} u "
            f"LEFT JOIN {q(role_meta.db_table)} r ON r.{col(role_meta, 'user')} = u.{pk_col} "
            f"LEFT JOIN {q(member_meta.db_table)} m "
            f"ON m.{col(member_meta, 'user')} = u.{pk_col} "
            f"LEFT JOIN {q(team_meta.db_table)} t "
            f"ON t.{q(team_meta.pk.column)} = m.{col(member_meta, 'team')} "
            f"WHERE u.{pk_col} = %s")


class AccountBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` reads the user, roles and teams in one query."""

    def get_user(self, user_id: Any) -> User | None:
        alias = router.db_for_read(User)
        sql = _user_with_roles_sql(connections[alias].ops.quote_name)
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session is simply no user
            return None
        rows = list(User.objects.db_manager(alias).raw(sql, [pk]))
        if not rows:
            return None
        user = rows[0]
        remember_roles(user, {row.arpkit_role_name for row in rows
                              if row.arpkit_role_name is not None})
        teams = {(row.arpkit_team_name, row.arpkit_team_code) for row in rows
                 if row.arpkit_team_code is not None}
        remember_team_codes(user, [code for _, code in sorted(teams)])
        return user if self.user_can_authenticate(user) else None
