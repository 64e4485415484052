"""The regional comparison page and the engine-linked register sources, on two synthetic
authorities (999 is ours; 998 shares its published aggregates)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from arpkit.web.core.permissions import Role
from arpkit.web.programme import services, sources
from arpkit.web.programme.models import Measure, Objective
from tests.web.support import make_user, sign_in

pytestmark = pytest.mark.slow
TEST_KEY = "test-key-not-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from arpkit.engine.aggregates import export_aggregates, import_aggregates
    from arpkit.engine.importer import import_paths
    from arpkit.engine.records import ReadSettings
    from arpkit.synth import generate

    root = tmp_path_factory.mktemp("region")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        for i, la in enumerate(("999", "998")):
            folder = generate(root / la, children=800, seed=60 + i, period=2025,
                              la_code=la).out_dir
            out[la] = root / f"{la}.duckdb"
            import_paths([folder], warehouse=out[la], settings=ReadSettings(la_code=la))
        export = export_aggregates(out["998"], root / "998.zip", la_code="998",
                                   datasets=("metrics",))
        import_aggregates([export], warehouse=out["999"])
    return out


@pytest.fixture
def ours(settings, region):
    settings.WAREHOUSE_PATH = region["999"]
    settings.ARPKIT_LA_CODE = "999"
    return region["999"]


def test_the_regional_page_sets_the_authority_beside_its_peer_and_the_pool(client, ours):
    sign_in(client, make_user(Role.ANALYST))
    response = client.get(reverse("programme:regional"),
                          {"dataset": "metrics", "measure": "disparity_ratio"})
    soup = BeautifulSoup(response.content, "html.parser")
    table = next(t for t in soup.find_all("table") if "disparity_ratio" in t.caption.text)
    heads = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    assert heads[2:5] == ["999 (you)", "998", "Regional pool"]
    assert len(table.tbody.find_all("tr")) > 1
    # workforce figures are HR data: not offered to an analyst
    assert not soup.find("option", attrs={"value": "workforce"})


def test_without_a_warehouse_the_page_says_what_is_missing(client, settings, tmp_path):
    settings.WAREHOUSE_PATH = tmp_path / "none.duckdb"
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    assert "There is no warehouse yet" in client.get(
        reverse("programme:regional")).content.decode()


def test_a_cp_disparity_measure_takes_the_engines_published_ratio(ours):
    import arpkit

    services.seed_default_objectives()
    m = Measure.objects.create(objective=Objective.objects.first(), title="CP disparity",
                               kind="linked", source_key="cp_disparity:BLACK", direction="down")
    services.measure_refresh(by=None, measure=m, ctx=sources.Context(ours,
                                                                     timezone.localdate()))
    table = arpkit.metrics(ours, suppression="dfe")
    want = table[(table["measure"] == "disparity_ratio") & (table["stage"] == "cp_plan")
                 & (table["basis"] == "at_31_march") & (table["breakdown"] == "ethnicity_group")
                 & (table["group"] == "BLACK")]
    got = list(m.observations.values_list("date", "value"))
    if want["suppressed"].iloc[0]:
        assert got == []
    else:
        assert [(d.year, round(v, 9)) for d, v in got] == [(2025, round(want["value"].iloc[0],
                                                                         9))]


def test_an_early_help_rri_measure_reads_the_pathway(ours):
    values = sources.values("early_help_rri:BLACK", sources.Context(ours, timezone.localdate()))
    assert all(d.month == 3 and d.day == 31 and v >= 0 for d, v in values)
