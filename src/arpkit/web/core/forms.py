"""Form helpers shared by every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where it names one.

    Services raise ValidationError for business-rule failures (HackSoft styleguide); the view
    puts them where the GOV.UK error summary and the field's error message will show them.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
