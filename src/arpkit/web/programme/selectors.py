"""Reads for the benefits register.  Everything in the register is programme-level (no person's
data), so the rule is the role's: ``programme.view`` reads; Http404 otherwise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from arpkit.web.accounts.models import User
from arpkit.web.core.permissions import has_permission
from arpkit.web.programme import rag
from arpkit.web.programme.models import Engagement, LogEntry, Measure, Objective, Observation


def _check(user: User, permission: str = "programme.view") -> None:
    if not has_permission(user, permission):
        raise Http404("Not found")


def objectives(*, user: User) -> QuerySet[Objective]:
    _check(user)
    return Objective.objects.select_related("owner").prefetch_related(
        Prefetch("measures", queryset=Measure.objects.select_related("owner")
                 .prefetch_related("observations")))


def objective(*, user: User, objective_id: int) -> Objective:
    found = objectives(user=user).filter(pk=objective_id).first()
    if found is None:
        raise Http404("No such objective")
    return found


def measure(*, user: User, measure_id: int) -> Measure:
    _check(user)
    found = (Measure.objects.select_related("objective", "owner")
             .prefetch_related("observations").filter(pk=measure_id).first())
    if found is None:
        raise Http404("No such measure")
    return found


def observations(*, user: User, measure: Measure) -> QuerySet[Observation]:
    _check(user)
    return measure.observations.select_related("recorded_by").order_by("date", "pk")


@dataclass(frozen=True)
class MeasureStatus:
    measure: Measure
    assessment: rag.Assessment


def status_of(m: Measure) -> MeasureStatus:
    """The measure's RAG from its latest observation (by date; the later entry on a tie)."""
    obs = sorted(m.observations.all(), key=lambda o: (o.date, o.pk))
    latest = (obs[-1].date, obs[-1].value) if obs else None
    return MeasureStatus(m, rag.assess(
        baseline=m.baseline_value, baseline_date=m.baseline_date, target=m.target_value,
        target_date=m.target_date, higher_is_better=m.direction == Measure.Direction.UP,
        tolerance=m.tolerance, latest=latest))


def log_entries(*, user: User, kind: str | None = None, open_only: bool = False
                ) -> QuerySet[LogEntry]:
    _check(user)
    qs = LogEntry.objects.select_related("owner", "objective")
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(status__in=[LogEntry.Status.OPEN, LogEntry.Status.IN_PROGRESS])
    return qs


def log_entry(*, user: User, entry_id: int) -> LogEntry:
    found = log_entries(user=user).filter(pk=entry_id).first()
    if found is None:
        raise Http404("No such entry")
    return found


def engagements(*, user: User) -> QuerySet[Engagement]:
    _check(user)
    return Engagement.objects.select_related("follow_up_owner")


def engagement(*, user: User, engagement_id: int) -> Engagement:
    found = engagements(user=user).filter(pk=engagement_id).first()
    if found is None:
        raise Http404("No such engagement")
    return found


def overdue(entries, today: dt.date) -> list:
    return [e for e in entries if e.is_open and e.due_date and e.due_date < today]
