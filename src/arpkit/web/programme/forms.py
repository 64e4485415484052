"""Forms for the benefits register, the governance log and the engagement log."""

from __future__ import annotations

from django import forms

from arpkit.web.accounts.models import User
from arpkit.web.learning.forms import GovukForm, date_field
from arpkit.web.programme import sources
from arpkit.web.programme.models import Engagement, LogEntry, Measure, Objective


class PersonField(forms.ModelChoiceField):
    def __init__(self, label: str, **kwargs):
        super().__init__(queryset=User.objects.filter(is_active=True), required=False,
                         label=label, empty_label="No one yet", **kwargs)

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class ObjectiveForm(GovukForm):
    owner = PersonField("Owner")
    review_date = date_field("Review date", required=False)


class MeasureForm(GovukForm):
    title = forms.CharField(label="Measure", max_length=300)
    kind = forms.ChoiceField(label="Where do its values come from?",
                             choices=Measure.Kind.choices, widget=forms.RadioSelect,
                             initial=Measure.Kind.MANUAL)
    source_key = forms.ChoiceField(label="Computed from", required=False,
                                   help_text="For measures computed from arpkit's data")
    unit = forms.CharField(label="Unit", max_length=60, required=False,
                           help_text="For example: ratio, %, days")
    direction = forms.ChoiceField(label="Which way is better?",
                                  choices=Measure.Direction.choices, widget=forms.RadioSelect)
    baseline_value = forms.FloatField(label="Baseline value", required=False)
    baseline_date = date_field("Baseline date", required=False)
    target_value = forms.FloatField(label="Target value", required=False)
    target_date = date_field("Target date", required=False)
    tolerance = forms.FloatField(
        label="Amber tolerance", min_value=0, max_value=1, initial=0.1,
        help_text="How far behind the trajectory is still amber, as a share of the whole "
                  "change from baseline to target (0.1 is 10%)")
    owner = PersonField("Owner")
    review_date = date_field("Review date", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_key"].choices = [("", "Not computed"), *sources.choices()]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Measure.Kind.LINKED and not data.get("source_key"):
            self.add_error("source_key", "Choose what the measure is computed from")
        if data.get("kind") == Measure.Kind.MANUAL:
            data["source_key"] = ""
        if data.get("baseline_date") and data.get("target_date") and \
                data["target_date"] <= data["baseline_date"]:
            self.add_error("target_date", "The target date must be after the baseline date")
        return data


class ObservationForm(GovukForm):
    date = date_field("Date the value applies to")
    value = forms.FloatField(label="Value")
    evidence = forms.CharField(label="Evidence", widget=forms.Textarea,
                               help_text="Where the value comes from, so it can be checked. "
                                         "Do not name children, families or staff")


class LogEntryForm(GovukForm):
    kind = forms.ChoiceField(label="Type", choices=LogEntry.Kind.choices,
                             widget=forms.RadioSelect)
    title = forms.CharField(label="Title", max_length=300)
    detail = forms.CharField(label="Detail", required=False, widget=forms.Textarea)
    objective = forms.ModelChoiceField(queryset=Objective.objects.all(), required=False,
                                       label="Objective", empty_label="Whole programme")
    owner = PersonField("Owner")
    due_date = date_field("Due date", required=False)
    status = forms.ChoiceField(label="Status", choices=LogEntry.Status.choices)
    likelihood = forms.TypedChoiceField(
        label="Likelihood (risks only)", required=False, coerce=int, empty_value=None,
        choices=[("", "Not a risk"), *((str(i), str(i)) for i in range(1, 6))])
    impact = forms.TypedChoiceField(
        label="Impact (risks only)", required=False, coerce=int, empty_value=None,
        choices=[("", "Not a risk"), *((str(i), str(i)) for i in range(1, 6))])

    def clean(self):
        data = super().clean()
        if data.get("kind") == LogEntry.Kind.RISK:
            for name in ("likelihood", "impact"):
                if not data.get(name):
                    self.add_error(name, f"Give the risk's {name} from 1 to 5")
        else:
            data["likelihood"] = data["impact"] = None
        return data


class EngagementForm(GovukForm):
    date = date_field("Date")
    forum = forms.ChoiceField(label="Forum", choices=Engagement.Forum.choices)
    partners = forms.CharField(label="Partners", max_length=300,
                               help_text="Organisations, not people's names")
    summary = forms.CharField(label="What was shared or agreed", widget=forms.Textarea)
    follow_up = forms.CharField(label="Follow-up", required=False, widget=forms.Textarea)
    follow_up_owner = PersonField("Follow-up owner")
    follow_up_due = date_field("Follow-up due", required=False)
    follow_up_done = forms.BooleanField(label="Follow-up done", required=False)
