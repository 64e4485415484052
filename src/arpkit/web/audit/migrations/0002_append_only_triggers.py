"""Make the audit log append-only in the database itself, not just in the ORM.

SQLite and PostgreSQL triggers refuse any UPDATE or DELETE on audit_auditevent, so neither a
bulk queryset call nor raw SQL from a shell can rewrite history. The test settings switch
them off (``ARPKIT_AUDIT_DB_TRIGGERS = False``) because test isolation truncates every table
between browser tests; a test installs them itself to prove they work.
"""

from django.conf import settings
from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"]

POSTGRES = [
    """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events cannot be changed or deleted'; END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_no_truncate ON audit_auditevent",
    "DROP TRIGGER audit_append_only ON audit_auditevent",
    "DROP FUNCTION audit_refuse_change()",
]


def forwards(apps, schema_editor):
    if not getattr(settings, "ARPKIT_AUDIT_DB_TRIGGERS", True):
        return
    install(schema_editor.connection.vendor, schema_editor.execute)


def install(vendor: str, execute) -> None:
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
