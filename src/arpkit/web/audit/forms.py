from django import forms

from arpkit.web.audit.actions import ACTIONS


def _action_choices() -> list[tuple[str, str]]:
    return [("", "Any action"), *sorted((k, f"{v} ({k})") for k, v in ACTIONS.items())]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="User name", required=False, max_length=150)
    action = forms.ChoiceField(label="Action", required=False, choices=_action_choices)
    object_type = forms.CharField(label="Record type", required=False, max_length=80,
                                  help_text="For example speakup.report")
    object_id = forms.CharField(label="Record id", required=False, max_length=80)
    date_from = forms.DateField(label="From (YYYY-MM-DD)", required=False)
    date_to = forms.DateField(label="To (YYYY-MM-DD)", required=False)
