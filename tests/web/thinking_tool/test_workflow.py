"""The Thinking Tool end to end through the views: start, answer, submit, return, sign off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arpkit.web.audit.models import AuditEvent
from arpkit.web.thinking_tool.models import Answer, Prompt, Status, Tool
from tests.web.support import sign_in
from tests.web.thinking_tool.warehouse import key_of


def as_(client_factory, user):
    from tests.web.support import CheckedClient

    return sign_in(CheckedClient(), user)


def start(client, team, child_id="W3", **extra):
    data = {"child_id": child_id, "work_kind": "assessment", "work_date": "2024-06-03",
            "team": team.pk, "ethnicity_code": "", **extra}
    return client.post(reverse("thinking_tool:start"), data)


def answer_all(tool, text="We talked about identity"):
    data = {"action": "save"}
    for prompt in Prompt.objects.filter(active=True):
        if prompt.asks_voice:
            data[f"voice_{prompt.pk}"] = text
        data[f"reflection_{prompt.pk}"] = text
    return data


def test_the_child_id_is_pseudonymised_on_entry_and_never_stored(client, people, teams,
                                                                   warehouse):
    sign_in(client, people["pat"])
    response = start(client, teams[0], child_id=" W3 ")
    tool = Tool.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("thinking_tool:edit", args=[tool.pk])
    assert tool.child_key == key_of("W3")
    stored = [str(v) for t in Tool.objects.values() for v in t.values()]
    stored += [str(e.extra) + e.path for e in AuditEvent.objects.all()]
    assert not any("W3" in s for s in stored)


def test_the_ethnic_group_comes_from_the_warehouse_when_the_child_is_there(
        client, people, teams, warehouse):
    sign_in(client, people["pat"])
    start(client, teams[0], child_id="B2", ethnicity_code="WBRI")  # the warehouse wins
    tool = Tool.objects.get()
    assert (tool.ethnicity_code, tool.ethnicity_group, tool.ethnicity_source) == (
        "BCRB", "BLACK", "warehouse")


def test_a_child_missing_from_the_warehouse_needs_the_case_record_ethnicity(
        client, people, teams, warehouse):
    sign_in(client, people["pat"])
    response = start(client, teams[0], child_id="NEW1")
    assert response.status_code == 200
    assert "not in the warehouse yet" in response.content.decode()
    assert not Tool.objects.exists()
    start(client, teams[0], child_id="NEW1", ethnicity_code="MWBC")
    tool = Tool.objects.get()
    assert (tool.ethnicity_group, tool.ethnicity_source) == ("MIXED", "case_record")


def test_a_practitioner_cannot_open_a_tool_for_another_team(client, people, teams, warehouse):
    sign_in(client, people["pat"])
    response = start(client, teams[1])
    assert response.status_code == 200
    assert not Tool.objects.exists()


def test_a_tool_goes_from_draft_to_return_to_sign_off_with_a_timeline(client, people, teams,
                                                                      warehouse):
    pat, mia = people["pat"], people["mia"]
    sign_in(client, pat)
    start(client, teams[0])
    tool = Tool.objects.get()
    edit = reverse("thinking_tool:edit", args=[tool.pk])
    assert client.get(edit).status_code == 200
    client.post(edit, answer_all(tool))
    assert Answer.objects.filter(tool=tool).count() == Prompt.objects.count()
    client.post(edit, {**answer_all(tool), "action": "submit"})
    tool.refresh_from_db()
    assert tool.status == Status.SUBMITTED
    assert client.get(edit)["Location"] == reverse("thinking_tool:detail", args=[tool.pk])

    manager = as_(None, mia)
    assert tool.pk in [t.pk for t in manager.get(reverse("thinking_tool:index"))
                       .context["awaiting"]]
    review = reverse("thinking_tool:review", args=[tool.pk])
    response = manager.post(review, {"decision": "return", "comment": ""})
    assert "Say what the practitioner should change" in response.content.decode()
    manager.post(review, {"decision": "return", "comment": "Say more about faith"})
    tool.refresh_from_db()
    assert tool.status == Status.RETURNED
    assert "Say more about faith" in client.get(edit).content.decode()
    client.post(edit, {**answer_all(tool, "Faith matters to the family"), "action": "submit"})
    manager.post(review, {"decision": "sign_off", "comment": ""})
    tool.refresh_from_db()
    assert tool.status == Status.SIGNED_OFF and tool.signed_off_by == mia
    assert [e.action for e in tool.events.all()] == [
        "created", "saved", "submitted", "returned", "saved", "submitted", "signed_off"]
    timeline = client.get(reverse("thinking_tool:timeline", args=[tool.child_key]))
    assert timeline.status_code == 200 and "Signed off" in timeline.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"thinking_tool.created", "thinking_tool.submitted", "thinking_tool.returned",
            "thinking_tool.signed_off", "thinking_tool.timeline_viewed"} <= actions


def test_submitting_an_empty_tool_is_refused(client, people, teams, warehouse):
    sign_in(client, people["pat"])
    start(client, teams[0])
    tool = Tool.objects.get()
    response = client.post(reverse("thinking_tool:edit", args=[tool.pk]), {"action": "submit"})
    assert "Answer at least one prompt" in response.content.decode()
    tool.refresh_from_db()
    assert tool.status == Status.DRAFT


@pytest.fixture
def drafted(client, people, teams, warehouse):
    sign_in(client, people["pat"])
    start(client, teams[0])
    tool = Tool.objects.get()
    client.post(reverse("thinking_tool:edit", args=[tool.pk]), answer_all(tool, "SECRET-NOTE"))
    return tool


def test_a_draft_is_seen_only_by_its_author(drafted, people):
    detail = reverse("thinking_tool:detail", args=[drafted.pk])
    for name in ("sam", "mia", "bob", "max"):
        assert as_(None, people[name]).get(detail).status_code == 404, name
    assert as_(None, people["sam"]).get(
        reverse("thinking_tool:edit", args=[drafted.pk])).status_code == 404


def test_a_submitted_tool_is_seen_by_its_team_but_not_by_other_teams(client, drafted, people):
    client.post(reverse("thinking_tool:edit", args=[drafted.pk]),
                {**answer_all(drafted, "SECRET-NOTE"), "action": "submit"})
    detail = reverse("thinking_tool:detail", args=[drafted.pk])
    colleague = as_(None, people["sam"]).get(detail)
    assert colleague.status_code == 200
    assert "SECRET-NOTE" in colleague.content.decode()
    # self-reflection stays between the author and the manager
    assert "shared only with them and their team manager" in colleague.content.decode()
    assert "SECRET-NOTE" in as_(None, people["mia"]).get(detail).content.decode()
    for name in ("bob", "max"):
        assert as_(None, people[name]).get(detail).status_code == 404, name
    review = reverse("thinking_tool:review", args=[drafted.pk])
    assert as_(None, people["max"]).post(review, {"decision": "sign_off"}).status_code == 404
    assert as_(None, people["sam"]).get(review).status_code == 403  # not a manager
    drafted.refresh_from_db()
    assert drafted.status == Status.SUBMITTED


def test_a_manager_cannot_sign_off_their_own_tool(client, people, teams, warehouse):
    mia = people["mia"]
    manager = as_(None, mia)
    start(manager, teams[0])
    tool = Tool.objects.get()
    manager.post(reverse("thinking_tool:edit", args=[tool.pk]),
                 {**answer_all(tool), "action": "submit"})
    assert manager.get(reverse("thinking_tool:review", args=[tool.pk])).status_code == 404
