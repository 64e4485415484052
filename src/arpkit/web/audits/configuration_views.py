"""Thin views for configuring case audits: questionnaires, grading scales and themes.

Only drafts can be changed.  A change asked of a published version is turned away with a
message pointing to "Create a new version", which copies it into a draft.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from arpkit.web.audits import configuration, selectors
from arpkit.web.audits.forms import LevelForm, NameForm, QuestionForm, SectionForm, ThemeForm
from arpkit.web.audits.models import GradeScale, Questionnaire, Versioned
from arpkit.web.core.access import access
from arpkit.web.core.forms import apply_service_errors

CONFIGURE = "audits.configure"


def _home(version: Versioned) -> HttpResponse:
    name = "audits:questionnaire" if isinstance(version, Questionnaire) else "audits:scale"
    return redirect(name, pk=version.pk)


def _refuse_published(request: HttpRequest, version: Versioned) -> HttpResponse | None:
    """A redirect back to a published version with the reason, or None for a draft."""
    if not version.is_published:
        return None
    messages.info(request, f"Version {version.version} is published, so it cannot be "
                           "changed. Create a new version to make changes.")
    return _home(version)


def _form_page(request: HttpRequest, form: django_forms.Form, save: Callable[[dict], object],
               done: Callable[[], HttpResponse], context: dict) -> HttpResponse:
    """Validate ``form`` on POST, call ``save(cleaned_data)`` and go to ``done()``; otherwise
    (a GET, or errors from the form or the service) show the form page."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done()
    return render(request, "audits/config_form.html", {"form": form, **context})


def _arrange(request: HttpRequest, version: Versioned, change: Callable[[str], None],
             what: str) -> HttpResponse:
    refused = _refuse_published(request, version)
    if refused:
        return refused
    action = request.POST.get("action", "")
    try:
        change(action)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        if action == "remove":
            messages.success(request, f"The {what} has been removed.")
    return _home(version)


# The configuration home ----------------------------------------------------------------------

@access(CONFIGURE)
def configuration_home(request: HttpRequest) -> HttpResponse:
    return render(request, "audits/configuration.html", {
        "questionnaires": selectors.questionnaires_for_configuration(request.user),
        "scales": selectors.scales_for_configuration(request.user)})


# Questionnaires ------------------------------------------------------------------------------

@access(CONFIGURE)
def questionnaire_start(request: HttpRequest) -> HttpResponse:
    created: list[Questionnaire] = []
    return _form_page(
        request, NameForm(request.POST or None),
        lambda d: created.append(configuration.questionnaire_start(
            by=request.user, name=d["name"], request=request)),
        lambda: _home(created[0]),
        {"title": "Start a new questionnaire", "action": reverse("audits:questionnaire_start"),
         "intro": "It starts as an empty draft: add its sections and questions, then publish "
                  "it.", "button": "Start the questionnaire",
         "back": reverse("audits:configuration")})


@access(CONFIGURE)
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_for_configuration(request.user, pk)
    return render(request, "audits/questionnaire.html", {
        "questionnaire": questionnaire,
        "sections": questionnaire.sections.prefetch_related("questions"),
        "draft": selectors.draft_of(questionnaire) if questionnaire.is_published else None,
        "versions": selectors.questionnaires_for_configuration(request.user).filter(
            key=questionnaire.key)})


@access(CONFIGURE)
@require_POST
def questionnaire_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.questionnaire_for_configuration(request.user, pk)
    draft, created = configuration.questionnaire_new_version(source=source, by=request.user,
                                                             request=request)
    if created:
        messages.success(request, f"Version {draft.version} is a draft copy of version "
                                  f"{source.version}. Change it, then publish it.")
    else:
        messages.info(request, f"Version {draft.version} is already being drafted: change "
                               "that one.")
    return _home(draft)


def _publish(request: HttpRequest, version: Versioned, publish: Callable[[], object],
             what: str) -> HttpResponse:
    refused = _refuse_published(request, version)
    if refused:
        return refused
    form = django_forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():  # no fields: only the service can refuse
        try:
            publish()
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Version {version.version} of {version.name} is "
                                      f"published. New rounds can use it.")
            return _home(version)
    url = "audits:questionnaire" if isinstance(version, Questionnaire) else "audits:scale"
    return render(request, "audits/publish.html", {
        "form": form, "version": version, "what": what,
        "action": request.path, "back": reverse(url, args=[version.pk])})


@access(CONFIGURE)
def questionnaire_publish(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_for_configuration(request.user, pk)
    return _publish(request, questionnaire, lambda: configuration.questionnaire_publish(
        questionnaire=questionnaire, by=request.user, request=request), "questionnaire")


@access(CONFIGURE)
def section_create(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_for_configuration(request.user, pk)
    refused = _refuse_published(request, questionnaire)
    if refused:
        return refused
    return _form_page(
        request, SectionForm(request.POST or None),
        lambda d: configuration.section_add(questionnaire=questionnaire, title=d["title"],
                                            by=request.user, request=request),
        lambda: _home(questionnaire),
        {"title": "Add a section", "action": request.path, "button": "Add the section",
         "caption": str(questionnaire), "back": reverse("audits:questionnaire",
                                                        args=[questionnaire.pk])})


@access(CONFIGURE)
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = selectors.section_for_configuration(request.user, pk)
    refused = _refuse_published(request, section.questionnaire)
    if refused:
        return refused
    return _form_page(
        request, SectionForm(request.POST or None, initial={"title": section.title}),
        lambda d: configuration.section_update(section=section, title=d["title"],
                                               by=request.user, request=request),
        lambda: _home(section.questionnaire),
        {"title": "Change a section", "action": request.path, "button": "Save",
         "caption": str(section.questionnaire),
         "back": reverse("audits:questionnaire", args=[section.questionnaire_id])})


@access(CONFIGURE)
@require_POST
def section_arrange(request: HttpRequest, pk: int) -> HttpResponse:
    section = selectors.section_for_configuration(request.user, pk)
    return _arrange(request, section.questionnaire, lambda action: configuration.section_arrange(
        section=section, action=action, by=request.user, request=request), "section")


@access(CONFIGURE)
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    section = selectors.section_for_configuration(request.user, pk)
    refused = _refuse_published(request, section.questionnaire)
    if refused:
        return refused
    return _form_page(
        request, QuestionForm(request.POST or None),
        lambda d: configuration.question_add(section=section, by=request.user,
                                             request=request, **d),
        lambda: _home(section.questionnaire),
        {"title": "Add a question", "action": request.path, "button": "Add the question",
         "caption": section.title, "question_form": True,
         "back": reverse("audits:questionnaire", args=[section.questionnaire_id])})


@access(CONFIGURE)
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_for_configuration(request.user, pk)
    questionnaire = question.section.questionnaire
    refused = _refuse_published(request, questionnaire)
    if refused:
        return refused
    initial = {f: getattr(question, f) for f in configuration.QUESTION_FIELDS}
    return _form_page(
        request, QuestionForm(request.POST or None, initial=initial),
        lambda d: configuration.question_update(question=question, by=request.user,
                                                request=request, **d),
        lambda: _home(questionnaire),
        {"title": "Change a question", "action": request.path, "button": "Save",
         "caption": question.section.title, "question_form": True,
         "back": reverse("audits:questionnaire", args=[questionnaire.pk])})


@access(CONFIGURE)
@require_POST
def question_arrange(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_for_configuration(request.user, pk)
    return _arrange(request, question.section.questionnaire,
                    lambda action: configuration.question_arrange(
                        question=question, action=action, by=request.user, request=request),
                    "question")


# Grading scales ------------------------------------------------------------------------------

@access(CONFIGURE)
def scale_start(request: HttpRequest) -> HttpResponse:
    created: list[GradeScale] = []
    return _form_page(
        request, NameForm(request.POST or None),
        lambda d: created.append(configuration.scale_start(by=request.user, name=d["name"],
                                                           request=request)),
        lambda: _home(created[0]),
        {"title": "Start a new grading scale", "action": reverse("audits:scale_start"),
         "intro": "It starts as an empty draft: add its grades, best first, then publish it.",
         "button": "Start the grading scale", "back": reverse("audits:configuration")})


@access(CONFIGURE)
def scale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scale = selectors.scale_for_configuration(request.user, pk)
    return render(request, "audits/scale.html", {
        "scale": scale, "levels": scale.levels.all(),
        "draft": selectors.draft_of(scale) if scale.is_published else None,
        "versions": selectors.scales_for_configuration(request.user).filter(key=scale.key)})


@access(CONFIGURE)
@require_POST
def scale_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.scale_for_configuration(request.user, pk)
    draft, created = configuration.scale_new_version(source=source, by=request.user,
                                                     request=request)
    if created:
        messages.success(request, f"Version {draft.version} is a draft copy of version "
                                  f"{source.version}. Change it, then publish it.")
    else:
        messages.info(request, f"Version {draft.version} is already being drafted: change "
                               "that one.")
    return _home(draft)


@access(CONFIGURE)
def scale_publish(request: HttpRequest, pk: int) -> HttpResponse:
    scale = selectors.scale_for_configuration(request.user, pk)
    return _publish(request, scale, lambda: configuration.scale_publish(
        scale=scale, by=request.user, request=request), "grading scale")


@access(CONFIGURE)
def level_create(request: HttpRequest, pk: int) -> HttpResponse:
    scale = selectors.scale_for_configuration(request.user, pk)
    refused = _refuse_published(request, scale)
    if refused:
        return refused
    return _form_page(
        request, LevelForm(request.POST or None),
        lambda d: configuration.level_add(scale=scale, by=request.user, request=request, **d),
        lambda: _home(scale),
        {"title": "Add a grade", "action": request.path, "button": "Add the grade",
         "caption": str(scale), "intro": "New grades go below the others: move them up if "
                                        "they are better.",
         "back": reverse("audits:scale", args=[scale.pk])})


@access(CONFIGURE)
def level_edit(request: HttpRequest, pk: int) -> HttpResponse:
    level = selectors.level_for_configuration(request.user, pk)
    refused = _refuse_published(request, level.scale)
    if refused:
        return refused
    initial = {"label": level.label, "descriptor": level.descriptor,
               "good_or_better": level.good_or_better}
    return _form_page(
        request, LevelForm(request.POST or None, initial=initial),
        lambda d: configuration.level_update(level=level, by=request.user, request=request,
                                             **d),
        lambda: _home(level.scale),
        {"title": "Change a grade", "action": request.path, "button": "Save",
         "caption": str(level.scale), "back": reverse("audits:scale", args=[level.scale_id])})


@access(CONFIGURE)
@require_POST
def level_arrange(request: HttpRequest, pk: int) -> HttpResponse:
    level = selectors.level_for_configuration(request.user, pk)
    return _arrange(request, level.scale, lambda action: configuration.level_arrange(
        level=level, action=action, by=request.user, request=request), "grade")


# Themes --------------------------------------------------------------------------------------

@access(CONFIGURE)
def themes(request: HttpRequest) -> HttpResponse:
    form = ThemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            theme = configuration.theme_add(label=form.cleaned_data["label"], by=request.user,
                                            request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Added the theme \u201c{theme.label}\u201d.")
            return redirect("audits:themes")
    return render(request, "audits/themes.html", {
        "form": form, "themes": selectors.themes_for_configuration(request.user)})


@access(CONFIGURE)
@require_POST
def theme_retire(request: HttpRequest, pk: int) -> HttpResponse:
    theme = selectors.theme_for_configuration(request.user, pk)
    retire = request.POST.get("action") != "reinstate"
    configuration.theme_retire(theme=theme, retire=retire, by=request.user, request=request)
    messages.success(request, f"{'Retired' if retire else 'Reinstated'} the theme "
                              f"\u201c{theme.label}\u201d.")
    return redirect("audits:themes")
