"""Computed sources for linked measures: a small registry of functions returning dated values.

``register_source(key, label, fn)``: ``fn(context)`` returns ``[(date, value), ...]``, where
``context`` gives the warehouse path and today's date.  A linked measure names a source key; the
register's "refresh" stores the values as computed observations.  Sources read the *published*
(DfE-suppressed) engine tables, so a value hidden by disclosure control is simply absent.

Registered here:

* ``cp_disparity:<GROUP>``: disparity ratio (group rate ÷ White rate) of children subject to a
  child protection plan on 31 March, per collection year (``arpkit.metrics``, docs/metrics.md);
* ``early_help_rri:<GROUP>``: relative rate index of reaching early help by any route within the
  window after first contact, against White children, per year (``arpkit.pathway``,
  docs/pathway.md, indicator ``early_help_any_route``);
* ``training_coverage``: share of staff (people with a team) who have completed anti-racist
  practice training, at each month end (:mod:`arpkit.web.learning.coverage`);
* ``thinking_tool_completion``: share of children assessed in the year with a signed-off
  Thinking Tool, per collection year (:func:`arpkit.web.thinking_tool.measures.completion`,
  suppressed figures left out);
* ``speakup_days_to_close``: median days from receiving a speak-up report to closing it, for
  reports closed in each quarter (coded dates only; a quarter with no more than the suppression
  threshold of closed reports gives no value, as on the speak-up dashboard).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from arpkit.engine.staff_ethnicity import MINORITY_GROUPS

DatedValues = list[tuple[dt.date, float]]


@dataclass(frozen=True)
class Context:
    warehouse: Path
    today: dt.date


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    fn: Callable[[Context], DatedValues]


SOURCES: dict[str, Source] = {}


class SourceError(Exception):
    """A source that cannot give values now (no warehouse, no data); the message says why."""


def register_source(key: str, label: str, fn: Callable[[Context], DatedValues]) -> None:
    existing = SOURCES.get(key)
    if existing is not None and existing.fn is not fn:
        raise ValueError(f"source {key!r} is already registered")
    SOURCES[key] = Source(key, label, fn)


def choices() -> list[tuple[str, str]]:
    return [(s.key, s.label) for s in sorted(SOURCES.values(), key=lambda s: s.label)]


def context() -> Context:
    return Context(Path(getattr(settings, "WAREHOUSE_PATH", "arpkit.duckdb")),
                   timezone.localdate())


def values(key: str, ctx: Context | None = None) -> DatedValues:
    source = SOURCES.get(key)
    if source is None:
        raise SourceError(f"no source is registered as {key!r}")
    ctx = ctx or context()
    try:
        return sorted(source.fn(ctx))
    except SourceError:
        raise
    except Exception as error:  # the engine explains its own errors (ConfigError ...)
        from arpkit.engine.errors import ArpkitError

        if isinstance(error, ArpkitError):
            raise SourceError(str(error)) from error
        raise


def _need_warehouse(ctx: Context) -> None:
    if not ctx.warehouse.exists():
        raise SourceError("there is no warehouse yet: import the statutory returns first")


def _year_end(period: int) -> dt.date:
    return dt.date(int(period), 3, 31)


def _present(value: object) -> bool:
    import math

    return value is not None and not (isinstance(value, float) and math.isnan(value))


def cp_disparity(group: str) -> Callable[[Context], DatedValues]:
    def fn(ctx: Context) -> DatedValues:
        import arpkit

        _need_warehouse(ctx)
        df = arpkit.metrics(ctx.warehouse, suppression="dfe",
                            threshold=getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))
        rows = df[(df["measure"] == "disparity_ratio") & (df["stage"] == "cp_plan")
                  & (df["basis"] == "at_31_march") & (df["breakdown"] == "ethnicity_group")
                  & (df["group"] == group) & ~df["suppressed"].fillna(False).astype(bool)]
        return [(_year_end(r.period), float(r.value)) for r in rows.itertuples()
                if _present(r.value)]
    return fn


def early_help_rri(group: str) -> Callable[[Context], DatedValues]:
    def fn(ctx: Context) -> DatedValues:
        import arpkit
        from arpkit.engine.metrics import periods_present
        from arpkit.engine.warehouse import connect

        _need_warehouse(ctx)
        con = connect(ctx.warehouse)
        try:
            periods = periods_present(con)
        finally:
            con.disconnect()
        out = []
        for period in periods:
            try:
                df = arpkit.pathway(ctx.warehouse, period=period, suppression="dfe",
                                    threshold=getattr(settings,
                                                      "ARPKIT_SUPPRESSION_THRESHOLD", 5))
            except Exception as error:  # a year without contacts has no pathway
                from arpkit.engine.errors import ArpkitError

                if isinstance(error, ArpkitError):
                    continue
                raise
            rows = df[(df["measure"] == "rri") & (df["breakdown"] == "ethnicity_group")
                      & (df["group"] == group) & (df["outcome"] == "early_help_any_route")
                      & ~df["suppressed"].fillna(False).astype(bool)]
            out += [(_year_end(period), float(r.value)) for r in rows.itertuples()
                    if _present(r.value)]
        return out
    return fn


def training_coverage(ctx: Context) -> DatedValues:
    """Share of staff with a team who have completed training, at each month end since the
    first completion (and today)."""
    from arpkit.web.accounts.models import TeamMembership
    from arpkit.web.learning.coverage import completion_dates

    people = set(TeamMembership.objects.filter(user__is_active=True)
                 .values_list("user_id", flat=True))
    if not people:
        return []
    done = completion_dates(people)
    if not done:
        return [(ctx.today, 0.0)]
    start = min(done.values())
    days, y, m = [], start.year, start.month
    while True:
        last = dt.date(y, m, calendar.monthrange(y, m)[1])
        if last >= ctx.today:
            break
        days.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    days.append(ctx.today)
    return [(d, sum(1 for c in done.values() if c <= d) / len(people)) for d in days]


def thinking_tool_completion(ctx: Context) -> DatedValues:
    from arpkit.web.thinking_tool import measures

    out = []
    for period in sorted(measures.available_periods()):
        try:
            row = measures.completion(period, team_codes=None, unsuppressed=False)[
                "tables"]["all"].iloc[0]
        except Exception as error:  # no warehouse assessments for the year
            from arpkit.engine.errors import ArpkitError

            if isinstance(error, ArpkitError):
                continue
            raise
        if not bool(row["suppressed"]) and _present(row["share"]):
            out.append((_year_end(period), float(row["share"])))
    return out


def speakup_days_to_close(ctx: Context) -> DatedValues:
    import statistics

    from arpkit.web.speakup.models import Report

    limit = int(getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))
    quarters: dict[dt.date, list[int]] = {}
    for received, closed in Report.objects.filter(closed_on__isnull=False).values_list(
            "received_on", "closed_on"):
        month = 3 * ((closed.month - 1) // 3) + 3
        end = dt.date(closed.year, month, calendar.monthrange(closed.year, month)[1])
        quarters.setdefault(end, []).append((closed - received).days)
    return [(end, float(statistics.median(days))) for end, days in sorted(quarters.items())
            if len(days) > limit]


_GROUP_NAMES = {"MIXED": "Mixed", "ASIAN": "Asian", "BLACK": "Black", "OTHER": "Other"}

for _g in MINORITY_GROUPS:
    register_source(f"cp_disparity:{_g}",
                    f"Disparity ratio, child protection plans on 31 March: "
                    f"{_GROUP_NAMES.get(_g, _g.title())} vs White children", cp_disparity(_g))
    register_source(f"early_help_rri:{_g}",
                    f"Early help from first contact, relative rate index: "
                    f"{_GROUP_NAMES.get(_g, _g.title())} vs White children", early_help_rri(_g))
register_source("thinking_tool_completion",
                "Thinking Tool completion: share of children assessed with a signed-off tool",
                thinking_tool_completion)
register_source("speakup_days_to_close",
                "Speak-up: median days from report to resolution (closing), by quarter",
                speakup_days_to_close)
register_source("training_coverage",
                "Training coverage: share of staff who have completed anti-racist practice "
                "training", training_coverage)
