"""The dashboards' filter form: period, stage, basis, breakdown, measure, decision point, team.

One GET form class serves every page; each page lists the fields it uses. Choices come from the
cached tables (periods present, teams the user may see), so a filter can only ask for something
that exists. An unknown value is reported in the error summary and the default is shown.
"""

from __future__ import annotations

from typing import Any

from django import forms

from arpkit.engine.metrics import STAGES
from arpkit.reports import labels as lab
from arpkit.web.dashboards.pages import (
    BREAKDOWNS,
    ETHNIC_BREAKDOWNS,
    FUNNEL_CHOICES,
    TREND_MEASURES,
)

#: The fields each page shows, in order.
PAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "disproportionality": ("period", "stage", "basis", "breakdown", "team"),
    "pathway": ("period",),
    "quality": ("period",),
    "trends": ("measure", "stage", "basis", "breakdown"),
    "teams": ("period", "funnel", "team"),
}
DEFAULTS: dict[str, str] = {"stage": "cla", "basis": "at_31_march",
                            "breakdown": "ethnicity_group", "measure": "rate_per_10k",
                            "funnel": "referral>assessment", "team": ""}


class FilterForm(forms.Form):
    period = forms.TypedChoiceField(label="Year", coerce=int)
    stage = forms.ChoiceField(label="Stage", choices=[(s, lab.STAGE_LABELS[s]) for s in STAGES])
    basis = forms.ChoiceField(label="Counted", choices=[
        ("at_31_march", "Open at 31 March"), ("in_year", "During the year")])
    breakdown = forms.ChoiceField(label="Breakdown", choices=list(BREAKDOWNS.items()))
    measure = forms.ChoiceField(label="Measure", choices=list(TREND_MEASURES.items()))
    funnel = forms.ChoiceField(label="Compare teams on", choices=list(FUNNEL_CHOICES.items()))
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, data: Any, *, page: str, periods: list[int], teams: list[str]) -> None:
        wanted = PAGE_FIELDS[page]
        self.defaults: dict[str, Any] = {k: v for k, v in DEFAULTS.items() if k in wanted}
        if "period" in wanted:
            self.defaults["period"] = max(periods) if periods else None
        submitted = {k: v for k, v in data.items() if k in wanted} if data else {}
        # Fields left out of the query keep their defaults, so a partly filled query still
        # shows every select at the value actually applied.
        bound = {**{k: "" if v is None else str(v) for k, v in self.defaults.items()},
                 **submitted} if submitted else None
        super().__init__(bound, initial=self.defaults)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "period" in self.fields:
            self.fields["period"].choices = [(p, lab.period_label(p))
                                             for p in sorted(periods, reverse=True)]
        if "breakdown" in self.fields and page == "trends":
            self.fields["breakdown"].choices = list(ETHNIC_BREAKDOWNS.items())
        if "team" in self.fields:
            self.fields["team"].choices = [("", "All teams you can see")] + [(t, t)
                                                                               for t in teams]
            if page == "disproportionality":
                self.fields["team"].help_text = "Applies when the breakdown is by team."

    def filters(self) -> dict[str, Any]:
        """The filters to apply: the valid submitted values over the defaults."""
        chosen = dict(self.defaults)
        if self.is_bound and not self.is_valid():
            chosen.update({k: v for k, v in self.cleaned_data.items() if v not in (None, "")})
            # Show the value actually applied in place of the rejected one (the error stays).
            data = self.data.copy()
            for name in self.errors:
                if name in self.fields:
                    data[name] = "" if chosen.get(name) is None else str(chosen[name])
            self.data = data
        elif self.is_bound:
            chosen.update({k: v for k, v in self.cleaned_data.items()
                           if v not in (None,) and (v != "" or k == "team")})
        return chosen
