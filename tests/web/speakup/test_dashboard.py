"""The learning dashboard: coded counts with primary and secondary suppression, exportable."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse

from arpkit.engine.suppression import recoverable_cells
from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.speakup import dashboard
from arpkit.web.speakup.choices import Category, FeltResolved, Outcome, Route, Source, Status
from arpkit.web.speakup.models import Report
from tests.web.support import make_user, sign_in


def synthetic_reports(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        received = date(2024, 1, 1) + timedelta(days=rng.randrange(540))
        status = rng.choice(list(Status))
        closed = status == Status.CLOSED
        out.append({
            "route": rng.choices(list(Route), weights=[6, 3, 1])[0],
            "source": rng.choice(list(Source)),
            "category": rng.choice([*Category, ""]),
            "service_area": rng.choice(["Children in care", "Front door", "not_said"]),
            "status": status,
            "outcome": rng.choice(list(Outcome)) if closed else "",
            "felt_resolved": rng.choice([*FeltResolved, ""]) if closed else "",
            "detriment": rng.random() < 0.1,
            "received_on": received,
            "acknowledged_on": received + timedelta(days=rng.randrange(10))
            if status != Status.SUBMITTED else None,
            "closed_on": received + timedelta(days=rng.randrange(10, 90)) if closed else None,
        })
    return out


@pytest.mark.parametrize("n,seed", [(40, 1), (90, 2), (17, 3)])
def test_no_published_cell_is_from_one_to_the_threshold_or_recoverable(n, seed):
    board = dashboard.build(synthetic_reports(n, seed))
    cells = board.cells
    shown = cells[~cells["suppressed"]]
    assert not ((shown["count"] >= 1) & (shown["count"] <= board.threshold)).any()
    assert cells["suppressed"].any()  # the data do have small cells
    recoverable = recoverable_cells(cells, dashboard.MARGINS, cells["suppressed"])
    assert not recoverable.any()
    for name in cells["table"].unique():
        assert cells[cells["table"] == name]["suppressed"].sum() != 1


def test_a_rate_built_from_a_suppressed_cell_is_itself_suppressed():
    reports = synthetic_reports(60, 4)
    board = dashboard.build(reports)
    status = board.cells[(board.cells["table"] == "status") & (board.cells["phase"] == "closed")]
    resolved = status[status["code"].isin(["closed:resolved", "closed:partly_resolved"])]
    figure = next(f for f in board.figures if f.label.startswith("Resolution rate"))
    if resolved["suppressed"].any():
        assert figure.value == "c"
    else:
        assert figure.value.endswith("%")


def test_too_few_reports_show_nothing_but_that_fact(client):
    lead = make_user(Role.PROGRAMME_LEAD, username="lead")
    for row in synthetic_reports(4):
        Report.objects.create(**row, is_anonymous=True, last_activity_on=row["received_on"])
    sign_in(client, lead)
    page = client.get(reverse("speakup:learning"))
    assert b"too few reports" in page.content
    assert b"govuk-table" not in page.content


def _load(rows: list[dict]) -> None:
    for row in rows:
        Report.objects.create(**row, is_anonymous=True, last_activity_on=row["received_on"])


def test_the_dashboard_page_and_exports_hold_no_suppressed_value(client):
    lead = make_user(Role.PROGRAMME_LEAD, username="lead2")
    _load(synthetic_reports(45, 5))
    sign_in(client, lead)
    page = client.get(reverse("speakup:learning"))
    assert page.status_code == 200 and b"Reports received" in page.content
    csv = client.get(reverse("speakup:learning_export", kwargs={"fmt": "csv"}))
    frame = pd.read_csv(io.BytesIO(csv.content))
    counts = frame.loc[frame["table"] != "Summary", "count"]
    assert not ((counts >= 1) & (counts <= 5)).any()
    assert (frame["count_symbol"] == "c").any()
    assert frame.loc[frame["count_symbol"] == "c", "count"].isna().all()
    xlsx = client.get(reverse("speakup:learning_export", kwargs={"fmt": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(frame) + 1
    exported = AuditEvent.objects.filter(action="speakup.dashboard_exported")
    assert exported.count() == 2 and set(exported.values_list("actor_label", flat=True)) == {
        "lead2"}


def test_an_unknown_export_format_is_not_found(client):
    sign_in(client, make_user(Role.PROGRAMME_LEAD, username="lead3"))
    assert client.get(reverse("speakup:learning_export",
                              kwargs={"fmt": "pdf"})).status_code == 404
