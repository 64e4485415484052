"""Password sign-in (Django's ``ModelBackend``), loading a person's roles with the person.

Why: after sign-in every request loads the user from the session, and arpkit's access checks
then need the user's roles (``core.permissions.roles_of``): two ORM queries on every page,
about 1.5 ms of CPU between them on the reference machine. Here both come from one statement
(the user joined to their role assignments), read through ``Manager.raw`` so Django still
converts each column as the model declares it. ``roles_of`` finds the roles already on the
user and asks nothing more. Roles are read fresh on every request, as before, so a role taken
away takes effect on the person's next page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from arpkit.web.accounts.models import RoleAssignment, User
from arpkit.web.core.permissions import remember_roles

_ROLE_ALIAS = "arpkit_role_name"


def _user_with_roles_sql(vendor_quote: Any) -> str:
    q = vendor_quote
    user_meta, role_meta = User._meta, RoleAssignment._meta
    columns = ", ".join(f"u.{q(f.column)}" for f in user_meta.concrete_fields)
    role_col = q(role_meta.get_field("role").column)
    owner_col = q(role_meta.get_field("user").column)
    pk_col = q(user_meta.pk.column)
    return (f"SELECT {columns}, r.{role_col} AS {_ROLE_ALIAS} "
            f"FROM {q(user_meta.db_table)} u "
            f"LEFT JOIN {q(role_meta.db_table)} r ON r.{owner_col} = u.{pk_col} "
            f"WHERE u.{pk_col} = %s")


class AccountBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` reads the user and their roles in one query."""

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
        remember_roles(user, [row.arpkit_role_name for row in rows
                              if row.arpkit_role_name is not None])
        return user if self.user_can_authenticate(user) else None
