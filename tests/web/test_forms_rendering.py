"""Form fields render as the GOV.UK component that matches their widget."""

from __future__ import annotations

from django import forms

from arpkit.web.core.templatetags.arpkit_forms import govuk_field


class _Form(forms.Form):
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")],
                                     widget=forms.CheckboxSelectMultiple)
    one = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    pick = forms.ChoiceField(choices=[("a", "A")])
    text = forms.CharField(widget=forms.Textarea)
    name = forms.CharField(help_text="Your name")


def test_a_multiple_choice_field_renders_as_checkboxes_not_radios():
    assert govuk_field(_Form()["many"])["kind"] == "checkboxes"


def test_each_widget_gets_its_design_system_component():
    form = _Form()
    kinds = {name: govuk_field(form[name])["kind"] for name in ("one", "pick", "text", "name")}
    assert kinds == {"one": "radios", "pick": "select", "text": "textarea", "name": "input"}


def test_a_hint_is_tied_to_its_input_for_screen_readers():
    context = govuk_field(_Form()["name"])
    assert 'aria-describedby="id_name-hint"' in context["widget_html"]
