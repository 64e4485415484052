from __future__ import annotations

from django import forms

from arpkit.web.accounts.models import Team, User
from arpkit.web.thinking_tool.models import CODE_CHOICES, Prompt, WorkKind


class StartForm(forms.Form):
    child_id = forms.CharField(
        label="Child\u2019s ID on the case record (LAchildID)", max_length=40,
        help_text="It is pseudonymised as soon as you continue and is never stored",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    work_kind = forms.ChoiceField(label="What is this tool for?", choices=WorkKind.choices,
                                  widget=forms.RadioSelect)
    work_date = forms.DateField(label="Start date of the assessment, plan or review",
                                help_text="For example, 2025-01-31",
                                widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ModelChoiceField(label="Your team", queryset=Team.objects.none(),
                                  empty_label=None)
    ethnicity_code = forms.ChoiceField(
        label="Child\u2019s ethnicity from the case record (if the child is not in the "
              "warehouse yet)", required=False,
        choices=[("", "Use the warehouse record"), *CODE_CHOICES],
        help_text="Only used when the statutory returns do not list the child yet")

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(memberships__user=user)

    def clean_child_id(self) -> str:
        from arpkit.web.thinking_tool.children import clean_child_id

        try:
            return clean_child_id(self.cleaned_data["child_id"])
        except ValueError as exc:
            raise forms.ValidationError(f"Enter the child\u2019s ID: it {exc}") from exc


class FindChildForm(forms.Form):
    child_id = forms.CharField(
        label="Child\u2019s ID on the case record (LAchildID)", max_length=40,
        help_text="It is pseudonymised at once and never stored",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class AnswersForm(forms.Form):
    """One voice and one reflection field per active prompt (voice only where asked)."""

    def __init__(self, *args, prompts: list[Prompt], initial_answers: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prompts = prompts
        for prompt in prompts:
            voice, reflection = initial_answers.get(prompt.pk, ("", ""))
            if prompt.asks_voice:
                self.fields[f"voice_{prompt.pk}"] = forms.CharField(
                    label="What the child and family said", required=False, initial=voice,
                    widget=forms.Textarea(attrs={"rows": 3}))
            self.fields[f"reflection_{prompt.pk}"] = forms.CharField(
                label="Your analysis and reflection", required=False, initial=reflection,
                widget=forms.Textarea(attrs={"rows": 3}))

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {p.pk: (data.get(f"voice_{p.pk}", ""), data.get(f"reflection_{p.pk}", ""))
                for p in self.prompts}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[
        ("sign_off", "Sign off"), ("return", "Return to the practitioner with comments")])
    comment = forms.CharField(label="Comments for the practitioner", required=False,
                              help_text="Required when you return the tool",
                              widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say what the practitioner should change")
        return data


class PromptForm(forms.Form):
    text = forms.CharField(label="Prompt", widget=forms.Textarea(attrs={"rows": 3}))
    guidance = forms.CharField(label="Guidance for practitioners", required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label="Source", required=False, max_length=300)
    active = forms.BooleanField(label="Ask this prompt on new and draft tools", required=False)


class PeriodForm(forms.Form):
    period = forms.TypedChoiceField(label="Collection year (ending 31 March)", coerce=int,
                                    choices=())

    def __init__(self, *args, periods: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p, f"{p - 1} to {p}") for p in periods]
