"""The benefits register: seeded objectives, measures and their RAG, the logs, the highlight
report (HTML and PDF) and the permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.programme import highlight, services, sources
from arpkit.web.programme.models import Engagement, LogEntry, Measure, Objective, Observation
from tests.web.app_access import mismatches
from tests.web.support import make_user, sign_in


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_exactly_the_programme_views_its_permissions_allow(role):
    assert not mismatches("programme", role)


def test_the_six_strategic_outcomes_are_seeded_as_objectives():
    # migration 0002 has seeded them, so seeding again adds nothing
    assert services.seed_default_objectives() == 0
    titles = list(Objective.objects.values_list("title", flat=True))
    assert len(titles) == 6
    assert titles[0].startswith("Route ethnically diverse families to early help")
    assert titles[-1] == "Train the whole workforce and audit practice"


def _measure(**kwargs) -> Measure:
    services.seed_default_objectives()
    today = timezone.localdate()
    defaults = {"title": "CP plan disparity, Black children", "direction": "down",
                "baseline_value": 2.0, "baseline_date": today - dt.timedelta(days=365),
                "target_value": 1.0, "target_date": today + dt.timedelta(days=365),
                "objective": Objective.objects.first()}
    return Measure.objects.create(**{**defaults, **kwargs})


def test_the_programme_lead_adds_a_measure_and_records_a_value_with_evidence(client):
    lead = make_user(Role.PROGRAMME_LEAD)
    objective = Objective.objects.get(key="end-over-representation")
    sign_in(client, lead)
    response = client.post(reverse("programme:measure_create", args=[objective.pk]), {
        "title": "Disparity ratio, CP plans (Black)", "kind": "manual", "source_key": "",
        "unit": "ratio", "direction": "down", "baseline_value": "2.1",
        "baseline_date": "31/03/2025", "target_value": "1.25", "target_date": "31/03/2028",
        "tolerance": "0.1", "owner": str(lead.pk), "review_date": ""})
    assert response.status_code == 302, response.content.decode()
    measure = Measure.objects.get(objective=objective)
    response = client.post(reverse("programme:observation_add", args=[measure.pk]), {
        "date": "31/03/2026", "value": "1.9", "evidence": "Published CIN census table"})
    assert response.status_code == 302
    obs = Observation.objects.get(measure=measure)
    assert (obs.value, obs.evidence, obs.recorded_by) == (1.9, "Published CIN census table",
                                                           lead)
    page = client.get(reverse("programme:measure", args=[measure.pk])).content.decode()
    # 365 of 1096 days from 2.1 to 1.25: expected 1.817; 1.9 is 0.083 behind, band 0.085
    assert "Amber" in page
    assert AuditEvent.objects.filter(action="programme.observation_added").exists()


def test_a_linked_measure_must_name_its_source(client):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    objective = Objective.objects.first()
    response = client.post(reverse("programme:measure_create", args=[objective.pk]), {
        "title": "Coverage", "kind": "linked", "source_key": "", "direction": "up",
        "tolerance": "0.1"})
    assert response.status_code == 200
    assert "Choose what the measure is computed from" in response.content.decode()


def test_a_linked_training_coverage_measure_computes_its_values_from_the_learning_app():
    from arpkit.web.accounts.models import Team
    from tests.web.learning.factories import attend, make_session

    team = Team.objects.create(code="t", name="T")
    people = [make_user(Role.PRACTITIONER, username=f"p{i}", teams=[team]) for i in range(4)]
    attend(make_session(days=-3), people[0])
    m = _measure(kind="linked", source_key="training_coverage", direction="up",
                 baseline_value=0, target_value=1)
    n = services.measure_refresh(by=None, measure=m)
    values = list(m.observations.values_list("value", flat=True))
    assert n == len(values) >= 1
    assert values[-1] == pytest.approx(0.25)  # one of four staff
    # a refresh replaces computed values, never adds duplicates
    assert services.measure_refresh(by=None, measure=m) == n
    assert m.observations.count() == n


def test_a_source_without_a_warehouse_explains_itself(tmp_path):
    ctx = sources.Context(tmp_path / "missing.duckdb", timezone.localdate())
    with pytest.raises(sources.SourceError, match="no warehouse"):
        sources.values("cp_disparity:BLACK", ctx)


def test_the_sources_for_the_brief_are_registered():
    keys = set(sources.SOURCES)
    assert {"training_coverage", "cp_disparity:BLACK", "early_help_rri:BLACK"} <= keys


def test_readers_see_the_register_but_cannot_change_it(client):
    measure = _measure()
    sign_in(client, make_user(Role.AUDITOR))
    assert client.get(reverse("programme:register")).status_code == 200
    page = client.get(reverse("programme:measure", args=[measure.pk])).content.decode()
    assert "Record a value" not in page
    response = client.post(reverse("programme:observation_add", args=[measure.pk]),
                           {"date": "01/01/2026", "value": "1", "evidence": "x"})
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_a_practitioner_cannot_read_the_register(client):
    sign_in(client, make_user(Role.PRACTITIONER))
    assert client.get(reverse("programme:register")).status_code == 403


def test_the_log_records_a_risk_with_its_score_and_flags_overdue_actions(client):
    lead = make_user(Role.PROGRAMME_LEAD)
    sign_in(client, lead)
    response = client.post(reverse("programme:log_create"), {
        "kind": "risk", "title": "Staff do not trust the reporting route", "detail": "",
        "objective": "", "owner": str(lead.pk), "due_date": "", "status": "open",
        "likelihood": "3", "impact": "4"})
    assert response.status_code == 302
    assert LogEntry.objects.get().risk_score == 12
    LogEntry.objects.create(kind="action", title="Draft the anti-racism policy",
                            due_date=timezone.localdate() - dt.timedelta(days=2))
    page = client.get(reverse("programme:log")).content.decode()
    assert "Overdue" in page


def test_a_risk_without_likelihood_and_impact_is_refused(client):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    response = client.post(reverse("programme:log_create"), {
        "kind": "risk", "title": "Unscored", "status": "open"})
    assert response.status_code == 200
    assert not LogEntry.objects.exists()


def test_the_engagement_log_records_what_was_agreed_and_the_follow_up(client):
    lead = make_user(Role.PROGRAMME_LEAD)
    sign_in(client, lead)
    response = client.post(reverse("programme:engagement_create"), {
        "date": "12/02/2026", "forum": "regional_network", "partners": "Regional DCS network",
        "summary": "Agreed to share aggregates", "follow_up": "Send the export",
        "follow_up_owner": str(lead.pk), "follow_up_due": "12/03/2026"})
    assert response.status_code == 302
    assert Engagement.objects.get().get_forum_display() == "Regional leadership network"
    assert "Agreed to share aggregates" in client.get(
        reverse("programme:engagements")).content.decode()


def _populate():
    lead = make_user(Role.PROGRAMME_LEAD, username="lead")
    red = _measure(title="Red measure")
    Observation.objects.create(measure=red, date=timezone.localdate(), value=2.0)
    green = _measure(title="Green measure", objective=Objective.objects.last())
    Observation.objects.create(measure=green, date=timezone.localdate(), value=1.2)
    LogEntry.objects.create(kind="risk", title="Top risk", likelihood=5, impact=5)
    LogEntry.objects.create(kind="milestone", title="Policy approved by Cabinet",
                            due_date=timezone.localdate() + dt.timedelta(days=40))
    return lead


def test_the_highlight_report_takes_each_objectives_worst_status():
    lead = _populate()
    report = highlight.build(user=lead)
    assert report.objectives[0].rag.value == "red"
    assert report.objectives[-1].rag.value == "green"
    assert [r.title for r in report.risks] == ["Top risk"]


def test_the_highlight_report_renders_as_a_page(client):
    lead = _populate()
    sign_in(client, lead)
    page = client.get(reverse("programme:highlight")).content.decode()
    assert "Policy approved by Cabinet" in page and "Red measure" in page


@pytest.mark.slow
def test_the_highlight_report_pdf_is_one_non_blank_a4_page(client):
    import pypdfium2 as pdfium

    lead = _populate()
    sign_in(client, lead)
    response = client.get(reverse("programme:highlight_pdf"))
    assert response["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(response.content))
    assert len(pdf) == 1
    width, height = pdf[0].get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    image = pdf[0].render(scale=0.5).to_pil().convert("L")
    assert image.getextrema()[0] < 128  # some dark ink (text) on the page
    assert AuditEvent.objects.filter(action="programme.highlight_exported").exists()


def test_an_analyst_cannot_download_the_highlight_report(client):
    sign_in(client, make_user(Role.ANALYST))
    assert client.get(reverse("programme:highlight_pdf")).status_code == 403


def test_speak_up_time_to_resolution_is_the_median_days_to_close_by_quarter():
    from arpkit.web.speakup.models import Report

    def report(received, closed):
        Report.objects.create(route="experienced", source="colleague", service_area="x",
                              received_on=received, closed_on=closed, is_anonymous=True,
                              last_activity_on=closed)

    # six closed in Jan-Mar 2026, after 41, 51, ... 91 days: median (61 + 71) / 2 = 66
    for days in (10, 20, 30, 40, 50, 60):
        report(dt.date(2025, 12, 1), dt.date(2025, 12, 1) + dt.timedelta(days=days + 31))
    for days in (5, 7):  # two closed in Apr-Jun 2026: too few to publish
        report(dt.date(2026, 4, 1), dt.date(2026, 4, 1) + dt.timedelta(days=days))
    got = sources.values("speakup_days_to_close",
                         sources.Context(sources.context().warehouse, dt.date(2026, 7, 1)))
    assert got == [(dt.date(2026, 3, 31), 66.0)]
