"""Existing questionnaires and grading scales become published versions; rounds keep theirs.

Before 0003 there were no drafts: every questionnaire and scale could already be in use, so
each is marked published (and so immutable) as it stands.  Questionnaires get a ``key`` from
their name, so later versions can be grouped with them; each round takes the grading scale its
questionnaire pointed at, which is the scale its grades were given on.
"""

from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify


def forwards(apps, schema_editor):
    GradeScale = apps.get_model("audits", "GradeScale")
    Questionnaire = apps.get_model("audits", "Questionnaire")
    AuditRound = apps.get_model("audits", "AuditRound")
    now = timezone.now()
    GradeScale.objects.filter(published_at__isnull=True).update(published_at=now)
    taken: set[tuple[str, int]] = set()
    for questionnaire in Questionnaire.objects.order_by("pk"):
        base = slugify(questionnaire.name)[:50] or "questionnaire"
        key, n = base, 1
        while (key, questionnaire.version) in taken:
            n += 1
            key = f"{base}-{n}"
        taken.add((key, questionnaire.version))
        questionnaire.key = key
        questionnaire.published_at = questionnaire.published_at or now
        questionnaire.save(update_fields=["key", "published_at"])
    for audit_round in AuditRound.objects.filter(scale__isnull=True).select_related(
            "questionnaire"):
        audit_round.scale_id = audit_round.questionnaire.scale_id
        audit_round.save(update_fields=["scale"])


def backwards(apps, schema_editor):
    """Give each questionnaire back a scale: the one its rounds used, else the first scale."""
    GradeScale = apps.get_model("audits", "GradeScale")
    Questionnaire = apps.get_model("audits", "Questionnaire")
    AuditRound = apps.get_model("audits", "AuditRound")
    fallback = GradeScale.objects.order_by("pk").first()
    for questionnaire in Questionnaire.objects.filter(scale__isnull=True):
        used = (AuditRound.objects.filter(questionnaire_id=questionnaire.pk)
                .exclude(scale__isnull=True).order_by("pk").first())
        questionnaire.scale_id = used.scale_id if used else fallback.pk
        questionnaire.save(update_fields=["scale"])


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_configuration")]
    operations = [migrations.RunPython(forwards, backwards)]
