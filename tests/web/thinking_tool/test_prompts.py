"""Versioned prompts: an edit makes a new version and old answers keep the one they answered."""

from __future__ import annotations

from django.urls import reverse

from arpkit.web.thinking_tool.defaults import PROMPTS
from arpkit.web.thinking_tool.models import Answer, Domain, Prompt, PromptVersion, Tool
from tests.web.support import sign_in
from tests.web.thinking_tool.test_workflow import answer_all, as_, start


def test_the_default_set_covers_the_six_domains_with_a_first_version_each(db):
    assert Domain.objects.count() == 6
    assert Prompt.objects.count() == len(PROMPTS)
    assert set(PromptVersion.objects.values_list("number", flat=True)) == {1}
    private = Prompt.objects.filter(domain__key="practitioner-position")
    assert private.exists() and not private.filter(asks_voice=True).exists()


def test_changing_a_prompt_adds_a_version_and_old_answers_keep_theirs(client, people, teams,
                                                                      warehouse):
    sign_in(client, people["pat"])
    start(client, teams[0])
    tool = Tool.objects.get()
    client.post(reverse("thinking_tool:edit", args=[tool.pk]), answer_all(tool))
    prompt = Prompt.objects.get(key="faith-in-family-life")
    old = prompt.current

    lead = as_(None, people["lee"])
    url = reverse("thinking_tool:prompt_edit", args=[prompt.pk])
    assert lead.get(url).status_code == 200
    lead.post(url, {"text": "What does faith mean to this family?", "guidance": "",
                    "source": "", "active": "on"})
    prompt.refresh_from_db()
    assert prompt.current.number == 2
    assert PromptVersion.objects.filter(prompt=prompt).count() == 2
    assert Answer.objects.get(tool=tool, prompt=prompt).prompt_version == old
    page = client.get(reverse("thinking_tool:detail", args=[tool.pk])).content.decode()
    assert old.text.replace("\u2019", "&#x27;") in page or "answered version 1" in page

    # an answer written after the change answers the new wording
    start(client, teams[0], child_id="W4")
    newer = Tool.objects.exclude(pk=tool.pk).get()
    client.post(reverse("thinking_tool:edit", args=[newer.pk]), answer_all(newer))
    assert Answer.objects.get(tool=newer, prompt=prompt).prompt_version.number == 2
    # re-saving the old draft with a changed answer re-pins it to the wording it now answers
    data = answer_all(tool)
    data[f"voice_{prompt.pk}"] = "Changed after the new wording"
    client.post(reverse("thinking_tool:edit", args=[tool.pk]), data)
    assert Answer.objects.get(tool=tool, prompt=prompt).prompt_version.number == 2


def test_saving_the_same_wording_makes_no_new_version(client, people):
    prompt = Prompt.objects.first()
    current = prompt.current
    lead = as_(None, people["lee"])
    lead.post(reverse("thinking_tool:prompt_edit", args=[prompt.pk]),
              {"text": current.text, "guidance": current.guidance, "source": current.source,
               "active": "on"})
    assert prompt.versions.count() == 1


def test_only_the_programme_lead_edits_prompts(people):
    url = reverse("thinking_tool:prompt_edit", args=[Prompt.objects.first().pk])
    for name in ("pat", "mia", "ana"):
        assert as_(None, people[name]).get(url).status_code == 403, name
