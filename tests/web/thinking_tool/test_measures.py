"""The dashboard is fed by real submissions: completion by team and group, empty domains."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arpkit.engine.intervals import wilson_limits
from arpkit.web.thinking_tool import measures
from arpkit.web.thinking_tool.models import Prompt, Tool
from tests.web.thinking_tool.test_workflow import answer_all, as_, start

pytestmark = pytest.mark.slow


def complete(practitioner, manager, team, child_id, *, skip_domain=None):
    client = as_(None, practitioner)
    start(client, team, child_id=child_id, ethnicity_code="OOTH")
    tool = Tool.objects.latest("pk")
    data = answer_all(tool)
    if skip_domain:
        for prompt in Prompt.objects.filter(domain__key=skip_domain):
            data.pop(f"voice_{prompt.pk}", None)
            data.pop(f"reflection_{prompt.pk}", None)
    client.post(reverse("thinking_tool:edit", args=[tool.pk]), {**data, "action": "submit"})
    as_(None, manager).post(reverse("thinking_tool:review", args=[tool.pk]),
                            {"decision": "sign_off"})
    return tool


@pytest.fixture
def submissions(people, teams, warehouse):
    a = teams[0]
    for i in range(6):
        complete(people["pat"], people["mia"], a, f"W{i}")
    for i in range(2):
        complete(people["sam"], people["mia"], a, f"B{i}", skip_domain="faith-belief")
    complete(people["pat"], people["mia"], a, "NOTINWH")
    return teams


def rows(frame, breakdown=None):
    return {r["value"]: r for r in frame.to_dict("records")}


def test_completion_counts_signed_off_tools_against_warehouse_assessments(submissions):
    done = measures.completion(2025, team_codes=None, unsuppressed=True)
    group = rows(done["tables"]["ethnic group"])
    assert (group["WHITE"]["assessments"], group["WHITE"]["with_tool"]) == (8, 6)
    assert (group["BLACK"]["assessments"], group["BLACK"]["with_tool"]) == (7, 2)
    lower, upper = wilson_limits(6, 8)
    assert group["WHITE"]["lower"] == pytest.approx(lower)
    assert group["WHITE"]["upper"] == pytest.approx(upper)
    team = rows(done["tables"]["team"])
    assert (team["Team A"]["assessments"], team["Team A"]["with_tool"]) == (15, 8)
    assert (team["Team B"]["assessments"], team["Team B"]["with_tool"]) == (6, 0)
    assert done["tables"]["all"].iloc[0]["with_tool"] == 8
    assert done["unmatched"] == 1


def test_empty_domains_are_counted_per_submitted_tool(submissions):
    table = rows(measures.empty_domains(2025, team_codes=None, unsuppressed=True))
    assert (table["faith-belief"]["tools"], table["faith-belief"]["empty"]) == (9, 2)
    assert table["identity-heritage"]["empty"] == 0


def test_small_counts_are_suppressed_for_everyone_but_analysts(submissions, people):
    url = reverse("thinking_tool:measures") + "?period=2025"
    lead = as_(None, people["lee"]).get(url)
    analyst = as_(None, people["ana"]).get(url)
    lead_rows = {r["value"]: r for name, t in lead.context["tables"] for r in t
                 if name == "ethnic group"}
    assert lead_rows["BLACK"]["with_tool_text"] == "c"  # 2 of 7
    assert lead_rows["BLACK"]["share_text"] == "c"
    analyst_rows = {r["value"]: r for name, t in analyst.context["tables"] for r in t
                    if name == "ethnic group"}
    assert analyst_rows["BLACK"]["with_tool_text"] == "2"
    assert "28.6" in analyst.content.decode()


def test_a_team_manager_sees_only_their_teams(submissions, people):
    response = as_(None, people["max"]).get(reverse("thinking_tool:measures") + "?period=2025")
    team_rows = [r["value"] for name, t in response.context["tables"] for r in t
                 if name == "team"]
    assert team_rows == ["Team B"]


def test_practitioners_do_not_see_the_measures(people):
    assert as_(None, people["pat"]).get(reverse("thinking_tool:measures")).status_code == 403
