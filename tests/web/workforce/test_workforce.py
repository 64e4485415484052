"""Workforce race equity: the HR import page, the dashboard (suppressed, oriented relative
likelihoods with Katz intervals and the 0.80-1.25 band) and who may see it."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arpkit.web.core.permissions import Role
from arpkit.web.workforce import dashboard
from arpkit.web.workforce.models import HRImport
from tests.web.app_access import mismatches
from tests.web.support import make_user, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hr_extract(tmp_path_factory):
    from arpkit.synth.workforce import generate_hr

    return generate_hr(tmp_path_factory.mktemp("hr"), staff=300, seed=5)


@pytest.fixture(scope="module")
def hr_warehouse(tmp_path_factory, hr_extract):
    """A warehouse with the synthetic HR extract imported (built once for the module)."""
    import os

    from arpkit.engine.hr_import import import_hr
    from tests.conftest import TEST_KEY

    os.environ["ARPKIT_PSEUDONYM_KEY"] = TEST_KEY
    path = tmp_path_factory.mktemp("wh") / "arpkit.duckdb"
    import_hr(hr_extract.mapping, la_code="999", warehouse=path)
    return path


@pytest.fixture
def with_hr(settings, hr_warehouse):
    settings.WAREHOUSE_PATH = hr_warehouse
    return hr_warehouse


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_exactly_the_workforce_views_its_permissions_allow(role, settings,
                                                                           tmp_path):
    settings.WAREHOUSE_PATH = tmp_path / "none.duckdb"
    assert not mismatches("workforce", role)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.TEAM_MANAGER, Role.AUDITOR,
                                  Role.PRACTITIONER, Role.SPEAKUP_OFFICER])
def test_hr_data_is_only_for_the_hr_lead_and_the_programme_lead(client, role, with_hr):
    sign_in(client, make_user(role))
    assert client.get(reverse("workforce:dashboard")).status_code == 403
    assert client.get(reverse("workforce:download")).status_code == 403
    assert client.get(reverse("workforce:imports")).status_code == 403


def test_the_programme_lead_sees_the_dashboard_but_cannot_import(client, with_hr):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    assert client.get(reverse("workforce:dashboard")).status_code == 200
    assert client.get(reverse("workforce:imports")).status_code == 403


def _rows(page: str, caption: str) -> list[list[str]]:
    soup = BeautifulSoup(page, "html.parser")
    table = next(t for t in soup.find_all("table") if caption in t.caption.get_text())
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in table.tbody.find_all("tr")]


def test_the_dashboard_shows_the_engines_relative_likelihoods_with_intervals(client, with_hr):
    table = dashboard.indicators()
    period = max(table["period"])
    row = table[(table["period"] == period) & (table["breakdown"] == "all")
                & (table["group"] == "MINORITY") & (table["indicator"] == "leaving")].iloc[0]
    assert not row["suppressed"]
    # leaving is adverse: minority rate / White rate, by hand from the counts
    by_hand = (row["events"] / row["base"]) / (row["comparator_events"] / row["comparator_base"])
    assert row["value"] == pytest.approx(by_hand)
    sign_in(client, make_user(Role.HR_LEAD))
    page = client.get(reverse("workforce:dashboard"), {"period": period}).content.decode()
    leaving = next(r for r in _rows(page, "Ethnic-minority staff against White staff")
                   if r[0] == "Leaving")
    assert leaving[1] == f"{row['events']} of {row['base']}"
    assert leaving[5] == f"{by_hand:.2f}"
    assert leaving[6] == f"{row['ci_lower']:.2f} to {row['ci_upper']:.2f}"
    assert "0.80" in leaving[7] or "1.25" in leaving[7]
    assert 'src="data:image/svg+xml;base64,' in page


def test_no_team_figure_on_the_dashboard_can_identify_someone(client, with_hr):
    sign_in(client, make_user(Role.HR_LEAD))
    page = client.get(reverse("workforce:dashboard"),
                      {"indicator": "formal_disciplinary"}).content.decode()
    rows = _rows(page, "By team")
    assert rows, "the synthetic extract has several teams"
    assert any(r[1] == "c" for r in rows), "small teams must be suppressed"
    for r in rows:
        for cell in (r[1], r[3]):
            for number in re.findall(r"\d[\d,]*", cell):
                assert not 1 <= int(number.replace(",", "")) <= 5, r


def test_the_download_holds_only_suppressed_figures(client, with_hr):
    sign_in(client, make_user(Role.HR_LEAD))
    response = client.get(reverse("workforce:download"))
    frame = pd.read_excel(io.BytesIO(response.content))
    hidden = frame[frame["suppressed"]]
    assert len(hidden) and hidden["events"].isna().all() and (hidden["symbol"] == "c").all()
    shown = frame.loc[~frame["suppressed"], "events"].dropna()
    assert not ((shown >= 1) & (shown <= 5)).any()


def _upload(hr_extract, **replace) -> dict:
    data = {"la_code": "999",
            "mapping": SimpleUploadedFile("hr.yml", hr_extract.mapping.read_bytes())}
    for kind, path in hr_extract.files.items():
        data[kind] = SimpleUploadedFile(f"{kind}-export.csv", path.read_bytes())
    data.update(replace)
    return data


def test_the_hr_lead_imports_an_extract_in_the_background(client, settings, tmp_path,
                                                          hr_extract):
    settings.WAREHOUSE_PATH = tmp_path / "arpkit.duckdb"
    sign_in(client, make_user(Role.HR_LEAD))
    response = client.post(reverse("workforce:imports"), _upload(hr_extract))
    job = HRImport.objects.get()
    assert response.status_code == 302 and job.status == HRImport.Status.DONE
    assert job.rows["staff"] > 0
    assert not (settings.MEDIA_ROOT / "hr-imports" / str(job.pk)).exists()
    page = client.get(reverse("workforce:import_detail", args=[job.pk])).content.decode()
    assert "Imported" in page


def test_a_bad_row_is_listed_by_file_row_and_field_and_nothing_is_imported(
        client, settings, tmp_path, hr_extract):
    settings.WAREHOUSE_PATH = tmp_path / "arpkit.duckdb"
    lines = hr_extract.files["staff"].read_text().splitlines()
    header = lines[0].split(",")
    start = next(i for i, h in enumerate(header) if "start" in h.lower())
    cells = lines[2].split(",")
    cells[start] = "31/02/2020"
    lines[2] = ",".join(cells)
    bad = SimpleUploadedFile("staff-export.csv", ("\n".join(lines) + "\n").encode())
    sign_in(client, make_user(Role.HR_LEAD))
    client.post(reverse("workforce:imports"), _upload(hr_extract, staff=bad))
    job = HRImport.objects.get()
    assert job.status == HRImport.Status.FAILED
    problem = job.errors[0]
    assert problem["file"] == "staff-export.csv" and "3" in problem["location"]
    assert problem["field"]
    page = client.get(reverse("workforce:import_detail", args=[job.pk])).content.decode()
    assert "staff-export.csv" in page and "31/02/2020" in page
    assert not settings.WAREHOUSE_PATH.exists()  # the engine wrote nothing at all


def test_the_import_form_refuses_a_mapping_that_is_not_yaml(client, hr_extract):
    sign_in(client, make_user(Role.HR_LEAD))
    response = client.post(reverse("workforce:imports"), _upload(
        hr_extract, mapping=SimpleUploadedFile("hr.txt", b"x")))
    assert response.status_code == 200
    assert "must be a .yml or .yaml file" in response.content.decode()
    assert not HRImport.objects.exists()
