"""The benefits register and the highlight report in a real browser, with accessibility
checks."""

from __future__ import annotations

from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from arpkit.web.programme.models import LogEntry, Measure, Objective
from arpkit.web.programme.services import seed_default_objectives
from tests.web.browser.axe import assert_accessible
from tests.web.support import make_user


def test_the_programme_lead_adds_a_measure_records_a_value_and_sees_its_status(
        live_server, signed_in):
    seed_default_objectives()  # live_server tests empty the database between tests
    lead = make_user(Role.PROGRAMME_LEAD, username="lead")
    objective = Objective.objects.get(key="end-over-representation")
    page = signed_in(lead)
    page.goto(live_server.url + "/programme/")
    assert_accessible(page)
    page.get_by_role("link", name=f"3. {objective.title}").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a measure").click()
    page.get_by_label("Measure", exact=True).fill("Disparity ratio, CP plans, Black children")
    page.get_by_label("Entered by hand, with evidence").check()
    page.get_by_label("Lower is better").check()
    page.get_by_label("Baseline value").fill("2")
    page.get_by_label("Baseline date").fill("31/03/2024")
    page.get_by_label("Target value").fill("1")
    page.get_by_label("Target date").fill("31/03/2026")
    assert_accessible(page)
    page.get_by_role("button", name="Save measure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Disparity ratio, CP plans, Black children")
    page.get_by_label("Date the value applies to").fill("31/03/2025")
    page.get_by_label("Value", exact=True).fill("1.9")
    page.get_by_label("Evidence").fill("CIN census 2025, published table C3")
    page.get_by_role("button", name="Record value").click()
    # halfway along the line from 2 to 1 is 1.5; 1.9 is 0.4 behind, beyond the 0.1 band
    expect(page.get_by_text("Red", exact=True).first).to_be_visible()
    assert_accessible(page)
    assert Measure.objects.get().observations.count() == 1


def test_the_programme_lead_logs_a_policy_milestone_and_opens_the_highlight_report(
        live_server, signed_in):
    seed_default_objectives()
    page = signed_in(make_user(Role.PROGRAMME_LEAD, username="lead"))
    page.goto(live_server.url + "/programme/log/")
    assert_accessible(page)
    page.get_by_role("link", name="Add to the log").click()
    page.get_by_label("Policy milestone").check()
    page.get_by_label("Title").fill("Anti-racism policy: consultation closes")
    page.get_by_label("Due date").fill("30/06/2026")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="Anti-racism policy: consultation closes")
           ).to_be_visible()
    assert LogEntry.objects.get().kind == "milestone"
    page.goto(live_server.url + "/programme/highlight/")
    expect(page.get_by_text("Anti-racism policy: consultation closes")).to_be_visible()
    assert_accessible(page)


def test_the_programme_lead_reads_the_workforce_dashboard_and_the_regional_page(
        live_server, signed_in, settings, tmp_path):
    from arpkit.engine.hr_import import import_hr
    from arpkit.synth.workforce import generate_hr

    hr = generate_hr(tmp_path / "hr", staff=200, seed=9, periods=(2025,))
    settings.WAREHOUSE_PATH = tmp_path / "arpkit.duckdb"
    import_hr(hr.mapping, la_code="999", warehouse=settings.WAREHOUSE_PATH)
    page = signed_in(make_user(Role.PROGRAMME_LEAD, username="lead"))
    page.goto(live_server.url + "/workforce/")
    expect(page.get_by_role("heading", name="All indicators, 2025")).to_be_visible()
    expect(page.get_by_role("img", name="Relative likelihood of each indicator")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/programme/regional/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Regional comparison")
    assert_accessible(page)
