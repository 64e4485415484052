"""Forms of the reporting journey and of case handling (GOV.UK patterns, no autocomplete)."""

from __future__ import annotations

from django import forms

from arpkit.web.accounts.models import Team
from arpkit.web.speakup import receipts
from arpkit.web.speakup.choices import (
    NOT_SAID,
    NOT_SAID_LABEL,
    Category,
    FeltResolved,
    Outcome,
    Risk,
    Route,
    Source,
    Support,
)
from arpkit.web.speakup.services import Upload, check_attachment

NO_AUTOCOMPLETE = {"autocomplete": "off", "spellcheck": "false"}


def _textarea(rows: int = 6) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **NO_AUTOCOMPLETE})


def service_area_choices() -> list[tuple[str, str]]:
    services = sorted({s for s in Team.objects.values_list("service", flat=True) if s})
    return [*((s, s) for s in services), ("other", "Another service"),
            (NOT_SAID, NOT_SAID_LABEL)]


class AttachmentMixin:
    def clean_attachment(self) -> Upload | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        result = Upload(name=upload.name[:200], content_type=upload.content_type or "",
                        content=upload.read())
        check_attachment(result)
        return result


class ReportForm(AttachmentMixin, forms.Form):
    route = forms.ChoiceField(label="What would you like to tell us about?",
                              choices=Route.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(label="Who was it from, or about?", choices=Source.choices,
                               widget=forms.RadioSelect)
    service_area = forms.ChoiceField(label="Which service or team area was it in?",
                                     widget=forms.RadioSelect)
    happened_on = forms.DateField(
        label="When did it happen? (optional)", required=False,
        help_text="For example, 27 3 2025 as 2025-03-27. Leave blank if you would rather not "
                  "say, or describe it below.",
        widget=forms.DateInput(attrs={"type": "date", **NO_AUTOCOMPLETE}))
    what_happened = forms.CharField(
        label="What happened?", max_length=10000, widget=_textarea(8),
        help_text="Only include names if you are comfortable doing so. If you are reporting "
                  "anonymously, details such as dates and places can identify you.")
    impact = forms.CharField(label="How has it affected you or others? (optional)",
                             required=False, max_length=5000, widget=_textarea())
    desired_outcome = forms.CharField(label="What would you like to happen? (optional)",
                                      required=False, max_length=5000, widget=_textarea())
    support_wanted = forms.MultipleChoiceField(
        label="Would you like support? (optional)", required=False, choices=Support.choices,
        widget=forms.CheckboxSelectMultiple)
    attachment = forms.FileField(
        label="Add a file (optional)", required=False,
        help_text="PDF, PNG, JPEG, text or Word, up to 5 MB. Photos and documents can contain "
                  "hidden details (location, author, device); remove them first if you want to "
                  "stay anonymous.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_area"].choices = service_area_choices()


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label="Your 16-digit receipt code", max_length=40,
        help_text="You were shown this code when you sent your report.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", **NO_AUTOCOMPLETE}))

    def clean_code(self) -> str:
        code = receipts.normalise(self.cleaned_data["code"])
        if not receipts.looks_valid(code):
            raise forms.ValidationError("Enter the 16 digits of your receipt code")
        return code


class ReporterMessageForm(AttachmentMixin, forms.Form):
    body = forms.CharField(label="Add information or reply", max_length=10000,
                           widget=_textarea())
    attachment = ReportForm.base_fields["attachment"]


class ReporterFeedbackForm(forms.Form):
    felt_resolved = forms.ChoiceField(label="Do you feel your report was resolved?",
                                      choices=FeltResolved.choices, widget=forms.RadioSelect)


# --------------------------------------------------------------------------- officers


class AssignForm(forms.Form):
    officer = forms.ChoiceField(label="Assign to")

    def __init__(self, *args, officers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [(str(o.pk), o.display_name) for o in officers]


class AcknowledgeForm(forms.Form):
    message = forms.CharField(label="Message to the reporter (optional)", required=False,
                              max_length=5000, widget=_textarea(4))


class CategoriseForm(forms.Form):
    category = forms.ChoiceField(label="Category", choices=Category.choices,
                                 widget=forms.RadioSelect)
    labels = forms.CharField(label="Labels (optional)", required=False, max_length=300,
                             help_text="Separate labels with commas. Never use names.")

    def clean_labels(self) -> list[str]:
        return [x.strip()[:60] for x in self.cleaned_data["labels"].split(",") if x.strip()]


class RiskForm(forms.Form):
    risk = forms.ChoiceField(label="Risk to the reporter or others", choices=Risk.choices,
                             widget=forms.RadioSelect)
    note = forms.CharField(label="Why (optional)", required=False, max_length=5000,
                           widget=_textarea(3))


class MessageForm(forms.Form):
    body = forms.CharField(label="Message to the reporter", max_length=10000,
                           widget=_textarea(4))


class ActionForm(forms.Form):
    note = forms.CharField(label="Action taken", max_length=10000, widget=_textarea(4))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices,
                                widget=forms.RadioSelect)
    resolution = forms.CharField(label="How it was resolved", max_length=10000,
                                 widget=_textarea(4))


class OfficerFeedbackForm(forms.Form):
    felt_resolved = forms.ChoiceField(label="Did the reporter feel it was resolved?",
                                      choices=FeltResolved.choices, widget=forms.RadioSelect)


class DetrimentForm(forms.Form):
    flagged = forms.BooleanField(label="The reporter has suffered detriment for speaking up",
                                 required=False)
    note = forms.CharField(label="Details (optional)", required=False, max_length=5000,
                           widget=_textarea(3))
