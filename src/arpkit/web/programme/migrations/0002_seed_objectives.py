"""Seed the programme's six strategic outcomes as the register's default objectives."""

from django.db import migrations

from arpkit.web.programme.defaults import OBJECTIVES


def seed(apps, schema_editor):
    Objective = apps.get_model("programme", "Objective")
    for order, (key, title, description) in enumerate(OBJECTIVES, start=1):
        Objective.objects.get_or_create(key=key, defaults={
            "title": title, "description": description, "order": order})


def unseed(apps, schema_editor):
    Objective = apps.get_model("programme", "Objective")
    Objective.objects.filter(key__in=[k for k, _, _ in OBJECTIVES], measures__isnull=True
                             ).delete()


class Migration(migrations.Migration):
    dependencies = [("programme", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
