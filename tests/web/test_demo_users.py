"""`make run` creates one demo user per role, with passwords written only to a 0600 file."""

from __future__ import annotations

import io
import stat

import duckdb
from django.core.management import call_command
from django.test import override_settings

from arpkit.web.accounts.models import Team, User
from arpkit.web.core.permissions import Role


def test_load_demo_users_creates_one_user_per_role_and_teams_from_the_warehouse(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE events (team VARCHAR)")
        con.execute("INSERT INTO events VALUES ('Team North'), ('Team South'), (NULL)")
    out = tmp_path / "users.txt"
    buffer = io.StringIO()
    with override_settings(WAREHOUSE_PATH=warehouse):
        call_command("load_demo_users", out=out, stdout=buffer)
    assert set(Team.objects.values_list("code", flat=True)) == {"Team North", "Team South"}
    for role in Role:
        user = User.objects.get(username=f"demo-{role.value.replace('_', '-')}")
        assert user.role_names() == [role.value]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = out.read_text().splitlines()
    assert len(lines) == len(Role)
    manager = User.objects.get(username="demo-team-manager")
    assert manager.memberships.get().is_manager
    line = next(line for line in lines if "demo-team-manager" in line)
    assert manager.check_password(line.split()[-1])
