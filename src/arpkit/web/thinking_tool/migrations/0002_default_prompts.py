"""Seed the default domains and prompts (arpkit.web.thinking_tool.defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    from arpkit.web.thinking_tool.defaults import seed as seed_defaults

    seed_defaults(apps.get_model("thinking_tool", "Domain"),
                  apps.get_model("thinking_tool", "Prompt"),
                  apps.get_model("thinking_tool", "PromptVersion"))


class Migration(migrations.Migration):
    dependencies = [("thinking_tool", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
