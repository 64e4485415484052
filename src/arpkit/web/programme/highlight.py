"""The one-page programme highlight report, generated from the register.

What a board or forum needs on one page: each objective's RAG (the worst of its measures, so a
red measure is never averaged away), the measures with baseline, latest, trajectory and target,
open actions due soon or overdue, the highest-scored open risks, the next policy milestones, the
training-coverage headline and engagement follow-ups.  The same :class:`Report` renders as a
web page (``programme/highlight.html``, inside the service's layout) and as an A4 PDF through
WeasyPrint (``programme/highlight_print.html``, which carries its own print stylesheet because
it never goes to a browser under the CSP).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from arpkit.web.accounts.models import User
from arpkit.web.programme import rag, selectors
from arpkit.web.programme.models import LogEntry

#: RAG severity, worst first: an objective takes the worst of its measures' statuses.
_SEVERITY = [rag.Rag.RED, rag.Rag.AMBER, rag.Rag.GREEN, rag.Rag.NO_DATA, rag.Rag.NOT_SET]
SOON_DAYS = 30


@dataclass
class ObjectiveLine:
    title: str
    owner: str
    rag: rag.Rag
    measures: list[selectors.MeasureStatus]


@dataclass
class Report:
    as_of: dt.date
    objectives: list[ObjectiveLine] = field(default_factory=list)
    actions: list[LogEntry] = field(default_factory=list)
    overdue: set[int] = field(default_factory=set)
    risks: list[LogEntry] = field(default_factory=list)
    milestones: list[LogEntry] = field(default_factory=list)
    decisions: list[LogEntry] = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    engagements: int = 0
    coverage: object = None

    @property
    def rag_counts(self) -> list[tuple[rag.Rag, int]]:
        return [(r, sum(1 for o in self.objectives for m in o.measures
                        if m.assessment.rag is r)) for r in _SEVERITY]


def objective_rag(statuses: list[selectors.MeasureStatus]) -> rag.Rag:
    judged = [s.assessment.rag for s in statuses]
    for r in _SEVERITY:
        if r in judged:
            return r
    return rag.Rag.NO_DATA


def build(*, user: User, today: dt.date | None = None) -> Report:
    today = today or timezone.localdate()
    report = Report(as_of=today)
    for o in selectors.objectives(user=user):
        statuses = [selectors.status_of(m) for m in o.measures.all()]
        report.objectives.append(ObjectiveLine(o.title, o.owner.display_name if o.owner else "",
                                               objective_rag(statuses), statuses))
    soon = today + dt.timedelta(days=SOON_DAYS)
    open_entries = list(selectors.log_entries(user=user, open_only=True))
    report.actions = [e for e in open_entries if e.kind == LogEntry.Kind.ACTION
                      and e.due_date and e.due_date <= soon][:8]
    report.overdue = {e.pk for e in selectors.overdue(report.actions, today)}
    report.risks = sorted((e for e in open_entries if e.kind == LogEntry.Kind.RISK),
                          key=lambda e: -(e.risk_score or 0))[:5]
    report.milestones = [e for e in open_entries if e.kind == LogEntry.Kind.MILESTONE][:5]
    report.decisions = list(selectors.log_entries(user=user, kind=LogEntry.Kind.DECISION)
                            .filter(created_at__date__gte=today - dt.timedelta(days=90))
                            .order_by("-created_at"))[:5]
    recent = selectors.engagements(user=user).filter(date__gte=today - dt.timedelta(days=90))
    report.engagements = recent.count()
    report.follow_ups = list(selectors.engagements(user=user).filter(follow_up_done=False)
                             .exclude(follow_up="").order_by("follow_up_due"))[:5]
    report.coverage = _coverage(today)
    return report


def _coverage(today: dt.date):
    from arpkit.web.learning.coverage import coverage
    from arpkit.web.learning.models import CoverageTarget

    target = CoverageTarget.objects.filter(target_date__gte=today).first() or \
        CoverageTarget.objects.order_by("-target_date").first()
    return coverage(target, as_of=today) if target else None


def render_html(report: Report) -> str:
    """The standalone print HTML (with its stylesheet) that WeasyPrint lays out."""
    return render_to_string("programme/highlight_print.html", {"report": report})


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    from arpkit.reports.pdf import self_contained_fetcher

    return HTML(string=render_html(report), url_fetcher=self_contained_fetcher()).write_pdf()
