from __future__ import annotations

import secrets

from django import forms
from django.db.models import Q

from arpkit.engine.counting import STAGE_SOURCES
from arpkit.engine.ethnicity import GROUP_LABELS, KNOWN_GROUPS
from arpkit.web.audits import selectors
from arpkit.web.audits.models import (
    Allocation,
    AuditCase,
    GradeLevel,
    QuestionKind,
    SectionGrade,
    Theme,
)

STAGE_LABELS = {"contact": "Contact", "early_help": "Early help", "referral": "Referral",
                "assessment": "Assessment", "s47": "Section 47 enquiry",
                "cin": "Child in need", "cin_plan": "Child in need plan",
                "cp_plan": "Child protection plan", "cla": "Looked after"}


class RoundForm(forms.Form):
    name = forms.CharField(label="Name of the audit round", max_length=200)
    questionnaire = forms.ModelChoiceField(
        label="Questionnaire", empty_label=None, queryset=None,
        help_text="The round keeps this version, even after the questionnaire is changed")
    scale = forms.ModelChoiceField(
        label="Grading scale", empty_label=None, queryset=None,
        help_text="The round keeps this version, even after the scale is changed")
    stages = forms.MultipleChoiceField(label="Stages to sample from",
                                       widget=forms.CheckboxSelectMultiple,
                                       choices=[(s, STAGE_LABELS[s]) for s in STAGE_SOURCES])
    period = forms.IntegerField(label="Collection year (the year ending 31 March)",
                                min_value=2000, max_value=2100,
                                help_text="For example, 2025 for April 2024 to March 2025")
    allocation = forms.ChoiceField(label="How to share the sample between ethnic groups",
                                   choices=Allocation.choices, widget=forms.RadioSelect)
    size = forms.IntegerField(label="Number of cases", min_value=1, max_value=2000)
    min_per_stratum = forms.IntegerField(label="At least this many from each group",
                                         min_value=0, initial=0, required=False)
    seed = forms.IntegerField(label="Random seed", min_value=0, required=False,
                              help_text="Leave blank for a new random seed. The same seed "
                                        "always draws the same sample")
    reference_group = forms.ChoiceField(label="Reference group for disparity ratios",
                                        choices=[(g, GROUP_LABELS[g]) for g in KNOWN_GROUPS])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only published versions can be used, the most recently published first (the default).
        for name, queryset in (("questionnaire", selectors.published_questionnaires()),
                               ("scale", selectors.published_scales())):
            self.fields[name].queryset = queryset
            self.fields[name].initial = queryset.first()

    def clean_seed(self) -> int:
        seed = self.cleaned_data.get("seed")
        return secrets.randbelow(2**31) if seed is None else seed


class AssignForm(forms.Form):
    auditor = forms.ModelChoiceField(label="Auditor", queryset=None)
    moderator = forms.ModelChoiceField(label="Moderator", queryset=None)

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = people
        self.fields["moderator"].queryset = people
        for f in self.fields.values():
            f.label_from_instance = lambda u: u.display_name


def _theme_label(theme: Theme) -> str:
    return f"{theme.label} (retired)" if theme.retired_at else theme.label


def _grades(case: AuditCase):
    return GradeLevel.objects.filter(scale=case.round.scale)


class AuditForm(forms.Form):
    """Fields per question (``q<id>_choice``/``_scale``/``_text`` and ``q<id>_themes``), a
    grade and analysis per section (``s<id>_grade``, ``s<id>_analysis``), the difference made
    for the child, and the auditor's grade for the case."""

    def __init__(self, *args, case: AuditCase, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        existing = {r.question_id: r for r in case.responses.prefetch_related("themes")}
        graded = {sg.section_id: sg for sg in case.section_grades.all()}
        # Retired themes are offered only where this case's comments already carry them.
        themes = Theme.objects.filter(Q(retired_at__isnull=True)
                                      | Q(responses__case=case)).distinct()
        self.sections = []
        for section in case.round.questionnaire.sections.prefetch_related("questions"):
            items = []
            for q in section.questions.all():
                r = existing.get(q.pk)
                names = []
                if q.kind == QuestionKind.YES_NO_PARTLY:
                    self.fields[f"q{q.pk}_choice"] = forms.ChoiceField(
                        label=q.text, required=False, widget=forms.RadioSelect,
                        choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")],
                        initial=r.choice if r else None)
                    names.append(f"q{q.pk}_choice")
                    self.fields[f"q{q.pk}_text"] = forms.CharField(
                        label="Comment", required=False, initial=r.text if r else "",
                        widget=forms.Textarea(attrs={"rows": 2}))
                    names.append(f"q{q.pk}_text")
                elif q.kind == QuestionKind.SCALE:
                    self.fields[f"q{q.pk}_scale"] = forms.TypedChoiceField(
                        label=q.text, required=False, coerce=int, empty_value=None,
                        widget=forms.RadioSelect, choices=q.scale_choices(),
                        initial=r.scale_value if r else None)
                    names.append(f"q{q.pk}_scale")
                else:
                    self.fields[f"q{q.pk}_text"] = forms.CharField(
                        label=q.text, required=False, initial=r.text if r else "",
                        widget=forms.Textarea(attrs={"rows": 4}))
                    names.append(f"q{q.pk}_text")
                self.fields[f"q{q.pk}_themes"] = forms.ModelMultipleChoiceField(
                    label="Themes in this comment", required=False, queryset=themes,
                    widget=forms.CheckboxSelectMultiple,
                    initial=list(r.themes.all()) if r else [])
                self.fields[f"q{q.pk}_themes"].label_from_instance = _theme_label
                names.append(f"q{q.pk}_themes")
                items.append({"question": q, "names": names})
            sg = graded.get(section.pk)
            self.fields[f"s{section.pk}_grade"] = forms.ModelChoiceField(
                label=f"Your grade for \u2018{section.title}\u2019", required=False,
                widget=forms.RadioSelect, queryset=_grades(case),
                initial=sg.auditor_grade if sg else None)
            self.fields[f"s{section.pk}_analysis"] = forms.CharField(
                label="Why this grade?", required=False,
                initial=sg.analysis if sg else "",
                help_text="What in the case file led you to this grade",
                widget=forms.Textarea(attrs={"rows": 3}))
            self.sections.append({"section": section, "items": items,
                                  "grade": [f"s{section.pk}_grade", f"s{section.pk}_analysis"]})
        self.fields["difference"] = forms.CharField(
            label="What difference did the work make for the child?", required=False,
            initial=case.difference_for_child, widget=forms.Textarea(attrs={"rows": 4}))
        self.fields["grade"] = forms.ModelChoiceField(
            label="Your grade for this case", required=False, widget=forms.RadioSelect,
            queryset=_grades(case), initial=case.auditor_grade)

    def sections_with_fields(self):
        for s in self.sections:
            yield {"section": s["section"],
                   "items": [{"question": i["question"], "fields": [self[n] for n in i["names"]]}
                             for i in s["items"]],
                   "grade_fields": [self[n] for n in s["grade"]]}

    def section_grades(self) -> dict[int, dict]:
        """``{section id: {"grade", "analysis"}}`` for :func:`services.case_save`."""
        d = self.cleaned_data
        return {s["section"].pk: {"grade": d.get(f"s{s['section'].pk}_grade"),
                                  "analysis": d.get(f"s{s['section'].pk}_analysis") or ""}
                for s in self.sections}

    def answers(self) -> dict[int, dict]:
        d = self.cleaned_data
        out = {}
        for s in self.sections:
            for i in s["items"]:
                q = i["question"]
                out[q.pk] = {"choice": d.get(f"q{q.pk}_choice") or "",
                             "scale_value": d.get(f"q{q.pk}_scale"),
                             "text": d.get(f"q{q.pk}_text") or "",
                             "themes": [t.pk for t in d.get(f"q{q.pk}_themes") or []]}
        return out


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[
        ("agree", "Agree the auditor\u2019s grade"), ("change", "Change the grade")])
    grade = forms.ModelChoiceField(label="Grade (if you change it)", required=False,
                                   queryset=None, widget=forms.RadioSelect)
    reason = forms.CharField(label="Reason for changing the grade", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case: AuditCase, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = _grades(case)
        # Each section the auditor graded: its final grade (the auditor's unless changed)
        # and, if changed, why.
        self.section_rows = []
        graded = (SectionGrade.objects.filter(case=case, auditor_grade__isnull=False)
                  .select_related("section", "auditor_grade"))
        for sg in graded:
            grade, reason = f"s{sg.section_id}_grade", f"s{sg.section_id}_reason"
            self.fields[grade] = forms.ModelChoiceField(
                label=f"Final grade for \u2018{sg.section.title}\u2019", required=False,
                widget=forms.RadioSelect, queryset=_grades(case), initial=sg.auditor_grade,
                help_text="The auditor\u2019s grade is chosen: leave it to agree")
            self.fields[reason] = forms.CharField(
                label="If you change it, why?", required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
            self.section_rows.append({"grade": sg, "names": (grade, reason)})

    def sections_with_fields(self):
        for row in self.section_rows:
            yield {"grade": row["grade"], "fields": [self[n] for n in row["names"]]}

    def section_decisions(self) -> dict[int, dict]:
        """``{section id: {"grade", "reason"}}`` for :func:`services.case_moderate`."""
        d = self.cleaned_data
        return {row["grade"].section_id: {"grade": d.get(row["names"][0]),
                                          "reason": d.get(row["names"][1]) or ""}
                for row in self.section_rows}


class EscalationForm(forms.Form):
    """Both answers are required by :func:`services.escalation_close`, which says so."""

    escalated_to = forms.CharField(
        label="Who was the case escalated to?", max_length=200, required=False,
        help_text="Their role and team, for example the team manager of the North CIN team")
    action = forms.CharField(label="What action was agreed?", required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))


# Configuration ----------------------------------------------------------------------------------

class NameForm(forms.Form):
    """Starting a new questionnaire or grading scale."""

    name = forms.CharField(label="Name", max_length=200)


class SectionForm(forms.Form):
    title = forms.CharField(label="Section title", max_length=200)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label="Type of answer", widget=forms.RadioSelect,
                             choices=QuestionKind.choices)
    scale_min = forms.IntegerField(label="Lowest number (scale questions)", min_value=0,
                                   max_value=100, initial=1, required=False)
    scale_min_label = forms.CharField(label="What the lowest number means (scale questions)",
                                      max_length=60, required=False,
                                      help_text="For example, Poor")
    scale_max = forms.IntegerField(label="Highest number (scale questions)", min_value=1,
                                   max_value=100, initial=5, required=False)
    scale_max_label = forms.CharField(label="What the highest number means (scale questions)",
                                      max_length=60, required=False,
                                      help_text="For example, Excellent")


class LevelForm(forms.Form):
    label = forms.CharField(label="Grade", max_length=100)
    descriptor = forms.CharField(label="Description", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text="What practice at this grade looks like")
    good_or_better = forms.BooleanField(
        label="Counts as good or better in the findings", required=False)


class ThemeForm(forms.Form):
    label = forms.CharField(label="New theme", max_length=200)
