"""The dashboards in a real browser: filters, a chart with its table, accessibility."""

from __future__ import annotations

from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from tests.web.browser.axe import assert_accessible
from tests.web.dashboards.fixtures import cached, demo_cache  # noqa: F401
from tests.web.support import make_user


def test_an_analyst_filters_the_disproportionality_dashboard_and_sees_a_chart_and_table(
        live_server, signed_in, cached):  # noqa: F811
    page = signed_in(make_user(Role.ANALYST))
    page.goto(live_server.url + "/dashboards/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
    assert_accessible(page)
    page.get_by_role("link", name="Disproportionality").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disproportionality")
    page.get_by_label("Stage").select_option("cp_plan")
    page.get_by_label("Breakdown").select_option("ethnicity_code")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_label("Stage")).to_have_value("cp_plan")
    expect(page.locator("figure svg[role=img]").first).to_be_visible()
    expect(page.locator("figure table caption").first).to_contain_text(
        "Child protection plans")
    expect(page.get_by_text("Unsuppressed", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="All dashboards").click()
    page.get_by_role("link", name="The pathway from first contact").click()
    expect(page.locator("figure")).to_have_count(3)
    assert_accessible(page)


def test_a_programme_lead_sees_suppressed_quality_trend_and_team_pages(
        live_server, signed_in, cached):  # noqa: F811
    page = signed_in(make_user(Role.PROGRAMME_LEAD))
    for path, heading in (("/dashboards/recording-quality/", "Ethnicity recording quality"),
                          ("/dashboards/trends/", "Trends"),
                          ("/dashboards/teams/", "Team funnel plots")):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_text("Suppressed", exact=True)).to_be_visible()
        assert_accessible(page)
    page.get_by_label("Compare teams on").select_option("referral>cla")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("figure table tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == "arpkit-teams.csv"
