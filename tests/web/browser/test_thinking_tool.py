"""The Thinking Tool in a real browser: a practitioner completes it, a manager signs it off,
the lead sees it on the dashboard; every page passes axe."""

from __future__ import annotations

from playwright.sync_api import expect

from arpkit.web.accounts.models import Team
from arpkit.web.core.permissions import Role
from arpkit.web.thinking_tool.models import Status, Tool
from tests.web.browser.axe import assert_accessible
from tests.web.support import make_user
from tests.web.thinking_tool.warehouse import LA, Child, build


def test_a_practitioner_completes_a_tool_and_the_manager_signs_it_off(live_server, signed_in,
                                                                     settings, tmp_path):
    settings.WAREHOUSE_PATH = build(tmp_path / "wh.duckdb",
                                    [Child(f"C{i}", "BCRB") for i in range(6)])
    settings.ARPKIT_LA_CODE = LA
    from arpkit.web.thinking_tool import defaults, models

    defaults.seed(models.Domain, models.Prompt, models.PromptVersion)  # flushed by live_server
    team = Team.objects.create(code="Team A", name="Team A")
    pat = make_user(Role.PRACTITIONER, username="pat", teams=[team])
    mia = make_user(Role.TEAM_MANAGER, username="mia", teams=[team], manager=True)
    lee = make_user(Role.PROGRAMME_LEAD, username="lee")

    page = signed_in(pat)
    page.goto(live_server.url + "/thinking-tool/")
    assert_accessible(page)
    page.get_by_role("link", name="Start a new Thinking Tool").click()
    page.get_by_label("Child\u2019s ID on the case record (LAchildID)").fill("C1")
    page.get_by_label("Assessment", exact=True).check()
    page.get_by_label("Start date of the assessment, plan or review").fill("2024-07-01")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the Thinking Tool")
    assert_accessible(page)
    page.get_by_label("What the child and family said").first.fill("Proud to be Caribbean")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_text("Submitted to your team manager for sign-off.")).to_be_visible()
    assert_accessible(page)

    page = signed_in(mia)
    tool = Tool.objects.get()
    page.goto(live_server.url + "/thinking-tool/")
    page.get_by_role("link", name=f"Tool {tool.pk} (awaiting your sign-off)").click()
    assert_accessible(page)
    page.get_by_label("Sign off", exact=True).check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("The tool has been signed off.")).to_be_visible()
    tool.refresh_from_db()
    assert tool.status == Status.SIGNED_OFF

    page = signed_in(lee)
    page.goto(live_server.url + "/thinking-tool/measures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thinking Tool measures")
    # one signed-off tool of six assessments: a count of 1 is suppressed for the lead
    expect(page.get_by_role("table", name="All assessed children")).to_contain_text("c")
    expect(page.get_by_role("table", name="Submitted or signed-off tools with no answer in "
                                           "the domain")).to_be_visible()
    assert_accessible(page)
