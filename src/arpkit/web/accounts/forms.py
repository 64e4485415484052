from django import forms
from django.contrib.auth.forms import AuthenticationForm

from arpkit.web.accounts.models import ROLE_CHOICES, Team, User


class SignInForm(AuthenticationForm):
    username = forms.CharField(label="User name", max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username",
                                                             "spellcheck": "false"}))
    password = forms.CharField(label="Password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "inactive": "This account has been switched off.",
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app", min_length=6, max_length=6,
        help_text="The 6-digit code, for example 123456",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "spellcheck": "false"}))

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("Enter the 6-digit code, numbers only")
        return token


class UserForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="Email address", required=False)
    roles = forms.MultipleChoiceField(label="Roles", choices=ROLE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    teams = forms.ModelMultipleChoiceField(label="Teams", queryset=Team.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    manages_teams = forms.BooleanField(label="Manages these teams", required=False)

    def __init__(self, *args, editing: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["teams"].queryset = Team.objects.all()
        if editing is not None:
            self.fields["username"].disabled = True

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        if self.editing is None and User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("A user with that user name already exists")
        return name
