"""Importing in a real browser: an upload with a problem, the problem list, the progress bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from arpkit.web.core.permissions import Role
from arpkit.web.imports.models import ImportJob, ImportStatus
from tests.web.browser.axe import assert_accessible
from tests.web.support import make_user


@pytest.fixture
def web_warehouse(settings, tmp_path) -> Path:
    settings.WAREHOUSE_PATH = tmp_path / "arpkit.duckdb"
    settings.ARPKIT_DASHBOARD_CACHE = tmp_path / "cache"
    settings.ARPKIT_DASHBOARD_REPORT_PACK = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_an_analyst_uploads_a_broken_file_and_reads_each_problem(live_server, signed_in,
                                                                 web_warehouse):
    broken = web_warehouse / "population.csv"
    broken.write_text("la_code,period,ethnicity,population,source,vintage\n"
                      "999,2025,WBRI,many,ons,2024\n")
    page = signed_in(make_user(Role.ANALYST))
    page.goto(live_server.url + "/imports/")
    assert_accessible(page)
    page.get_by_role("button", name="Import files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import files")
    assert_accessible(page)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_label("Files to import").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problems = page.locator("table.imports-problems")
    expect(problems).to_contain_text("population.csv")
    expect(problems).to_contain_text("many")
    assert_accessible(page)


def test_a_running_import_shows_its_progress(live_server, signed_in, web_warehouse):
    analyst = make_user(Role.ANALYST)
    job = ImportJob.objects.create(created_by=analyst, status=ImportStatus.RUNNING,
                                   progress=0.5, message="Importing cin_census.xml")
    page = signed_in(analyst)
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.locator("progress")).to_have_attribute("value", "50")
    assert_accessible(page)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, progress=1.0,
                                               message="Problems were found")
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible(
        timeout=10_000)
