"""The dashboards: figures from the cached tables, suppression by role, teams by membership,
downloads of exactly the filtered rows, and a helpful page before anything is imported."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from arpkit.web.accounts.models import Team
from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.dashboards import cache
from tests.web.support import make_user, sign_in

PAGES = ["disproportionality", "pathway", "recording-quality", "trends", "teams"]


def _csv(response) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(response.content))


def _visible_small_counts(frame: pd.DataFrame) -> list[float]:
    counts = pd.to_numeric(frame["numerator"], errors="coerce")
    return sorted(counts[(counts >= 1) & (counts <= 5)].tolist())


def test_before_any_import_the_dashboards_ask_an_analyst_to_import_data(client, settings,
                                                                       tmp_path):
    settings.ARPKIT_DASHBOARD_CACHE = tmp_path / "empty-cache"
    sign_in(client, make_user(Role.ANALYST))
    for page in ["", *PAGES]:
        response = client.get(f"/dashboards/{page}/" if page else "/dashboards/")
        assert response.status_code == 200
        assert b"no statutory returns have been imported" in response.content
        assert b'href="/imports/upload/"' in response.content


def test_a_manager_is_told_to_ask_an_analyst_when_nothing_is_imported(client, settings,
                                                                     tmp_path):
    settings.ARPKIT_DASHBOARD_CACHE = tmp_path / "empty-cache"
    sign_in(client, make_user(Role.TEAM_MANAGER))
    response = client.get("/dashboards/disproportionality/")
    assert b"Ask an analyst" in response.content
    assert b"/imports/upload/" not in response.content


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_comes_with_the_table_of_its_numbers(client, cached, page):
    sign_in(client, make_user(Role.AUDITOR))
    query = "?funnel=referral>assessment" if page == "teams" else ""
    response = client.get(f"/dashboards/{page}/{query}")
    soup = BeautifulSoup(response.content, "html.parser")
    figures = soup.select("figure.arpkit-figure")
    assert figures, f"no figure on {page}"
    for figure in figures:
        svg = figure.find("svg")
        assert svg is not None and svg.get("role") == "img" and svg.get("aria-label")
        table = figure.find("table", class_="govuk-table")
        assert table is not None and table.find("caption")
        assert table.select("tbody tr"), "a chart without its numbers"


def test_pages_answer_from_the_cache_without_opening_the_warehouse(client, cached, settings,
                                                                  monkeypatch, tmp_path):
    import arpkit.engine.warehouse as wh

    def refuse(*args, **kwargs):
        raise AssertionError("a dashboard request opened the warehouse")

    monkeypatch.setattr(wh, "connect", refuse)
    monkeypatch.setattr(wh, "open_duckdb", refuse)
    settings.WAREHOUSE_PATH = tmp_path / "missing.duckdb"
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    for page in PAGES:
        assert client.get(f"/dashboards/{page}/").status_code == 200


def test_analysts_get_every_count_and_other_roles_get_dfe_suppressed_figures(client, cached):
    sign_in(client, make_user(Role.ANALYST))
    query = "?stage=cp_plan&basis=at_31_march&breakdown=ethnicity_code"
    inside = _csv(client.get(f"/dashboards/download/disproportionality.csv{query}"))
    assert not inside["suppressed"].any()
    assert _visible_small_counts(inside), "the demo should have small counts to hide"

    client.logout()
    sign_in(client, make_user(Role.AUDITOR))
    published = _csv(client.get(f"/dashboards/download/disproportionality.csv{query}"))
    assert published["suppressed"].any()
    assert _visible_small_counts(published) == []
    assert published.loc[published["suppressed"], "numerator"].isna().all()


def test_a_suppressed_count_never_appears_in_the_workbook(client, cached):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    response = client.get("/dashboards/download/disproportionality.xlsx"
                          "?stage=cla&basis=at_31_march&breakdown=ethnicity_code")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Data"]
    header = [c.value for c in sheet[1]]
    numerator = header.index("numerator")
    suppressed = header.index("suppressed")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows
    assert any(r[suppressed] for r in rows)
    for row in rows:
        assert not (isinstance(row[numerator], int | float) and 1 <= row[numerator] <= 5)
        if row[suppressed]:
            assert row[numerator] is None


def test_a_download_holds_exactly_the_filtered_rows_and_is_audited(client, cached):
    user = make_user(Role.AUDITOR)
    sign_in(client, user)
    response = client.get("/dashboards/download/disproportionality.csv"
                          "?period=2024&stage=s47&basis=in_year&breakdown=ethnicity_group")
    rows = _csv(response)
    assert set(rows["period"]) == {2024} and set(rows["stage"]) == {"s47"}
    assert set(rows["basis"]) == {"in_year"} and set(rows["breakdown"]) == {"ethnicity_group"}
    assert set(rows["measure"]) <= {"rate_per_10k", "disproportionality_index",
                                    "disparity_ratio"}
    expected = cache.load(cached, "metrics", "dfe")
    expected = expected[(expected["period"] == 2024) & (expected["stage"] == "s47")
                        & (expected["basis"] == "in_year")
                        & (expected["breakdown"] == "ethnicity_group")
                        & expected["measure"].isin(set(rows["measure"]))]
    assert len(rows) == len(expected)
    event = AuditEvent.objects.get(action="dashboards.downloaded", actor_id=user.pk)
    assert event.object_id == "disproportionality"
    assert event.extra["format"] == "csv" and event.extra["suppression"] == "dfe"
    assert event.extra["filters"]["stage"] == "s47"


def test_a_manager_sees_team_figures_for_their_own_teams_only(client, cached):
    teams = sorted(cache.load(cached, "funnel", "dfe")["team"].dropna().unique())
    assert len(teams) >= 2
    mine, other = teams[0], teams[1]
    team = Team.objects.create(code=mine, name=mine)
    manager = make_user(Role.TEAM_MANAGER, teams=[team], manager=True)
    sign_in(client, manager)
    page = client.get("/dashboards/teams/?funnel=referral>assessment")
    table = BeautifulSoup(page.content, "html.parser").select_one("figure table")
    names = [th.get_text(strip=True) for th in table.select("tbody th")]
    assert names == [mine]
    assert other not in page.content.decode()
    rows = _csv(client.get("/dashboards/download/disproportionality.csv"
                           "?stage=referral&basis=in_year&breakdown=team"))
    assert set(rows["group"]) <= {mine}
    refused = client.get(f"/dashboards/teams/?team={other}")
    assert b"There is a problem" in refused.content


def test_authority_wide_roles_see_every_team(client, cached):
    sign_in(client, make_user(Role.AUDITOR))
    rows = _csv(client.get("/dashboards/download/teams.csv?funnel=referral>assessment"))
    assert rows["team"].nunique() == cache.load(cached, "funnel", "dfe").query(
        "measure == 'stage_conversion' and stage == 'referral' and to_stage == 'assessment' "
        f"and period == {max(cached.periods)}")["team"].nunique()


def test_the_caption_gives_the_share_of_children_with_unknown_ethnicity(client, cached):
    sign_in(client, make_user(Role.ANALYST))
    response = client.get("/dashboards/disproportionality/?stage=referral&basis=in_year")
    text = BeautifulSoup(response.content, "html.parser").get_text(" ")
    assert "refused, not yet obtained or not recorded" in text
    assert "unsuppressed" in text


def test_an_unknown_filter_value_is_reported_and_the_default_is_shown(client, cached):
    sign_in(client, make_user(Role.AUDITOR))
    response = client.get("/dashboards/disproportionality/?stage=nonsense")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".govuk-error-summary")
    assert soup.select_one("#id_stage option[selected]")["value"] == "cla"


def test_a_practitioner_sees_dashboards_but_no_download_links(client, cached):
    sign_in(client, make_user(Role.PRACTITIONER))
    response = client.get("/dashboards/disproportionality/")
    assert response.status_code == 200
    assert b"/dashboards/download/" not in response.content
    assert client.get("/dashboards/download/disproportionality.csv").status_code == 403


def test_the_cache_is_reused_while_the_warehouse_is_unchanged(demo_cache):
    warehouse, root, manifest = demo_cache
    again = cache.build(warehouse, root)
    assert again is not None and again.key == manifest.key
    assert again.built_at == manifest.built_at
    assert set(manifest.periods) == {2024, 2025}
    for kind in cache.KINDS:
        for suppression in cache.SUPPRESSIONS:
            assert (root / manifest.key / f"{kind}-{suppression}.parquet").exists()


def test_the_build_command_explains_an_empty_warehouse(settings, tmp_path):
    from django.core.management import call_command

    settings.ARPKIT_DASHBOARD_CACHE = tmp_path / "cache"
    out = io.StringIO()
    call_command("build_dashboard_cache", "--warehouse", str(tmp_path / "none.duckdb"),
                 stdout=out)
    assert "nothing imported yet" in out.getvalue()
    assert cache.read_manifest(tmp_path / "cache") is None


def test_a_page_view_is_audited_once_an_hour_per_viewer_and_address_with_its_filters(
        client, cached, monkeypatch):
    from arpkit.web.dashboards import services

    services.RECENT_VIEWS.clear()
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    user = make_user(Role.ANALYST)
    sign_in(client, user)

    def views() -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(action="dashboards.viewed", actor_id=user.pk)
                    .order_by("id"))

    address = "/dashboards/disproportionality/?period=2024&stage=s47&basis=in_year"
    assert client.get(address).status_code == 200
    [first] = views()
    assert first.object_id == "disproportionality" and first.path.endswith("/disproportionality/")
    assert first.extra["filters"]["stage"] == "s47" and first.extra["filters"]["period"] == "2024"
    client.get(address)  # a refresh within the hour adds nothing
    assert len(views()) == 1
    client.get("/dashboards/disproportionality/?period=2024&stage=cla&basis=in_year")
    assert sorted(v.extra["filters"]["stage"] for v in views()) == ["cla", "s47"]
    clock[0] += services.VIEW_AUDIT_SECONDS + 1
    client.get(address)
    assert len(views()) == 3


def test_the_view_log_holds_the_filters_applied_never_the_text_typed_into_the_address(
        client, cached):
    from arpkit.web.dashboards import services

    services.RECENT_VIEWS.clear()
    user = make_user(Role.ANALYST)
    sign_in(client, user)
    client.get("/dashboards/disproportionality/?stage=<b>Jane Smith</b>&period=2024")
    event = AuditEvent.objects.get(action="dashboards.viewed", actor_id=user.pk)
    assert "Jane" not in str(event.extra)
    assert event.extra["filters"]["stage"] in {"contact", "early_help", "referral", "assessment",
                                               "s47", "cin", "cp_plan", "cla"}
