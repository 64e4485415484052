"""Audit rounds end to end: reproducible draw, assignment, auditing, moderation, findings."""

from __future__ import annotations

import io
from html import unescape

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from arpkit.engine.intervals import wilson_limits
from arpkit.engine.ratios import katz_ratio
from arpkit.web.audits import findings, services
from arpkit.web.audits.models import (
    AuditCase,
    AuditRound,
    CaseStatus,
    Escalation,
    GradeChange,
    GradeLevel,
    GradeScale,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    SectionGrade,
    Theme,
)
from arpkit.web.core.permissions import Role
from tests.web.support import CheckedClient, make_user, sign_in
from tests.web.thinking_tool.warehouse import LA, Child, build

KIDS = ([Child(f"W{i}", "WBRI", stage="cin") for i in range(30)]
        + [Child(f"B{i}", "BAFR", stage="cin") for i in range(12)]
        + [Child(f"A{i}", "APKN", stage="cp_plan") for i in range(8)]
        + [Child(f"N{i}", "NOBT", stage="cin") for i in range(3)])


@pytest.fixture
def warehouse(tmp_path, settings):
    settings.WAREHOUSE_PATH = build(tmp_path / "wh.duckdb", KIDS)
    settings.ARPKIT_LA_CODE = LA
    return settings.WAREHOUSE_PATH


@pytest.fixture
def people():
    return {"lead": make_user(Role.PROGRAMME_LEAD, username="lead"),
            "ana": make_user(Role.ANALYST, username="ana"),
            "aud": make_user(Role.AUDITOR, username="aud"),
            "mod": make_user(Role.AUDITOR, username="mod"),
            "other": make_user(Role.AUDITOR, username="other"),
            "pat": make_user(Role.PRACTITIONER, username="pat")}


def client_for(user) -> CheckedClient:
    return sign_in(CheckedClient(), user)


def draw(people, **overrides) -> AuditRound:
    data = {"name": "Spring audit", "questionnaire": Questionnaire.objects.first().pk,
            "scale": GradeScale.objects.first().pk,
            "stages": ["cin", "cp_plan"], "period": 2025, "allocation": "equal", "size": 12,
            "min_per_stratum": 0, "seed": 42, "reference_group": "WHITE", **overrides}
    response = client_for(people["lead"]).post(reverse("audits:round_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return AuditRound.objects.latest("pk")


def test_the_default_scale_has_the_four_ofsted_style_grades(db):
    assert list(GradeLevel.objects.values_list("label", flat=True)) == [
        "Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert {QuestionKind.YES_NO_PARTLY, QuestionKind.SCALE, QuestionKind.TEXT,
            QuestionKind.EVIDENCE} <= kinds


def test_a_round_draws_a_stratified_sample_and_records_the_draw(people, warehouse):
    audit_round = draw(people)
    per_group = {s["stratum"]: s["sample_size"] for s in audit_round.strata}
    assert per_group == {"WHITE": 3, "ASIAN": 3, "BLACK": 3, "NOT_OBTAINED": 3}
    assert audit_round.cases.count() == 12
    assert len(audit_round.frame) == len(KIDS)
    case = audit_round.cases.filter(stratum="ASIAN").first()
    assert (case.stage, case.ethnicity_code, case.weight) == ("cp_plan", "APKN", 8 / 3)


def test_the_same_seed_draws_the_same_sample_and_the_draw_can_be_checked(people, warehouse):
    first = draw(people)
    second = draw(people, name="Again")
    other = draw(people, name="Other seed", seed=7)
    keys = lambda r: set(r.cases.values_list("child_key", flat=True))  # noqa: E731
    assert keys(first) == keys(second)
    assert keys(first) != keys(other)
    assert set(services.redraw(first).sample["child_key"]) == keys(first)
    page = client_for(people["lead"]).get(reverse("audits:round_verify", args=[first.pk]))
    assert "same sample" in page.content.decode() and "the same frame" in page.content.decode()


def test_an_impossible_draw_is_explained(people, warehouse):
    response = client_for(people["lead"]).post(reverse("audits:round_create"), {
        "name": "x", "questionnaire": Questionnaire.objects.first().pk,
        "scale": GradeScale.objects.first().pk, "stages": ["cla"],
        "period": 2025, "allocation": "equal", "size": 5, "seed": 1,
        "reference_group": "WHITE"})
    assert "No children were counted" in response.content.decode()


def assign(people, case, auditor="aud", moderator="mod"):
    return client_for(people["lead"]).post(reverse("audits:assign", args=[case.pk]), {
        "auditor": people[auditor].pk, "moderator": people[moderator].pk})


def answers_for(case, grade: GradeLevel, action="submit", theme: Theme | None = None,
                sections: dict[str, GradeLevel] | None = None):
    """A whole audit: every question answered, each section graded (``grade`` unless
    ``sections`` gives a section title another) with its analysis, the case graded."""
    data = {"action": action, "difference": "The child now has a life-story book",
            "grade": grade.pk}
    for section in Section.objects.filter(questionnaire=case.round.questionnaire):
        data[f"s{section.pk}_grade"] = (sections or {}).get(section.title, grade).pk
        data[f"s{section.pk}_analysis"] = f"What the file shows for {section.title}"
    for q in Question.objects.filter(section__questionnaire=case.round.questionnaire):
        if q.kind == QuestionKind.YES_NO_PARTLY:
            data[f"q{q.pk}_choice"] = "partly"
        elif q.kind == QuestionKind.SCALE:
            data[f"q{q.pk}_scale"] = "3"
        if q.kind != QuestionKind.SCALE:
            data[f"q{q.pk}_text"] = "Seen on file"
        if theme:
            data[f"q{q.pk}_themes"] = [theme.pk]
    return data


def test_auditor_then_moderator_then_final_grade_with_an_immutable_history(people, warehouse):
    audit_round = draw(people)
    case = audit_round.cases.first()
    assert assign(people, case, "aud", "aud").status_code == 200  # moderator must differ
    assign(people, case)
    good, ri = GradeLevel.objects.get(rank=2), GradeLevel.objects.get(rank=3)
    auditor = client_for(people["aud"])
    url = reverse("audits:case", args=[case.pk])
    assert auditor.get(url).status_code == 200
    incomplete = answers_for(case, good)
    incomplete.pop("difference")
    assert "Say what difference" in auditor.post(url, incomplete).content.decode()
    auditor.post(url, answers_for(case, good, theme=Theme.objects.first()))
    case.refresh_from_db()
    assert (case.status, case.auditor_grade) == (CaseStatus.SUBMITTED, good)

    moderator = client_for(people["mod"])
    response = moderator.post(url, {"decision": "change", "grade": ri.pk, "reason": ""})
    assert "Give the reason" in response.content.decode()
    moderator.post(url, {"decision": "change", "grade": ri.pk,
                         "reason": "Identity recorded but not explored"})
    case.refresh_from_db()
    assert (case.status, case.final_grade) == (CaseStatus.AGREED, ri)
    history = list(case.history.filter(section=None)
                   .values_list("step", "grade__rank", "previous__rank"))
    assert history == [("auditor", 2, None), ("changed", 3, 2)]
    sections = Section.objects.filter(questionnaire=case.round.questionnaire)
    for section in sections:  # untouched section grades were agreed as the auditor gave them
        assert list(case.history.filter(section=section).values_list(
            "step", "grade__rank", "previous__rank")) == [("auditor", 2, None), ("agreed", 2, 2)]
    entry = GradeChange.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert auditor.post(url, answers_for(case, good)).status_code == 200  # read-only now
    case.refresh_from_db()
    assert case.final_grade == ri


def test_each_section_needs_a_grade_and_the_reason_for_it_before_the_case_is_submitted(
        people, warehouse):
    case = draw(people).cases.first()
    assign(people, case)
    good = GradeLevel.objects.get(rank=2)
    first, second = Section.objects.filter(questionnaire=case.round.questionnaire)[:2]
    auditor = client_for(people["aud"])
    url = reverse("audits:case", args=[case.pk])

    ungraded = answers_for(case, good)
    ungraded.pop(f"s{first.pk}_grade")
    page = unescape(auditor.post(url, ungraded).content.decode())
    assert f"Choose the grade for \u2018{first.title}\u2019" in page
    unexplained = answers_for(case, good)
    unexplained[f"s{second.pk}_analysis"] = "  "
    page = unescape(auditor.post(url, unexplained).content.decode())
    assert f"Say why you gave \u2018{second.title}\u2019 this grade" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED and not case.history.exists()

    # Saving a draft keeps a part-graded section for later.
    draft = answers_for(case, good, action="save")
    draft[f"s{second.pk}_analysis"] = ""
    auditor.post(url, draft)
    kept = SectionGrade.objects.get(case=case, section=second)
    assert (kept.auditor_grade, kept.analysis, kept.final_grade) == (good, "", None)
    form = auditor.get(url).context["form"]
    assert form[f"s{second.pk}_grade"].initial == good

    auditor.post(url, answers_for(case, good))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert set(SectionGrade.objects.filter(case=case).values_list("section", flat=True)) == set(
        Section.objects.filter(questionnaire=case.round.questionnaire)
        .values_list("pk", flat=True))


def test_the_moderator_can_change_one_section_grade_with_a_reason_and_agree_the_rest(
        people, warehouse):
    case = draw(people).cases.first()
    assign(people, case)
    good, ri = GradeLevel.objects.get(rank=2), GradeLevel.objects.get(rank=3)
    first, second = Section.objects.filter(questionnaire=case.round.questionnaire)[:2]
    url = reverse("audits:case", args=[case.pk])
    client_for(people["aud"]).post(url, answers_for(case, good, sections={first.title: ri}))
    moderator = client_for(people["mod"])
    page = unescape(moderator.get(url).content.decode())
    assert f"What the file shows for {first.title}" in page  # the auditor's analysis is shown

    no_reason = moderator.post(url, {"decision": "agree", f"s{second.pk}_grade": ri.pk})
    assert "Give the reason for changing the grade for" in no_reason.content.decode()
    assert AuditCase.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED

    moderator.post(url, {"decision": "agree", f"s{first.pk}_grade": ri.pk,
                         f"s{second.pk}_grade": ri.pk,
                         f"s{second.pk}_reason": "No plan for the child's identity needs"})
    case.refresh_from_db()
    assert (case.status, case.final_grade) == (CaseStatus.AGREED, good)
    finals = dict(SectionGrade.objects.filter(case=case).values_list("section", "final_grade"))
    assert finals[first.pk] == ri.pk and finals[second.pk] == ri.pk
    assert all(grade == good.pk for pk, grade in finals.items() if pk not in (first.pk, second.pk))
    steps = dict(case.history.filter(step__in=["agreed", "changed"], section__isnull=False)
                 .values_list("section", "step"))
    assert (steps[first.pk], steps[second.pk]) == ("agreed", "changed")
    changed = case.history.get(section=second, step="changed")
    assert (changed.previous, changed.grade) == (good, ri)
    assert changed.reason == "No plan for the child's identity needs"
    page = unescape(client_for(people["mod"]).get(url).content.decode())
    assert (f"\u2018{second.title}\u2019: Moderator changed the grade: {ri.label} "
            f"(was {good.label})") in page


def test_a_case_submitted_before_sections_were_graded_is_moderated_as_a_whole(people,
                                                                              warehouse):
    case = draw(people).cases.first()
    assign(people, case)
    good = GradeLevel.objects.get(rank=2)
    AuditCase.objects.filter(pk=case.pk).update(status=CaseStatus.SUBMITTED,
                                                auditor_grade=good)
    client_for(people["mod"]).post(reverse("audits:case", args=[case.pk]),
                                   {"decision": "agree"})
    case.refresh_from_db()
    assert (case.status, case.final_grade) == (CaseStatus.AGREED, good)
    assert not SectionGrade.objects.filter(case=case).exists()


def test_a_final_grade_below_good_escalates_the_case_until_the_action_is_recorded(
        people, warehouse):
    from arpkit.web.audit.models import AuditEvent

    audit_round = draw(people)
    low, fine = audit_round.cases.all()[:2]
    good, ri, inadequate = (GradeLevel.objects.get(rank=r) for r in (2, 3, 4))
    first = Section.objects.filter(questionnaire=audit_round.questionnaire).first()
    for case in (low, fine):
        assign(people, case)
    url = reverse("audits:case", args=[low.pk])
    client_for(people["aud"]).post(url, answers_for(low, good, sections={first.title: inadequate}))
    client_for(people["mod"]).post(url, {"decision": "change", "grade": ri.pk,
                                         "reason": "No plan for the child's faith"})
    fine_url = reverse("audits:case", args=[fine.pk])
    client_for(people["aud"]).post(fine_url, answers_for(fine, good))
    client_for(people["mod"]).post(fine_url, {"decision": "agree"})

    assert not Escalation.objects.filter(case=fine).exists()
    escalation = Escalation.objects.get(case=low)
    assert escalation.is_open
    assert escalation.reason == (f"The case as a whole: {ri.label}; "
                                 f"\u2018{first.title}\u2019: {inadequate.label}")
    lead = client_for(people["lead"])
    round_page = lead.get(reverse("audits:round", args=[audit_round.pk])).content.decode()
    assert f"Record the action for case {low.pk}" in round_page
    assert f"for case {fine.pk}" not in round_page

    page_url = reverse("audits:escalation", args=[low.pk])
    assert client_for(people["aud"]).get(page_url).status_code == 403
    assert lead.get(reverse("audits:escalation", args=[fine.pk])).status_code == 404
    page = unescape(lead.get(page_url).content.decode())
    assert escalation.reason in page and "No plan for the child's faith" in page
    missing = unescape(lead.post(page_url, {"escalated_to": " ", "action": ""})
                       .content.decode())
    assert "Say who the case was escalated to" in missing  # says what is missing
    assert Escalation.objects.get(pk=escalation.pk).is_open

    response = lead.post(page_url, {"escalated_to": "Team manager, North CIN team",
                                    "action": "Revisit the plan with the family by 1 March"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert not escalation.is_open and escalation.closed_by == people["lead"]
    assert escalation.action == "Revisit the plan with the family by 1 March"
    assert f"Action recorded for case {low.pk}" in lead.get(
        reverse("audits:round", args=[audit_round.pk])).content.decode()
    lead.post(page_url, {"escalated_to": "Someone else", "action": "Changed"})
    escalation.refresh_from_db()
    assert escalation.escalated_to == "Team manager, North CIN team"  # closed: not rewritten
    with pytest.raises(ValidationError):
        services.escalation_close(escalation=escalation, by=people["lead"],
                                  escalated_to="x", action="y")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"audits.case_escalated", "audits.escalation_viewed",
            "audits.escalation_closed"} <= actions


def test_auditors_see_only_the_cases_assigned_to_them(people, warehouse):
    audit_round = draw(people)
    mine, theirs = audit_round.cases.all()[:2]
    assign(people, mine)
    url = reverse("audits:case", args=[theirs.pk])
    assert client_for(people["aud"]).get(url).status_code == 404  # not assigned
    assign(people, theirs, "other", "mod")
    assert client_for(people["aud"]).get(url).status_code == 404
    assert client_for(people["other"]).get(url).status_code == 200
    listed = client_for(people["aud"]).get(reverse("audits:my_cases")).context["to_audit"]
    assert [c.pk for c in listed] == [mine.pk]
    assert client_for(people["aud"]).get(
        reverse("audits:round", args=[audit_round.pk])).status_code == 403
    assert client_for(people["pat"]).get(url).status_code == 403
    assert client_for(people["lead"]).get(url).status_code == 403  # leads manage, not audit


def test_only_the_assigned_moderator_moderates(people, warehouse):
    case = draw(people).cases.first()
    assign(people, case)
    client_for(people["aud"]).post(reverse("audits:case", args=[case.pk]),
                                   answers_for(case, GradeLevel.objects.get(rank=1)))
    other = client_for(people["other"])
    assert other.post(reverse("audits:case", args=[case.pk]),
                      {"decision": "agree"}).status_code == 404
    with pytest.raises(ValidationError):
        services.case_moderate(case=AuditCase.objects.get(pk=case.pk), by=people["aud"],
                               agree=True)


def grade_all(people, audit_round, grades: dict[str, list[int]]):
    """Assign, audit and agree cases: ``grades[group]`` lists final ranks in case order."""
    theme = Theme.objects.get(key="identity-silent")
    for group, ranks in grades.items():
        for case, rank in zip(audit_round.cases.filter(stratum=group), ranks, strict=False):
            assign(people, case)
            client_for(people["aud"]).post(
                reverse("audits:case", args=[case.pk]),
                answers_for(case, GradeLevel.objects.get(rank=rank), theme=theme))
            client_for(people["mod"]).post(reverse("audits:case", args=[case.pk]),
                                           {"decision": "agree"})


@pytest.mark.slow
def test_findings_use_the_engine_statistics_and_export_to_excel(people, warehouse):
    audit_round = draw(people, size=40, allocation="equal", min_per_stratum=0)
    grade_all(people, audit_round, {"WHITE": [2] * 8 + [3] * 2, "BLACK": [2] * 3 + [4] * 7})
    table = findings.findings_frame(audit_round, unsuppressed=True).set_index("group")
    assert (table.loc["WHITE", "graded"], table.loc["WHITE", "good_or_better"]) == (10, 8)
    lower, _ = wilson_limits(3, 10)
    assert table.loc["BLACK", "lower"] == pytest.approx(lower)
    ratio = katz_ratio(3, 10, 8, 10)
    assert table.loc["BLACK", "ratio"] == pytest.approx(ratio.value)
    assert table.loc["BLACK", "ratio_lower"] == pytest.approx(ratio.lower)

    lead_page = client_for(people["lead"]).get(reverse("audits:findings", args=[audit_round.pk]))
    lead_rows = {r["group"]: r for r in lead_page.context["rows"]}
    assert lead_rows["BLACK"]["good_or_better_text"] == "c"  # 3 is suppressed for the lead
    assert lead_rows["BLACK"]["ratio_text"] == "c"
    analyst = client_for(people["ana"])
    rows = {r["group"]: r for r in analyst.get(
        reverse("audits:findings", args=[audit_round.pk])).context["rows"]}
    assert rows["BLACK"]["good_or_better_text"] == "3"
    themes = {(t["theme"], t["group"]): t["cases"] for t in analyst.get(
        reverse("audits:findings", args=[audit_round.pk])).context["themes"]}
    assert themes[("Identity silent or assumed", "BLACK")] == 10

    export = client_for(people["lead"]).get(
        reverse("audits:findings_export", args=[audit_round.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(export.content))
    sheet = wb["Findings"]
    header = [c.value for c in sheet[1]]
    black = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == "BLACK")
    cell = dict(zip(header, black, strict=True))
    assert cell["good_or_better"] is None and cell["good_or_better_symbol"] == "c"
    from arpkit.web.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="audits.findings_exported").exists()


@pytest.mark.slow
def test_findings_by_section_count_the_final_section_grades_by_ethnic_group(people, warehouse):
    audit_round = draw(people, size=20, allocation="equal", min_per_stratum=0)
    sections = list(Section.objects.filter(questionnaire=audit_round.questionnaire))
    first = sections[0]
    good, ri = GradeLevel.objects.get(rank=2), GradeLevel.objects.get(rank=3)
    graded = {}
    for group in ("WHITE", "BLACK"):
        cases = list(audit_round.cases.filter(stratum=group)[:5])
        graded[group] = len(cases)
        for case in cases:
            assign(people, case)
            url = reverse("audits:case", args=[case.pk])
            low = {first.title: ri} if group == "BLACK" else {}
            client_for(people["aud"]).post(url, answers_for(case, good, sections=low))
            client_for(people["mod"]).post(url, {"decision": "agree"})

    table = findings.section_findings_frame(audit_round, unsuppressed=True)
    assert list(dict.fromkeys(table["section"])) == [s.title for s in sections]
    rows = table[table["section"] == first.title].set_index("group")
    assert (rows.loc["WHITE", "graded"], rows.loc["WHITE", "good_or_better"]) == (
        graded["WHITE"], graded["WHITE"])
    assert (rows.loc["BLACK", "graded"], rows.loc["BLACK", "good_or_better"]) == (
        graded["BLACK"], 0)
    zero = katz_ratio(0, graded["BLACK"], graded["WHITE"], graded["WHITE"])
    assert rows.loc["BLACK", "ratio"] == pytest.approx(zero.value)
    assert rows.loc["BLACK", "ratio_upper"] == pytest.approx(zero.upper)
    other = table[table["section"] == sections[1].title].set_index("group")
    assert other.loc["BLACK", "good_or_better"] == graded["BLACK"]
    whole = findings.findings_frame(audit_round, unsuppressed=True).set_index("group")
    assert whole.loc["BLACK", "good_or_better"] == graded["BLACK"]  # the case grade stays Good

    page = client_for(people["ana"]).get(reverse("audits:findings", args=[audit_round.pk]))
    shown = page.context["sections"]
    assert [s["title"] for s in shown] == [s.title for s in sections]
    black = next(r for r in shown[0]["rows"] if r["group"] == "BLACK")
    assert black["good_or_better_text"] == "0"
    export = client_for(people["lead"]).get(
        reverse("audits:findings_export", args=[audit_round.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(export.content))["Sections"]
    header = [c.value for c in sheet[1]]
    cells = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                         values_only=True)]
    assert {c["section"] for c in cells} == {s.title for s in sections}
    assert any(c["section"] == first.title and c["group"] == "BLACK" for c in cells)
