"""The upload form: several files at once, and an authority code for files that carry none."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from arpkit.web.imports.storage import safe_name

MAX_FILES = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:  # nothing chosen: the required-field error
                return single(None, initial)
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else single(data, initial)


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Files to import",
        help_text="Choose every file of the import at once: the CIN census XML, the SSDA903 "
                  "CSV tables, the Annex A workbook, population CSVs or a mapped case-system "
                  "extract. Everything is imported together, or nothing is.",
        error_messages={"required": "Choose at least one file to import"})
    la_code = forms.CharField(
        label="Authority code (optional)", required=False, max_length=9,
        help_text="The three-digit DfE LA number, needed only when no CIN census of the same "
                  "authority is in the import and the files do not name the authority.")

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise ValidationError(f"Choose {MAX_FILES} files or fewer")
        names = [safe_name(f.name) for f in files]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValidationError(f"Two files are called {dupes[0]}: rename one and try again")
        empty = [f.name for f in files if f.size == 0]
        if empty:
            raise ValidationError(f"{empty[0]} is empty")
        return files

    def clean_la_code(self):
        code = self.cleaned_data["la_code"].strip()
        if code and not code.isalnum():
            raise ValidationError("Enter the authority code as letters and numbers only, "
                                  "for example 999")
        return code
