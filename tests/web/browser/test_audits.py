"""Case audits in a real browser, with axe on each page: a round drawn, assigned, audited,
moderated and reported; and a questionnaire question changed in a new version and published."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from arpkit.web.audits.models import AuditCase, CaseStatus, Section, SectionGrade
from arpkit.web.core.permissions import Role
from tests.web.browser.axe import assert_accessible
from tests.web.support import make_user
from tests.web.thinking_tool.warehouse import LA, Child, build


def seed_defaults() -> None:
    from arpkit.web.audits import defaults, models

    defaults.seed(models.GradeScale, models.GradeLevel, models.Questionnaire, models.Section,
                  models.Question, models.Theme)


def test_a_round_is_drawn_audited_moderated_and_reported(live_server, signed_in, settings,
                                                         tmp_path):
    settings.WAREHOUSE_PATH = build(
        tmp_path / "wh.duckdb", [Child(f"W{i}", "WBRI", stage="cin") for i in range(10)]
        + [Child(f"B{i}", "BAFR", stage="cin") for i in range(10)])
    settings.ARPKIT_LA_CODE = LA
    seed_defaults()  # live_server tests flush the database, data migrations included
    lee = make_user(Role.PROGRAMME_LEAD, username="lee")
    aud = make_user(Role.AUDITOR, username="aud")
    make_user(Role.AUDITOR, username="mod")

    page = signed_in(lee)
    page.goto(live_server.url + "/case-audits/new/")
    assert_accessible(page)
    page.get_by_label("Name of the audit round").fill("Autumn audit")
    page.get_by_label("Child in need", exact=True).check()
    page.get_by_label("Collection year (the year ending 31 March)").fill("2025")
    page.get_by_label("The same number from each group").check()
    page.get_by_label("Number of cases").fill("4")
    page.get_by_label("Random seed").fill("11")
    page.get_by_role("button", name="Draw the sample").click()
    # the draw runs the engine's counting rules on DuckDB: allow for a loaded machine
    expect(page.get_by_text("Drew 4 cases with seed 11.")).to_be_visible(timeout=30_000)
    assert_accessible(page)
    case = AuditCase.objects.order_by("pk").first()
    page.get_by_role("link", name=f"Assign case {case.pk}").click()
    page.get_by_label("Auditor").select_option(label="aud")
    page.get_by_label("Moderator").select_option(label="mod")
    assert_accessible(page)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text(f"Case {case.pk} assigned.")).to_be_visible()

    page = signed_in(aud)
    page.goto(live_server.url + "/case-audits/my-cases/")
    page.get_by_role("link", name=f"Case {case.pk} (Autumn audit)").click()
    assert_accessible(page)
    for choice in page.get_by_label("Partly", exact=True).all():
        choice.check()
    page.get_by_label("What difference did the work make for the child?").fill(
        "Contact with grandparents restored")
    # Each section ends with a grade and why; then the grade for the case as a whole.
    grades = page.get_by_role("group", name=re.compile("^Your grade for"))
    assert grades.count() == Section.objects.filter(
        questionnaire=case.round.questionnaire).count() + 1
    for grade in grades.all():
        grade.get_by_label("Good", exact=True).check()
    for why in page.get_by_label("Why this grade?").all():
        why.fill("Identity and culture were explored with the family")
    page.get_by_role("button", name="Submit for moderation").click()
    expect(page.get_by_text("Submitted for moderation.")).to_be_visible()

    page = signed_in(AuditCase.objects.get(pk=case.pk).moderator)
    page.goto(live_server.url + f"/case-audits/cases/{case.pk}/")
    assert_accessible(page)
    first = page.get_by_role("group", name=re.compile("^Final grade for")).first
    expect(first.get_by_label("Good", exact=True)).to_be_checked()  # the auditor's, to agree
    first.get_by_label("Requires improvement to be good", exact=True).check()
    page.get_by_label("If you change it, why?").first.fill("The plan says nothing of faith")
    page.get_by_label("Agree the auditor\u2019s grade").check()
    page.get_by_role("button", name="Record the final grade").click()
    expect(page.get_by_text("The final grade has been recorded.")).to_be_visible()
    assert AuditCase.objects.get(pk=case.pk).status == CaseStatus.AGREED
    finals = [sg.final_grade.label for sg in SectionGrade.objects.filter(case=case)]
    assert finals[0] == "Requires improvement to be good"
    assert set(finals[1:]) == {"Good"}

    # A section graded below Good escalated the case: the lead records the action.
    page = signed_in(lee)
    page.goto(live_server.url + f"/case-audits/rounds/{case.round_id}/")
    page.get_by_role("link", name=f"Record the action for case {case.pk}").click()
    assert_accessible(page)
    page.get_by_label("Who was the case escalated to?").fill("Team manager, CIN team")
    page.get_by_label("What action was agreed?").fill("Plan revisited with the family")
    page.get_by_role("button", name="Record the action").click()
    expect(page.get_by_text(f"The action for case {case.pk} has been recorded.")).to_be_visible()

    page.goto(live_server.url + f"/case-audits/rounds/{case.round_id}/findings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings: Autumn audit")
    assert_accessible(page)


def test_a_question_is_changed_in_a_new_questionnaire_version_and_published(live_server,
                                                                          signed_in):
    from arpkit.web.audits.models import Question, Questionnaire

    seed_defaults()
    page = signed_in(make_user(Role.PROGRAMME_LEAD, username="lee"))
    page.goto(live_server.url + "/case-audits/settings/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"version 1$")).first.click()
    expect(page.get_by_text("Case audit questionnaire, version 1")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Create a new version to make changes").click()
    expect(page.get_by_text("Version 2 is a draft copy of version 1.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Change question: How well were cultural")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change a question")
    assert_accessible(page)
    page.get_by_label("Question", exact=True).fill("How well were community strengths used?")
    page.get_by_label("Lowest number (scale questions)").fill("0")
    page.get_by_label("What the lowest number means (scale questions)").fill("Not at all")
    page.get_by_label("Highest number (scale questions)").fill("4")
    page.get_by_label("What the highest number means (scale questions)").fill("Fully")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Scale (a range of numbers): 0 (Not at all) to 4 (Fully)")
           ).to_be_visible()

    page.get_by_role("link", name="Publish version 2").click()
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("is published. New rounds can use it.")).to_be_visible()
    assert_accessible(page)
    draft = Questionnaire.objects.get(version=2)
    assert draft.is_published
    old, new = (Question.objects.get(section__questionnaire__version=v, key="culture-strengths")
                for v in (1, 2))
    assert (old.scale_min, old.scale_max, new.scale_min, new.scale_max) == (1, 5, 0, 4)
