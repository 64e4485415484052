"""Seed the four Ofsted-style grades, the default questionnaire and themes.

The seeding is written against this migration's historical models (the schema of 0001), so it
keeps working on a fresh database whatever the models become; ``defaults.seed`` does the same
for the current models.  Migration 0004 marks what this seeds as published version 1.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from arpkit.web.audits.defaults import GRADES, QUESTIONNAIRE_NAME, SECTIONS, THEMES

    GradeScale = apps.get_model("audits", "GradeScale")
    GradeLevel = apps.get_model("audits", "GradeLevel")
    Questionnaire = apps.get_model("audits", "Questionnaire")
    Section = apps.get_model("audits", "Section")
    Question = apps.get_model("audits", "Question")
    Theme = apps.get_model("audits", "Theme")
    scale, _ = GradeScale.objects.get_or_create(key="ofsted-four-point",
                                                defaults={"name": "Ofsted-style four grades"})
    for rank, label, good, descriptor in GRADES:
        GradeLevel.objects.get_or_create(scale=scale, rank=rank, defaults={
            "label": label, "good_or_better": good, "descriptor": descriptor})
    questionnaire, created = Questionnaire.objects.get_or_create(
        name=QUESTIONNAIRE_NAME, version=1, defaults={"scale": scale})
    if created:
        for s_order, (title, questions) in enumerate(SECTIONS, start=1):
            section = Section.objects.create(questionnaire=questionnaire, order=s_order,
                                             title=title)
            for q_order, (key, kind, text) in enumerate(questions, start=1):
                Question.objects.create(section=section, order=q_order, key=key, kind=kind,
                                        text=text)
    for key, label in THEMES:
        Theme.objects.get_or_create(key=key, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
