"""URL arguments for the Thinking Tool views, as records the signed-in user is entitled to."""

from __future__ import annotations

import datetime as dt
import itertools

from arpkit.web.accounts.models import Team, TeamMembership
from arpkit.web.thinking_tool.models import Prompt, Status, Tool

_n = itertools.count()


def _team(user, manager: bool = False) -> Team:
    team, _ = Team.objects.get_or_create(code="Sample team", defaults={"name": "Sample team"})
    if user is not None:
        TeamMembership.objects.update_or_create(user=user, team=team,
                                                defaults={"is_manager": manager})
    return team


def _tool(author, team: Team, status: str) -> Tool:
    from tests.web.support import make_user

    if author is None:
        author = make_user(username=f"sample-author-{next(_n)}")
    return Tool.objects.create(child_key=f"{next(_n):064x}", work_kind="assessment",
                               work_date=dt.date(2024, 6, 1), team=team, practitioner=author,
                               status=status, ethnicity_group="WHITE",
                               ethnicity_source="case_record")


def _detail(user) -> dict:
    return {"pk": _tool(user, _team(user), Status.DRAFT).pk}


def _edit(user) -> dict:
    return {"pk": _tool(user, _team(user), Status.DRAFT).pk}


def _review(user) -> dict:
    return {"pk": _tool(None, _team(user, manager=True), Status.SUBMITTED).pk}


def _timeline(user) -> dict:
    return {"child_key": _tool(user, _team(user), Status.DRAFT).child_key}


def _prompt() -> dict:
    return {"pk": Prompt.objects.order_by("pk").first().pk}


SAMPLES = {
    "thinking_tool:detail": _detail,
    "thinking_tool:edit": _edit,
    "thinking_tool:review": _review,
    "thinking_tool:timeline": _timeline,
    "thinking_tool:prompt_edit": _prompt,
}
