"""URL arguments for the programme app's views (see tests/web/url_walk.py)."""

import datetime as dt

from arpkit.web.programme.models import Engagement, LogEntry, Measure, Objective
from arpkit.web.programme.services import seed_default_objectives


def _objective() -> dict:
    seed_default_objectives()  # a transactional test may have emptied the table
    return {"objective_id": Objective.objects.order_by("order").first().pk}


def _measure() -> dict:
    seed_default_objectives()
    m = Measure.objects.create(objective=Objective.objects.first(), title="Sample measure")
    return {"measure_id": m.pk}


def _entry() -> dict:
    return {"entry_id": LogEntry.objects.create(kind="action", title="Sample action").pk}


def _engagement() -> dict:
    e = Engagement.objects.create(date=dt.date(2026, 1, 5), forum="regional_network",
                                  partners="Regional leaders", summary="Shared the approach")
    return {"engagement_id": e.pk}


SAMPLES = {
    "programme:objective": _objective,
    "programme:objective_edit": _objective,
    "programme:measure_create": _objective,
    "programme:measure": _measure,
    "programme:measure_edit": _measure,
    "programme:observation_add": _measure,
    "programme:measure_refresh": _measure,
    "programme:log_edit": _entry,
    "programme:engagement_edit": _engagement,
}
