"""Training coverage: who has completed anti-racist practice training, against a target.

A person has *completed* when they have attended ``sessions_to_complete`` sessions of any course
that counts for coverage; their completion date is the day of the session that got them there.
Coverage at a date is the share of staff in scope (active people with a team membership, in the
target's directorate when it names one) whose completion date is on or before it.  A person in
two teams counts in both teams' rows; by role, in each role they hold.

The *trajectory* is the straight line from the coverage on the target's start date to the target
share on the target date; the actual line is coverage at each month end up to today.  Scope is
today's staff list (account memberships carry no history), so past points describe how today's
staff got trained, not the staff list of the time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from arpkit.web.accounts.models import TeamMembership
from arpkit.web.core.permissions import ROLE_LABELS, Role
from arpkit.web.learning.models import Booking, CoverageTarget

NO_SERVICE = "Directorate not recorded"
NO_ROLE = "No role"


@dataclass(frozen=True)
class Row:
    label: str
    staff: int
    completed: int

    @property
    def share(self) -> float | None:
        return self.completed / self.staff if self.staff else None


@dataclass
class Coverage:
    target: CoverageTarget
    as_of: dt.date
    staff: int
    completed: int
    by_team: list[Row] = field(default_factory=list)
    by_role: list[Row] = field(default_factory=list)
    by_service: list[Row] = field(default_factory=list)
    trajectory: list[dict] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.completed / self.staff if self.staff else None

    @property
    def planned_share(self) -> float | None:
        return planned_share(self.trajectory, self.as_of)

    @property
    def on_track(self) -> bool | None:
        plan = self.planned_share
        return None if plan is None or self.share is None else self.share >= plan


def completion_dates(user_ids: set[int] | None = None) -> dict[int, dt.date]:
    """Each person's completion date (first course that counts for coverage completed)."""
    qs = Booking.objects.filter(attended=True, session__course__counts_for_coverage=True,
                                session__cancelled=False)
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    days: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    need: dict[int, int] = {}
    for user_id, course_id, starts_at, required in qs.values_list(
            "user_id", "session__course_id", "session__starts_at",
            "session__course__sessions_to_complete"):
        days[(user_id, course_id)].append(timezone.localdate(starts_at))
        need[course_id] = required
    done: dict[int, dt.date] = {}
    for (user_id, course_id), dates in days.items():
        dates.sort()
        if len(dates) >= need[course_id]:
            when = dates[need[course_id] - 1]
            if user_id not in done or when < done[user_id]:
                done[user_id] = when
    return done


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    while True:
        last = dt.date(y, m, calendar.monthrange(y, m)[1])
        if last > end:
            break
        out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def planned_share(trajectory: list[dict], day: dt.date) -> float | None:
    """The straight-line plan on ``day`` (interpolated between the trajectory's end points)."""
    if not trajectory:
        return None
    first, last = trajectory[0], trajectory[-1]
    (d0, p0), (d1, p1) = (first["date"], first["planned"]), (last["date"], last["planned"])
    if day <= d0 or d1 <= d0:
        return p0
    if day >= d1:
        return p1
    return p0 + (p1 - p0) * (day - d0).days / (d1 - d0).days


def coverage(target: CoverageTarget, *, team_codes: list[str] | None = None,
             as_of: dt.date | None = None) -> Coverage:
    """Coverage for a target, limited to ``team_codes`` (a manager's teams) when given."""
    as_of = as_of or timezone.localdate()
    memberships = TeamMembership.objects.filter(user__is_active=True).select_related("team")
    if target.service:
        memberships = memberships.filter(team__service=target.service)
    if team_codes is not None:
        memberships = memberships.filter(team__code__in=team_codes)
    teams: dict[int, set[str]] = defaultdict(set)
    services: dict[int, set[str]] = defaultdict(set)
    for m in memberships:
        teams[m.user_id].add(m.team.name)
        services[m.user_id].add(m.team.service or NO_SERVICE)
    people = set(teams)
    done = {u: d for u, d in completion_dates(people).items() if d <= as_of}
    roles: dict[int, set[str]] = defaultdict(set)
    from arpkit.web.accounts.models import RoleAssignment

    for user_id, role in RoleAssignment.objects.filter(user_id__in=people).values_list(
            "user_id", "role"):
        roles[user_id].add(ROLE_LABELS[Role(role)])

    def rows(groups: dict[int, set[str]], default: str) -> list[Row]:
        staff: dict[str, int] = defaultdict(int)
        completed: dict[str, int] = defaultdict(int)
        for person in people:
            for label in groups.get(person) or {default}:
                staff[label] += 1
                completed[label] += person in done
        return [Row(label, staff[label], completed[label]) for label in sorted(staff)]

    result = Coverage(target, as_of, len(people), len(done), rows(teams, ""),
                      rows(roles, NO_ROLE), rows(services, NO_SERVICE))
    result.trajectory = trajectory(target, people, done, as_of)
    return result


def trajectory(target: CoverageTarget, people: set[int], done: dict[int, dt.date],
               as_of: dt.date) -> list[dict]:
    """Month-end points from the start date to the target date (and to today if later):
    the planned straight line, and the actual coverage for dates up to ``as_of``."""
    start, end = target.start_date, target.target_date
    if end <= start:
        return []
    staff = len(people)

    def actual(day: dt.date) -> float | None:
        return sum(1 for d in done.values() if d <= day) / staff if staff else None

    base = actual(start) or 0.0
    goal = float(target.target_share)
    points = [start, *_month_ends(start, max(end, as_of)), end]
    if start <= as_of <= max(end, as_of):
        points.append(as_of)
    out = []
    for day in sorted(set(points)):
        frac = min(max((day - start).days / (end - start).days, 0.0), 1.0)
        out.append({"date": day, "planned": base + (goal - base) * frac,
                    "actual": actual(day) if day <= as_of else None})
    return out
