from __future__ import annotations

import secrets

from django import forms

from arpkit.engine.counting import STAGE_SOURCES
from arpkit.engine.ethnicity import GROUP_LABELS, KNOWN_GROUPS
from arpkit.web.audits.models import (
    Allocation,
    AuditCase,
    GradeLevel,
    QuestionKind,
    Questionnaire,
    Theme,
)

STAGE_LABELS = {"contact": "Contact", "early_help": "Early help", "referral": "Referral",
                "assessment": "Assessment", "s47": "Section 47 enquiry",
                "cin": "Child in need", "cin_plan": "Child in need plan",
                "cp_plan": "Child protection plan", "cla": "Looked after"}


class RoundForm(forms.Form):
    name = forms.CharField(label="Name of the audit round", max_length=200)
    questionnaire = forms.ModelChoiceField(label="Questionnaire", empty_label=None,
                                           queryset=Questionnaire.objects.all())
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


class AuditForm(forms.Form):
    """Fields per question (``q<id>_choice``/``_scale``/``_text`` and ``q<id>_themes``), the
    difference made for the child, and the auditor's grade."""

    def __init__(self, *args, case: AuditCase, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        existing = {r.question_id: r for r in case.responses.prefetch_related("themes")}
        themes = Theme.objects.all()
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
                        widget=forms.RadioSelect, choices=[(i, str(i)) for i in range(1, 6)],
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
                names.append(f"q{q.pk}_themes")
                items.append({"question": q, "names": names})
            self.sections.append({"section": section, "items": items})
        self.fields["difference"] = forms.CharField(
            label="What difference did the work make for the child?", required=False,
            initial=case.difference_for_child, widget=forms.Textarea(attrs={"rows": 4}))
        self.fields["grade"] = forms.ModelChoiceField(
            label="Your grade for this case", required=False, widget=forms.RadioSelect,
            queryset=GradeLevel.objects.filter(scale=case.round.questionnaire.scale),
            initial=case.auditor_grade)

    def sections_with_fields(self):
        for s in self.sections:
            yield {"section": s["section"],
                   "items": [{"question": i["question"], "fields": [self[n] for n in i["names"]]}
                             for i in s["items"]]}

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
        self.fields["grade"].queryset = GradeLevel.objects.filter(
            scale=case.round.questionnaire.scale)
