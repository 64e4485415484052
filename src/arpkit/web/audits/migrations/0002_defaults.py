"""Seed the four Ofsted-style grades, the default questionnaire and themes."""

from django.db import migrations


def seed(apps, schema_editor):
    from arpkit.web.audits.defaults import seed as seed_defaults

    seed_defaults(*(apps.get_model("audits", name) for name in (
        "GradeScale", "GradeLevel", "Questionnaire", "Section", "Question", "Theme")))


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
