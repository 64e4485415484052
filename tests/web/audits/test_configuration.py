"""Configuring case audits: versioned questionnaires and grading scales, themes, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from arpkit.web.audit.actions import ACTIONS
from arpkit.web.audit.models import AuditEvent
from arpkit.web.audits import configuration, defaults, selectors
from arpkit.web.audits.forms import AuditForm, RoundForm
from arpkit.web.audits.models import (
    AuditCase,
    CaseStatus,
    GradeLevel,
    GradeScale,
    Question,
    QuestionKind,
    Questionnaire,
    Theme,
)
from arpkit.web.core.permissions import Role
from tests.web.audits.samples import SAMPLES, make_round
from tests.web.support import CheckedClient, make_user, sign_in
from tests.web.url_walk import iter_routes


@pytest.fixture
def lead():
    return make_user(Role.PROGRAMME_LEAD, username="lead")


@pytest.fixture
def auditor():
    return make_user(Role.AUDITOR, username="aud")


def client_for(user) -> CheckedClient:
    return sign_in(CheckedClient(), user)


def seeded() -> Questionnaire:
    return Questionnaire.objects.get(key=defaults.QUESTIONNAIRE_KEY, version=1)


def new_version(client, questionnaire: Questionnaire) -> Questionnaire:
    response = client.post(reverse("audits:questionnaire_new_version",
                                   args=[questionnaire.pk]))
    assert response.status_code == 302
    return Questionnaire.objects.get(key=questionnaire.key, published_at__isnull=True)


def question_data(text: str, kind: str = QuestionKind.YES_NO_PARTLY, **scale) -> dict:
    return {"text": text, "kind": kind, "scale_min": "1", "scale_max": "5",
            "scale_min_label": "", "scale_max_label": "", **scale}


def assigned_case(lead, auditor, audit_round=None) -> AuditCase:
    case = (audit_round or make_round(lead)).cases.first()
    case.auditor, case.moderator = auditor, make_user(Role.AUDITOR)
    case.status = CaseStatus.ASSIGNED
    case.save()
    return case


def test_the_default_questionnaire_and_grading_scale_are_published_version_one(db):
    questionnaire = seeded()
    scale = GradeScale.objects.get(key=defaults.SCALE_KEY)
    assert (questionnaire.version, questionnaire.is_published) == (1, True)
    assert (scale.version, scale.is_published) == (1, True)
    assert selectors.published_questionnaires().first() == questionnaire


def test_editing_after_publish_creates_a_new_version_and_leaves_the_old_one_unchanged(lead):
    client = client_for(lead)
    old = seeded()
    old_question = Question.objects.filter(section__questionnaire=old).first()
    response = client.get(reverse("audits:question_edit", args=[old_question.pk]))
    assert response.status_code == 302  # a published question is not offered for editing
    client.post(reverse("audits:question_edit", args=[old_question.pk]),
                question_data("Rewritten"))
    old_question.refresh_from_db()
    assert old_question.text != "Rewritten"
    with pytest.raises(ValidationError, match="published"):
        configuration.question_update(question=old_question, by=lead, **question_data("x"))

    draft = new_version(client, old)
    assert (draft.version, draft.is_published, draft.name) == (2, False, old.name)
    copied = Question.objects.filter(section__questionnaire=draft)
    assert ([(q.key, q.text, q.kind) for q in copied]
            == [(q.key, q.text, q.kind) for q in Question.objects.filter(
                section__questionnaire=old)])
    first = copied.first()
    client.post(reverse("audits:question_edit", args=[first.pk]),
                question_data("Did the child say who they are, in their own words?"))
    first.refresh_from_db()
    old_question.refresh_from_db()
    assert first.text == "Did the child say who they are, in their own words?"
    assert old_question.text != first.text and old_question.key == first.key
    # asking again for a new version goes to the draft already being edited
    assert new_version(client, old) == draft
    assert Questionnaire.objects.filter(key=old.key).count() == 2


def test_a_draft_question_can_be_added_changed_moved_and_removed(lead):
    client = client_for(lead)
    draft = new_version(client, seeded())
    section = draft.sections.first()
    client.post(reverse("audits:question_create", args=[section.pk]), question_data(
        "How far was the child's heritage celebrated?", QuestionKind.SCALE, scale_min="0",
        scale_max="10", scale_min_label="Not at all", scale_max_label="Completely"))
    added = section.questions.order_by("order").last()
    assert (added.kind, added.scale_min, added.scale_max) == (QuestionKind.SCALE, 0, 10)
    assert added.scale_description == "0 (Not at all) to 10 (Completely)"
    assert added.key == "how-far-was-the-childs-heritage-celebrated"

    client.post(reverse("audits:question_arrange", args=[added.pk]), {"action": "up"})
    keys = list(section.questions.order_by("order").values_list("key", flat=True))
    assert keys[-2] == added.key
    assert list(section.questions.order_by("order").values_list("order", flat=True)) == [
        1, 2, 3, 4]
    victim = section.questions.order_by("order").first()
    client.post(reverse("audits:question_arrange", args=[victim.pk]), {"action": "remove"})
    assert not Question.objects.filter(pk=victim.pk).exists()
    assert list(section.questions.order_by("order").values_list("order", flat=True)) == [
        1, 2, 3]

    changes = list(AuditEvent.objects.filter(action="audits.questionnaire_changed")
                   .order_by("at").values_list("extra__change", flat=True))
    assert changes == ["question_added", "question_up", "question_remove"]


def test_a_scale_question_needs_a_sensible_range(lead):
    draft = new_version(client_for(lead), seeded())
    response = client_for(lead).post(
        reverse("audits:question_create", args=[draft.sections.first().pk]),
        question_data("Rate it", QuestionKind.SCALE, scale_min="5", scale_max="5"))
    assert "The highest number must be more than the lowest" in response.content.decode()
    with pytest.raises(ValidationError, match="at most 11 points"):
        configuration.question_add(section=draft.sections.first(), by=lead,
                                   **question_data("Rate it", QuestionKind.SCALE,
                                                   scale_min=0, scale_max=20))


def test_sections_can_be_added_renamed_moved_and_removed_in_a_draft(lead):
    client = client_for(lead)
    draft = new_version(client, seeded())
    client.post(reverse("audits:section_create", args=[draft.pk]), {"title": "Voice"})
    voice = draft.sections.get(title="Voice")
    assert voice.order == 4
    client.post(reverse("audits:section_edit", args=[voice.pk]), {"title": "Child's voice"})
    client.post(reverse("audits:section_arrange", args=[voice.pk]), {"action": "up"})
    titles = list(draft.sections.order_by("order").values_list("title", flat=True))
    assert titles[2] == "Child's voice"
    response = client.post(reverse("audits:questionnaire_publish", args=[draft.pk]))
    assert "has no questions" in response.content.decode()  # an empty section blocks it
    client.post(reverse("audits:section_arrange", args=[voice.pk]), {"action": "remove"})
    assert draft.sections.count() == 3


def test_publishing_freezes_a_version_and_new_rounds_default_to_it(lead):
    client = client_for(lead)
    draft = new_version(client, seeded())
    assert draft not in RoundForm().fields["questionnaire"].queryset
    page = client.get(reverse("audits:questionnaire_publish", args=[draft.pk]))
    assert "cannot be changed" in page.content.decode()
    client.post(reverse("audits:questionnaire_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == lead
    assert RoundForm().fields["questionnaire"].initial == draft
    with pytest.raises(ValidationError, match="published"):
        configuration.section_add(questionnaire=draft, title="Late addition", by=lead)


def test_a_round_cannot_be_drawn_with_a_draft_questionnaire_or_scale(lead):
    draft = new_version(client_for(lead), seeded())
    scale, _ = configuration.scale_new_version(source=GradeScale.objects.get(), by=lead)
    with pytest.raises(ValidationError) as raised:
        from arpkit.web.audits import services

        services.round_create(by=lead, name="x", questionnaire=draft, scale=scale,
                              stages=["cin"], period=2025, allocation="equal", size=2, seed=1)
    assert set(raised.value.error_dict) == {"questionnaire", "scale"}


def test_an_existing_round_still_shows_its_old_questions(lead, auditor):
    case = assigned_case(lead, auditor)
    old_texts = set(Question.objects.filter(section__questionnaire=case.round.questionnaire)
                    .values_list("text", flat=True))
    client = client_for(lead)
    draft = new_version(client, case.round.questionnaire)
    changed = Question.objects.filter(section__questionnaire=draft).first()
    client.post(reverse("audits:question_edit", args=[changed.pk]),
                question_data("A question only the new version asks"))
    client.post(reverse("audits:questionnaire_publish", args=[draft.pk]))

    page = client_for(auditor).get(reverse("audits:case", args=[case.pk])).content.decode()
    assert "A question only the new version asks" not in page
    assert all(text.replace("\u2019", "&#x27;") in page or text in page for text in old_texts)
    form = AuditForm(case=case)
    asked = {item["question"].pk for s in form.sections for item in s["items"]}
    assert asked == set(Question.objects.filter(
        section__questionnaire=case.round.questionnaire).values_list("pk", flat=True))

    new_round = make_round(lead)
    assert new_round.questionnaire == draft
    new_case = assigned_case(lead, auditor, new_round)
    new_page = client_for(auditor).get(reverse("audits:case", args=[new_case.pk]))
    assert "A question only the new version asks" in new_page.content.decode()


def test_old_answers_render_against_their_own_version_after_a_change(lead, auditor):
    case = assigned_case(lead, auditor)
    question = Question.objects.filter(section__questionnaire=case.round.questionnaire,
                                       kind=QuestionKind.SCALE).first()
    good = GradeLevel.objects.get(scale=case.round.scale, rank=2)
    from arpkit.web.audits import services

    services.case_save(case=case, by=auditor, difference="Contact restored", grade=good,
                       submit=False, answers={question.pk: {"scale_value": 4, "text": ""}})
    draft = new_version(client_for(lead), case.round.questionnaire)
    twin = Question.objects.get(section__questionnaire=draft, key=question.key)
    configuration.question_update(question=twin, by=lead, **question_data(
        "Strengths, 0 to 10", QuestionKind.SCALE, scale_min=0, scale_max=10))
    configuration.questionnaire_publish(questionnaire=draft, by=lead)

    sheet = selectors.answer_sheet(case)
    items = {i["question"].pk: i for s in sheet for i in s["items"]}
    assert items[question.pk]["question"].text == question.text
    assert items[question.pk]["answer"] == "4 on a scale of 1 to 5."
    assert twin.pk not in items


def test_a_scale_question_offers_its_configured_range_to_the_auditor(lead, auditor):
    draft = new_version(client_for(lead), seeded())
    configuration.question_add(section=draft.sections.first(), by=lead, **question_data(
        "Heritage celebrated", QuestionKind.SCALE, scale_min=0, scale_max=3,
        scale_min_label="Not at all", scale_max_label="Fully"))
    configuration.questionnaire_publish(questionnaire=draft, by=lead)
    case = assigned_case(lead, auditor)
    question = Question.objects.get(section__questionnaire=draft, text="Heritage celebrated")
    choices = AuditForm(case=case).fields[f"q{question.pk}_scale"].choices
    assert choices == [(0, "0 (Not at all)"), (1, "1"), (2, "2"), (3, "3 (Fully)")]


def test_the_grading_scale_is_versioned_and_rounds_keep_their_scale(lead, auditor):
    old_case = assigned_case(lead, auditor)
    old_scale = old_case.round.scale
    client = client_for(lead)
    client.post(reverse("audits:scale_new_version", args=[old_scale.pk]))
    draft = GradeScale.objects.get(key=old_scale.key, published_at__isnull=True)
    assert list(draft.levels.values_list("label", flat=True)) == [
        "Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
    good = draft.levels.get(label="Good")
    client.post(reverse("audits:level_edit", args=[good.pk]), {
        "label": "Good practice", "descriptor": "Identity shapes the plan",
        "good_or_better": "on"})
    client.post(reverse("audits:level_create", args=[draft.pk]), {
        "label": "Not assessable", "descriptor": ""})
    added = draft.levels.get(label="Not assessable")
    assert added.rank == 5
    client.post(reverse("audits:level_arrange", args=[added.pk]), {"action": "up"})
    assert list(draft.levels.order_by("rank").values_list("label", flat=True)) == [
        "Outstanding", "Good practice", "Requires improvement to be good", "Not assessable",
        "Inadequate"]
    client.post(reverse("audits:scale_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published

    old_labels = [str(g) for g in AuditForm(case=old_case).fields["grade"].queryset]
    assert "Good" in old_labels and "Good practice" not in old_labels
    new_case = assigned_case(lead, auditor, make_round(lead))
    assert new_case.round.scale == draft
    assert "Good practice" in [str(g) for g in AuditForm(case=new_case).fields["grade"].queryset]


def test_a_scale_needs_grades_on_both_sides_of_good_to_be_published(lead):
    scale = configuration.scale_start(by=lead, name="Two grades")
    configuration.level_add(scale=scale, label="Meets the standard", by=lead)
    with pytest.raises(ValidationError, match="at least two grades"):
        configuration.scale_publish(scale=scale, by=lead)
    configuration.level_add(scale=scale, label="Does not meet it", by=lead)
    with pytest.raises(ValidationError, match="good or better"):
        configuration.scale_publish(scale=scale, by=lead)
    top = scale.levels.get(rank=1)
    configuration.level_update(level=top, label=top.label, good_or_better=True, by=lead)
    configuration.scale_publish(scale=scale, by=lead)
    assert scale.is_published and scale.version == 1
    with pytest.raises(ValidationError, match="already has a grade"):
        draft, _ = configuration.scale_new_version(source=scale, by=lead)
        configuration.level_add(scale=draft, label="meets the standard", by=lead)


def test_a_new_questionnaire_starts_as_an_empty_draft_that_cannot_be_published_empty(lead):
    client = client_for(lead)
    client.post(reverse("audits:questionnaire_start"), {"name": "Neglect and identity"})
    fresh = Questionnaire.objects.get(name="Neglect and identity")
    assert (fresh.key, fresh.version, fresh.is_published) == ("neglect-and-identity", 1, False)
    response = client.post(reverse("audits:questionnaire_publish", args=[fresh.pk]))
    assert "Add at least one section" in response.content.decode()


def test_a_retired_theme_is_not_offered_for_new_comments_but_stays_on_old_ones(lead, auditor):
    client = client_for(lead)
    client.post(reverse("audits:themes"), {"label": "Adultification"})
    theme = Theme.objects.get(label="Adultification")
    duplicate = client.post(reverse("audits:themes"), {"label": "adultification"})
    assert "already a theme" in duplicate.content.decode()

    tagged = assigned_case(lead, auditor)
    question = Question.objects.filter(section__questionnaire=tagged.round.questionnaire).first()
    from arpkit.web.audits import services

    services.case_save(case=tagged, by=auditor, difference="", grade=None, submit=False,
                       answers={question.pk: {"choice": "yes", "themes": [theme.pk]}})
    client.post(reverse("audits:theme_retire", args=[theme.pk]), {"action": "retire"})
    theme.refresh_from_db()
    assert theme.retired_at is not None

    other = assigned_case(lead, auditor)
    assert theme not in AuditForm(case=other).fields[f"q{question.pk}_themes"].queryset
    offered = AuditForm(case=tagged).fields[f"q{question.pk}_themes"]
    assert theme in offered.queryset and offered.initial == [theme]
    page = client_for(auditor).get(reverse("audits:case", args=[tagged.pk]))
    assert "Adultification (retired)" in page.content.decode()

    client.post(reverse("audits:theme_retire", args=[theme.pk]), {"action": "reinstate"})
    theme.refresh_from_db()
    assert theme.retired_at is None
    assert list(AuditEvent.objects.filter(action__startswith="audits.theme_")
                .order_by("at").values_list("action", flat=True)) == [
        "audits.theme_added", "audits.theme_retired", "audits.theme_reinstated"]


def configuration_routes():
    return [r for r in iter_routes()
            if r.name.startswith("audits:")
            and r.pattern.startswith("case-audits/settings/")]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PRACTITIONER, Role.TEAM_MANAGER])
def test_auditors_and_practitioners_get_403_on_every_configuration_screen(role):
    routes = configuration_routes()
    assert len(routes) == 20
    client = client_for(make_user(role))
    for route in routes:
        kwargs = SAMPLES[route.name]() if route.params else {}
        url = reverse(route.name, kwargs=kwargs)
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "remove", "title": "x", "label": "x",
                                 "name": "x"}).status_code == 403, url
    assert Questionnaire.objects.filter(name="x").count() == 0
    assert not AuditEvent.objects.filter(action__startswith="audits.").exists()


@pytest.mark.parametrize("role", [Role.PROGRAMME_LEAD, Role.ANALYST])
def test_the_programme_lead_and_analysts_can_open_every_configuration_page(role):
    client = client_for(make_user(role))
    for route in configuration_routes():
        kwargs = SAMPLES[route.name]() if route.params else {}
        response = client.get(reverse(route.name, kwargs=kwargs))
        assert response.status_code in (200, 405), route.name  # 405: POST-only actions


def test_every_configuration_change_is_logged_under_a_registered_action(lead):
    draft = new_version(client_for(lead), seeded())
    configuration.questionnaire_publish(questionnaire=draft, by=lead)
    scale = configuration.scale_start(by=lead, name="Local scale")
    configuration.level_add(scale=scale, label="Met", good_or_better=True, by=lead)
    configuration.level_add(scale=scale, label="Not met", by=lead)
    configuration.scale_publish(scale=scale, by=lead)
    actions = list(AuditEvent.objects.filter(action__startswith="audits.").order_by("at")
                   .values_list("action", flat=True))
    assert actions == ["audits.questionnaire_version_created", "audits.questionnaire_published",
                       "audits.scale_started", "audits.scale_changed", "audits.scale_changed",
                       "audits.scale_published"]
    assert all(a in ACTIONS for a in actions)
    published = AuditEvent.objects.get(action="audits.questionnaire_published")
    assert published.extra == {"key": draft.key, "version": 2, "sections": 3, "questions": 9}
    assert published.object_id == str(draft.pk)
