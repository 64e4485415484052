"""Writes for the benefits register: each in a transaction, each audited (field names only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from arpkit.web.accounts.models import User
from arpkit.web.audit.services import record
from arpkit.web.programme import sources
from arpkit.web.programme.models import Engagement, LogEntry, Measure, Objective, Observation


def seed_default_objectives() -> int:
    """Create any of the six default objectives that are missing; returns how many were."""
    from arpkit.web.programme.defaults import OBJECTIVES

    made = 0
    for order, (key, title, description) in enumerate(OBJECTIVES, start=1):
        _, created = Objective.objects.get_or_create(key=key, defaults={
            "title": title, "description": description, "order": order})
        made += created
    return made


def _apply(instance: Any, data: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def objective_update(*, by: User, objective: Objective, data: dict[str, Any]) -> Objective:
    changed = _apply(objective, data)
    objective.save()
    record("programme.objective_changed", actor=by, obj=objective, extra={"fields": changed})
    return objective


def _check_measure(data: dict[str, Any]) -> None:
    if data.get("kind") == Measure.Kind.LINKED and data.get("source_key") not in sources.SOURCES:
        raise ValueError("choose the source a linked measure is computed from")


@transaction.atomic
def measure_create(*, by: User, objective: Objective, data: dict[str, Any]) -> Measure:
    _check_measure(data)
    m = Measure.objects.create(objective=objective, **data)
    record("programme.measure_created", actor=by, obj=m, extra={"kind": m.kind})
    return m


@transaction.atomic
def measure_update(*, by: User, measure: Measure, data: dict[str, Any]) -> Measure:
    _check_measure(data)
    changed = _apply(measure, data)
    measure.save()
    record("programme.measure_changed", actor=by, obj=measure, extra={"fields": changed})
    return measure


@transaction.atomic
def observation_add(*, by: User, measure: Measure, date, value: float,
                    evidence: str = "") -> Observation:
    obs = Observation.objects.create(measure=measure, date=date, value=value,
                                     evidence=evidence.strip(), recorded_by=by,
                                     source=Observation.Source.MANUAL)
    record("programme.observation_added", actor=by, obj=measure)
    return obs


@transaction.atomic
def measure_refresh(*, by: User | None, measure: Measure,
                    ctx: sources.Context | None = None) -> int:
    """Replace a linked measure's computed observations with its source's current values.
    Raises :class:`sources.SourceError` when the source cannot give values."""
    if measure.kind != Measure.Kind.LINKED:
        raise ValueError("only linked measures are computed")
    got = sources.values(measure.source_key, ctx)
    measure.observations.filter(source=Observation.Source.COMPUTED).delete()
    label = sources.SOURCES[measure.source_key].label
    Observation.objects.bulk_create(
        Observation(measure=measure, date=day, value=value, recorded_by=by,
                    source=Observation.Source.COMPUTED, evidence=f"Computed: {label}")
        for day, value in got)
    record("programme.measure_refreshed", actor=by, obj=measure, extra={"values": len(got)})
    return len(got)


@transaction.atomic
def log_entry_save(*, by: User, data: dict[str, Any], entry: LogEntry | None = None
                   ) -> LogEntry:
    if entry is None:
        entry = LogEntry.objects.create(**data)
        record("programme.log_entry_created", actor=by, obj=entry, extra={"kind": entry.kind})
        return entry
    changed = _apply(entry, data)
    entry.save()
    record("programme.log_entry_changed", actor=by, obj=entry, extra={"fields": changed})
    return entry


@transaction.atomic
def engagement_save(*, by: User, data: dict[str, Any], engagement: Engagement | None = None
                    ) -> Engagement:
    if engagement is None:
        engagement = Engagement.objects.create(**data)
        record("programme.engagement_created", actor=by, obj=engagement)
        return engagement
    changed = _apply(engagement, data)
    engagement.save()
    record("programme.engagement_changed", actor=by, obj=engagement,
           extra={"fields": changed})
    return engagement
