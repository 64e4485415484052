"""Importing returns in the browser: one transaction, every problem listed by file, row and
field, each import recorded with its files' SHA-256, and rollback through the engine."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.dashboards import cache
from arpkit.web.imports.models import ImportJob, ImportStatus
from arpkit.web.imports.storage import job_directory
from tests.web.support import make_user, sign_in


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    from arpkit.synth import generate

    out = tmp_path_factory.mktemp("imports-returns")
    generate(out, children=300, seed=7, period=2025)
    return out


@pytest.fixture
def web_warehouse(settings, tmp_path) -> Path:
    settings.WAREHOUSE_PATH = tmp_path / "arpkit.duckdb"
    settings.ARPKIT_DASHBOARD_CACHE = tmp_path / "cache"
    settings.ARPKIT_DASHBOARD_REPORT_PACK = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    return settings.WAREHOUSE_PATH


def _upload(path: Path, name: str | None = None, content: bytes | None = None):
    return SimpleUploadedFile(name or path.name, content if content is not None
                              else path.read_bytes())


def _imports(warehouse: Path) -> list[tuple]:
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT import_id, status FROM imports ORDER BY 1").fetchall()


def test_a_file_with_problems_lands_nothing_and_each_problem_names_file_row_and_field(
        client, returns, web_warehouse):
    sign_in(client, make_user(Role.ANALYST))
    lines = (returns / "population.csv").read_text().splitlines()
    fields = lines[3].split(",")
    fields[3] = "lots"
    lines[3] = ",".join(fields)
    broken = ("\n".join(lines) + "\n").encode()
    response = client.post("/imports/upload/", {
        "files": [_upload(returns / "cin_census.xml"),
                  _upload(returns / "population.csv", content=broken)]}, follow=True)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert job.warehouse_import_ids == []
    errors = job.errors
    assert any(p["file"].endswith("population.csv") and "4" in p["location"]
               and p["field"] == "population" and p["value"] == "lots" for p in errors), errors
    assert [row for row in _imports(web_warehouse) if row[1] == "current"] == []
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("h2.govuk-error-summary__title").get_text() == "Nothing was imported"
    cells = [td.get_text(strip=True) for td in page.select("table.imports-problems td")]
    assert "lots" in cells and "population" in cells
    assert AuditEvent.objects.filter(action="imports.failed", object_id=str(job.pk)).exists()
    assert cache.read_manifest(Path(web_warehouse.parent / "cache")) is None


@pytest.mark.slow
def test_an_import_is_recorded_with_its_files_updates_the_dashboards_and_can_be_rolled_back(
        client, returns, web_warehouse):
    analyst = make_user(Role.ANALYST)
    sign_in(client, analyst)
    files = [returns / "cin_census.xml", returns / "population.csv",
             returns / "annex_a.xlsx", returns / "ssda903" / "header.csv",
             returns / "ssda903" / "episodes.csv"]
    response = client.post("/imports/upload/", {"files": [_upload(p) for p in files]})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportStatus.SUCCEEDED, job.problems
    assert job.created_by == analyst and job.progress == 1.0
    recorded = {f.name: (f.size, f.sha256) for f in job.files.all()}
    for path in files:
        assert recorded[path.name] == (path.stat().st_size,
                                       hashlib.sha256(path.read_bytes()).hexdigest())
        saved = job_directory(job.pk) / path.name
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    current = {i for i, s in _imports(web_warehouse) if s == "current"}
    assert current == set(job.warehouse_import_ids) and len(current) == 4
    manifest = cache.read_manifest(web_warehouse.parent / "cache")
    assert manifest is not None and manifest.periods == [2025]
    assert set(manifest.import_ids) == current

    page = client.get(f"/imports/{job.pk}/")
    assert b"Import complete" in page.content and b"Roll back this import" in page.content
    assert b"<progress" not in page.content
    status = client.get(f"/imports/{job.pk}/status.json").json()
    assert status == {"status": "succeeded", "progress": 1.0, "message": job.message,
                      "active": False, "errors": 0}

    confirm = client.get(f"/imports/{job.pk}/roll-back/")
    assert b"Yes, roll back" in confirm.content
    client.post(f"/imports/{job.pk}/roll-back/")
    job.refresh_from_db()
    assert job.status == ImportStatus.ROLLED_BACK and job.rolled_back_by == analyst
    assert {s for _, s in _imports(web_warehouse)} == {"rolled_back"}
    assert cache.read_manifest(web_warehouse.parent / "cache") is None
    assert AuditEvent.objects.filter(action="imports.rolled_back",
                                     object_id=str(job.pk)).exists()


def test_a_running_import_shows_a_progress_bar_that_follows_the_job(client, web_warehouse):
    analyst = make_user(Role.ANALYST)
    sign_in(client, analyst)
    job = ImportJob.objects.create(created_by=analyst, status=ImportStatus.RUNNING,
                                   progress=0.42, message="Importing cin_census.xml")
    page = BeautifulSoup(client.get(f"/imports/{job.pk}/").content, "html.parser")
    bar = page.select_one("progress")
    assert bar["value"] == "42" and bar["max"] == "100"
    scripts = [s.string or "" for s in page.find_all("script")]
    assert any(f"/imports/{job.pk}/status.json" in s for s in scripts)
    assert page.find("a", string="Refresh this page")
    assert not page.find("a", string="Roll back this import")


def test_a_failed_import_cannot_be_rolled_back(client, web_warehouse):
    analyst = make_user(Role.ANALYST)
    sign_in(client, analyst)
    job = ImportJob.objects.create(created_by=analyst, status=ImportStatus.FAILED)
    response = client.post(f"/imports/{job.pk}/roll-back/", follow=True)
    assert b"cannot be rolled back" in response.content
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_the_upload_form_asks_for_files_and_refuses_two_with_the_same_name(client,
                                                                           web_warehouse):
    sign_in(client, make_user(Role.ANALYST))
    empty = client.post("/imports/upload/", {})
    assert b"Choose at least one file to import" in empty.content
    same = client.post("/imports/upload/", {"files": [
        SimpleUploadedFile("a.csv", b"x"), SimpleUploadedFile("a.csv", b"y")]})
    assert b"Two files are called a.csv" in same.content
    assert not ImportJob.objects.exists()


def test_an_unknown_import_is_not_found(client, web_warehouse):
    sign_in(client, make_user(Role.ANALYST))
    assert client.get("/imports/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_after_an_import_the_job_draws_the_new_dashboard_pages_and_survives_a_failure(
        client, returns, web_warehouse, settings, monkeypatch):
    from arpkit.web.dashboards import prepared

    settings.ARPKIT_PREDRAW_AFTER_IMPORT = True
    asked: list[str] = []

    def drawing(manifest, *args, **kwargs):
        asked.append(manifest.key)
        raise RuntimeError("drawing failed")  # only a speed-up: the import still succeeds

    monkeypatch.setattr(prepared, "prerender_everyone", drawing)
    sign_in(client, make_user(Role.ANALYST))
    client.post("/imports/upload/", {"files": [
        _upload(returns / "cin_census.xml"), _upload(returns / "population.csv")]})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.SUCCEEDED, job.problems
    manifest = cache.read_manifest(web_warehouse.parent / "cache")
    assert asked == [manifest.key]  # the live cache, once the job had succeeded
