"""Render Django form fields with GOV.UK Frontend markup (labels, hints, error messages).

One tag, ``{% govuk_field form.name %}``, picks the design-system component from the widget,
so every form in arpkit gets the same accessible pattern: a label tied to its input, the hint
and error referenced by ``aria-describedby``, and the error styling.
"""

from __future__ import annotations

from django import forms, template

register = template.Library()


def _kind(widget: forms.Widget) -> str:
    # CheckboxSelectMultiple subclasses RadioSelect in Django, so it must be tested first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    return "input"


@register.inclusion_tag("core/includes/field.html")
def govuk_field(field: forms.BoundField, label_size: str = "s", width: str = "") -> dict:
    widget = field.field.widget
    kind = _kind(widget)
    describedby = []
    if field.help_text:
        describedby.append(f"{field.auto_id}-hint")
    if field.errors:
        describedby.append(f"{field.auto_id}-error")
    attrs = {"aria-describedby": " ".join(describedby)} if describedby else {}
    css = {
        "input": "govuk-input" + (f" govuk-input--width-{width}" if width else ""),
        "textarea": "govuk-textarea",
        "select": "govuk-select",
        "file": "govuk-file-upload",
    }.get(kind)
    if css:
        if field.errors:
            css += f" {css.split()[0]}--error"
        attrs["class"] = css
    if kind in ("radios", "checkboxes"):
        attrs["class"] = f"govuk-{kind}__input"
    if kind == "checkbox":
        attrs["class"] = "govuk-checkboxes__input"
    options = []
    if kind in ("radios", "checkboxes"):
        for index, sub in enumerate(field.subwidgets):
            options.append({
                "id": f"{field.auto_id}-{index}" if index else field.auto_id,
                "value": sub.data["value"],
                "label": sub.choice_label,
                "checked": sub.data["selected"],
            })
    return {"field": field, "kind": kind, "options": options, "label_size": label_size,
            "widget_html": field.as_widget(attrs=attrs) if kind not in ("radios",
                                                                           "checkboxes") else ""}
