"""Forms for courses, sessions, attendance, feedback and coverage targets (GOV.UK markup via
``{% govuk_field %}``)."""

from __future__ import annotations

from django import forms

from arpkit.web.accounts.models import Team, User
from arpkit.web.learning.models import Course

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]
DATE_HINT = "For example, 27/03/2026"


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, input_formats=DATE_FORMATS, help_text=DATE_HINT,
                           error_messages={"invalid": f"Enter {label.lower()} as a real date, "
                                                      "for example 27/03/2026"}, **kwargs)


def specific_errors(form: forms.Form) -> None:
    """GOV.UK error messages name the question ("Enter the title", "Select where its values
    come from"), so every link in the error summary is distinct and says what to do."""
    for field in form.fields.values():
        label = str(field.label or "this").rstrip("?").lower()
        choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
        upload = isinstance(field, forms.FileField)
        field.error_messages["required"] = (
            f"Select {label}" if choice else f"Choose the {label}" if upload
            else f"Enter {label}")


class GovukForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        specific_errors(self)


SCALE = [(str(i), label) for i, label in (
    (1, "1 - not at all confident"), (2, "2"), (3, "3"), (4, "4"), (5, "5 - very confident"))]


class CourseForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="What is it?", choices=Course.Kind.choices,
                             widget=forms.RadioSelect, initial=Course.Kind.COURSE)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    recurrence_weeks = forms.IntegerField(
        label="Weeks between sessions", min_value=1, max_value=52, initial=6,
        help_text="Learning spaces meet every six weeks unless you change it")
    sessions_to_complete = forms.IntegerField(
        label="Sessions to attend to complete it", min_value=1, max_value=20, initial=1)
    counts_for_coverage = forms.BooleanField(
        label="Completing it counts towards the training coverage target", required=False,
        initial=True)


class ScheduleForm(GovukForm):
    first_date = date_field("Date of the first session")
    start_time = forms.TimeField(label="Start time", input_formats=["%H:%M", "%H.%M"],
                                 help_text="24-hour clock, for example 09:30",
                                 error_messages={"invalid": "Enter a start time such as 09:30"})
    count = forms.IntegerField(label="Number of sessions", min_value=1, max_value=26, initial=1)
    every_weeks = forms.IntegerField(label="Weeks between sessions", min_value=1, max_value=52,
                                     required=False,
                                     help_text="Leave empty to use the course's setting")
    duration_minutes = forms.IntegerField(label="Length in minutes", min_value=15,
                                          max_value=480, initial=120)
    location = forms.CharField(label="Where", max_length=200, required=False)
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=500, initial=20)
    facilitators = forms.CharField(label="Facilitators' user names", required=False,
                                   help_text="Separate user names with commas")

    def clean_facilitators(self) -> list[User]:
        names = [n.strip() for n in self.cleaned_data["facilitators"].split(",") if n.strip()]
        found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise forms.ValidationError("No active user has the user name "
                                        + ", ".join(unknown))
        return [found[n] for n in dict.fromkeys(names)]


class AttendanceForm(GovukForm):
    attended = forms.MultipleChoiceField(label="Who attended?", required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="Leave a box empty for someone who did not "
                                                   "come")

    def __init__(self, *args, bookings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(str(b.user_id), b.user.display_name)
                                           for b in bookings]


class AttendanceUploadForm(GovukForm):
    file = forms.FileField(
        label="Attendance CSV file",
        help_text="Two columns with a header row: username, attended (yes or no)")


class FeedbackForm(GovukForm):
    confidence_before = forms.ChoiceField(
        label="Before the session, how confident were you to talk about race, ethnicity, "
              "culture and religion with children and families?",
        choices=SCALE, widget=forms.RadioSelect)
    confidence_after = forms.ChoiceField(label="How confident are you now?", choices=SCALE,
                                         widget=forms.RadioSelect)
    change_in_practice = forms.CharField(
        label="What will you change in your practice?", required=False,
        widget=forms.Textarea, max_length=2000,
        help_text="Only the facilitators and the programme lead read this, and only once at "
                  "least 5 people have answered. Do not name children, families or colleagues")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confidence_before"].error_messages["required"] = (
            "Select how confident you were before the session")
        self.fields["confidence_after"].error_messages["required"] = (
            "Select how confident you are now")


class TargetForm(GovukForm):
    title = forms.CharField(label="Name of the target", max_length=200,
                            initial="All children and families staff trained")
    service = forms.ChoiceField(label="Directorate", required=False)
    target_percent = forms.IntegerField(label="Share of staff to have completed (%)",
                                        min_value=1, max_value=100, initial=100)
    start_date = date_field("Start date")
    target_date = date_field("Target date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        services = sorted(set(Team.objects.exclude(service="").values_list("service",
                                                                            flat=True)))
        self.fields["service"].choices = [("", "Every team"), *((s, s) for s in services)]

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("target_date") and \
                data["target_date"] <= data["start_date"]:
            self.add_error("target_date", "The target date must be after the start date")
        return data
