from __future__ import annotations

import pytest

from arpkit.web.accounts.models import Team
from arpkit.web.core.permissions import Role
from tests.web.support import make_user
from tests.web.thinking_tool.warehouse import LA, Child, build


@pytest.fixture
def teams():
    return (Team.objects.create(code="Team A", name="Team A"),
            Team.objects.create(code="Team B", name="Team B"))


@pytest.fixture
def people(teams):
    a, b = teams
    return {
        "pat": make_user(Role.PRACTITIONER, username="pat", teams=[a]),
        "sam": make_user(Role.PRACTITIONER, username="sam", teams=[a]),
        "bob": make_user(Role.PRACTITIONER, username="bob", teams=[b]),
        "mia": make_user(Role.TEAM_MANAGER, username="mia", teams=[a], manager=True),
        "max": make_user(Role.TEAM_MANAGER, username="max", teams=[b], manager=True),
        "lee": make_user(Role.PROGRAMME_LEAD, username="lee"),
        "ana": make_user(Role.ANALYST, username="ana"),
    }


KIDS = (
    [Child(f"W{i}", "WBRI") for i in range(8)]
    + [Child(f"B{i}", "BCRB") for i in range(7)]
    + [Child(f"A{i}", "AIND", team="Team B") for i in range(6)]
)


@pytest.fixture
def warehouse(tmp_path, settings):
    path = build(tmp_path / "wh.duckdb", KIDS)
    settings.WAREHOUSE_PATH = path
    settings.ARPKIT_LA_CODE = LA
    return path
