"""Measures of Thinking Tool use: completion against assessments, and empty domains.

* **Completion.** Of the children whose assessment started in the collection year (the
  engine's counting rules, :func:`arpkit.engine.counting.qualifying_children`), the share with a
  signed-off Thinking Tool for an assessment dated in that year; by team and by the child's
  ethnic group, with Wilson score intervals (:func:`arpkit.engine.intervals.wilson_limits`,
  methods.md section 1.2).  Team and ethnic group come from the warehouse, as for every other
  metric.  Signed-off tools for children the warehouse does not list as assessed that year are
  counted separately (``unmatched``): they cannot be placed against a denominator.
* **Empty domains.** Of the tools submitted or signed off for work dated in the year, how often
  each domain was left with no answer at all, with Wilson intervals.

Suppression: for anyone but an analyst, counts from 1 to 5 are suppressed (methods.md section 3,
:func:`arpkit.engine.suppression.secondary_suppress` with each breakdown's total as the margin)
and a share or interval built on a suppressed count is suppressed too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.conf import settings

from arpkit.engine.counting import period_bounds
from arpkit.engine.ethnicity import GROUP_LABELS, GROUPS
from arpkit.engine.intervals import wilson_limits
from arpkit.engine.suppression import (
    DisclosureError,
    primary_suppress,
    render,
    secondary_suppress,
)
from arpkit.web.thinking_tool import children
from arpkit.web.thinking_tool.models import Domain, Status, Tool, WorkKind


def period_of(day: dt.date) -> int:
    """The collection year (ending 31 March) a date falls in."""
    return day.year + 1 if day.month >= 4 else day.year


def threshold() -> int:
    return int(getattr(settings, "ARPKIT_SUPPRESSION_THRESHOLD", 5))


def _suppress(table: pd.DataFrame, count_cols: Iterable[str], margin: list[str] | None
              ) -> pd.Series:
    """Suppressed rows: any count column suppressed (primary, and secondary on the margin when
    the rows add up to a published total)."""
    mask = pd.Series(False, index=table.index)
    for col in count_cols:
        if margin is None:
            mask |= primary_suppress(table[col], threshold())
            continue
        try:
            mask |= secondary_suppress(table, [margin], count=col, threshold=threshold())
        except DisclosureError:
            mask |= table[col] > 0
    return mask


def _with_intervals(table: pd.DataFrame, x: str, n: str, unsuppressed: bool,
                    margin: list[str] | None) -> pd.DataFrame:
    out = table.copy()
    lower, upper = wilson_limits(out[x].to_numpy(float), out[n].to_numpy(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out[n] > 0, out[x] / out[n], np.nan)
    out["lower"], out["upper"] = lower, upper
    out["suppressed"] = False if unsuppressed else _suppress(out, [x, n], margin)
    for col in ("share", "lower", "upper"):
        out[f"{col}_text"] = render(out[col] * 100, out["suppressed"], decimals=1)
    for col in (x, n):
        out[f"{col}_text"] = render(out[col].astype(float), out["suppressed"], decimals=0)
    return out


def completion(period: int, *, team_codes: list[str] | None, unsuppressed: bool
               ) -> dict[str, object]:
    """Completion by team and by ethnic group, plus the all-children row and unmatched tools."""
    start, end = period_bounds(period)
    assessed = children.assessments(period)
    assessed["team"] = assessed["team"].fillna("not recorded")
    if team_codes is not None:
        assessed = assessed[assessed["team"].isin(team_codes)]
    done = Tool.objects.filter(status=Status.SIGNED_OFF, work_kind=WorkKind.ASSESSMENT,
                               work_date__range=(start, end))
    if team_codes is not None:
        done = done.filter(team__code__in=team_codes)
    done_keys = set(done.values_list("child_key", flat=True))
    assessed = assessed.assign(with_tool=assessed["child_key"].isin(done_keys).astype(int))
    unmatched = len(done_keys - set(assessed["child_key"]))
    tables = {}
    for breakdown, col in (("team", "team"), ("ethnic group", "ethnicity_group")):
        grouped = (assessed.groupby(col).agg(assessments=("child_key", "size"),
                                             with_tool=("with_tool", "sum"))
                   .reset_index().rename(columns={col: "value"}))
        if col == "ethnicity_group":
            order = {g: i for i, g in enumerate(GROUPS)}
            grouped = grouped.sort_values("value", key=lambda s: s.map(order))
            grouped["label"] = grouped["value"].map(GROUP_LABELS)
        else:
            grouped = grouped.sort_values("value")
            grouped["label"] = grouped["value"]
        grouped["breakdown"] = breakdown
        tables[breakdown] = _with_intervals(grouped.reset_index(drop=True), "with_tool",
                                            "assessments", unsuppressed, ["breakdown"])
    total = pd.DataFrame({"breakdown": ["all"], "value": ["all"], "label": ["All children"],
                          "assessments": [len(assessed)],
                          "with_tool": [int(assessed["with_tool"].sum())]})
    tables["all"] = _with_intervals(total, "with_tool", "assessments", unsuppressed, None)
    return {"tables": tables, "unmatched": unmatched,
            "unmatched_text": render(pd.Series([float(unmatched)]),
                                     [not unsuppressed and 0 < unmatched <= threshold()])[0]}


def empty_domains(period: int, *, team_codes: list[str] | None, unsuppressed: bool
                  ) -> pd.DataFrame:
    """How often each domain was left empty on tools submitted or signed off for the year."""
    start, end = period_bounds(period)
    tools = Tool.objects.filter(status__in=[Status.SUBMITTED, Status.SIGNED_OFF],
                                work_date__range=(start, end))
    if team_codes is not None:
        tools = tools.filter(team__code__in=team_codes)
    tool_ids = list(tools.values_list("pk", flat=True))
    answered: dict[int, set[int]] = {}
    from arpkit.web.thinking_tool.models import Answer

    for a in Answer.objects.filter(tool_id__in=tool_ids).select_related("prompt"):
        if not a.is_empty:
            answered.setdefault(a.prompt.domain_id, set()).add(a.tool_id)
    rows = [{"breakdown": "domain", "value": d.key, "label": d.label, "tools": len(tool_ids),
             "empty": len(tool_ids) - len(answered.get(d.pk, set()))}
            for d in Domain.objects.all()]
    table = pd.DataFrame(rows, columns=["breakdown", "value", "label", "tools", "empty"])
    # Each domain's row is its own share of the same tools: no rows add up to a published
    # total, so only primary suppression applies.
    return _with_intervals(table, "empty", "tools", unsuppressed, None)


def available_periods() -> list[int]:
    """Collection years with warehouse assessments or tools, latest first."""
    years = set(children.periods())
    years.update(period_of(d) for d in Tool.objects.values_list("work_date", flat=True))
    return sorted(years, reverse=True)
