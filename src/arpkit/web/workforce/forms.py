"""The HR extract upload form: the YAML mapping and one CSV per kind of file."""

from __future__ import annotations

from django import forms
from django.conf import settings

from arpkit.engine.readers.hr_extract import KINDS
from arpkit.web.learning.forms import GovukForm, specific_errors

KIND_LABELS = {"staff": "Staff in post (required)", "recruitment": "Recruitment",
               "disciplinary": "Disciplinary cases", "grievances": "Grievances",
               "training": "Training attendance", "population": "Comparison population"}
MAX_BYTES = 50 * 1024 * 1024


class HRImportForm(GovukForm):
    la_code = forms.CharField(label="Local authority code", max_length=10,
                              help_text="The three-digit DfE code, for example 999")
    mapping = forms.FileField(label="Mapping file (YAML)",
                              help_text="Says which column of each CSV is which field")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["la_code"].initial = getattr(settings, "ARPKIT_LA_CODE", "")
        for kind in KINDS:
            self.fields[kind] = forms.FileField(label=KIND_LABELS[kind], required=kind == "staff",
                                                help_text="A CSV file")
        specific_errors(self)

    def clean(self):
        data = super().clean()
        for name, f in list(data.items()):
            if hasattr(f, "size") and f.size > MAX_BYTES:
                self.add_error(name, "The file is larger than 50 MB")
        mapping = data.get("mapping")
        if mapping and not mapping.name.lower().endswith((".yml", ".yaml")):
            self.add_error("mapping", "The mapping file must be a .yml or .yaml file")
        for kind in KINDS:
            f = data.get(kind)
            if f and not f.name.lower().endswith(".csv"):
                self.add_error(kind, "The file must be a CSV file (.csv)")
        return data

    def files_by_kind(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in KINDS if self.cleaned_data.get(k)}
