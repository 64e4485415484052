"""The audit log: written by explicit calls, shown to administrators, never editable."""

from __future__ import annotations

import csv
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from arpkit.web.audit.models import AuditEvent
from arpkit.web.audit.services import record
from arpkit.web.core.permissions import Role
from tests.web.support import CheckedClient, make_user, sign_in


def test_the_suite_runs_on_the_database_named_by_database_url():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") \
        else "sqlite"
    assert connection.vendor == expected


def test_an_unregistered_action_is_refused():
    with pytest.raises(ValidationError):
        record("made.up_action")


def test_an_audit_event_cannot_be_changed_or_deleted_through_the_orm():
    event = record("auth.login")
    event.action = "auth.logout"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_database_triggers_refuse_raw_updates_and_deletes():
    from django.db import DatabaseError

    module = __import__("arpkit.web.audit.migrations.0002_append_only_triggers",
                        fromlist=["install"])
    with connection.cursor() as cursor:
        module.install(connection.vendor, cursor.execute)
    event = record("auth.login")
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'auth.logout' WHERE id = %s",
                f"DELETE FROM {table} WHERE id = %s"):
        key = event.id.hex if connection.vendor == "sqlite" else str(event.id)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [key])
    assert AuditEvent.objects.filter(pk=event.pk, action="auth.login").exists()


def test_signing_in_and_out_is_recorded_with_who_and_which_request():
    user = make_user(Role.PRACTITIONER, username="pat")
    client = CheckedClient()
    client.post(reverse("accounts:login"), {"username": "pat",
                                            "password": "correct horse battery staple"})
    client.post(reverse("accounts:logout"))
    actions = list(AuditEvent.objects.order_by("at").values_list("action", "actor_id"))
    assert ("auth.login", user.pk) in actions
    assert ("auth.logout", user.pk) in actions
    login = AuditEvent.objects.get(action="auth.login")
    assert login.request_id and login.path == reverse("accounts:login")


def test_an_anonymous_entry_keeps_no_actor_address_path_or_time_of_day(rf):
    request = rf.post("/speak-up/")
    event = record("auth.login", request=request, anonymous=True)
    event.refresh_from_db()
    assert (event.actor_id, event.ip_address, event.path, event.request_id) == (
        None, None, "", "")
    assert (event.at.hour, event.at.minute, event.at.second) == (0, 0, 0)


def test_administrators_filter_the_log_and_the_export_matches_and_is_itself_logged():
    admin = make_user(Role.ADMINISTRATOR, username="admin")
    other = make_user(Role.PRACTITIONER, username="pat")
    record("auth.login", actor=other)
    record("auth.logout", actor=other)
    client = sign_in(CheckedClient(), admin)
    page = client.get(reverse("audit:log"), {"actor": "pat", "action": "auth.logout"})
    assert page.status_code == 200
    assert list(page.context["page"]) == list(AuditEvent.objects.filter(action="auth.logout"))
    export = client.get(reverse("audit:export"), {"actor": "pat"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert sorted(r["action"] for r in rows) == ["auth.login", "auth.logout"]
    assert AuditEvent.objects.filter(action="audit_log.exported", actor_id=admin.pk).exists()
    assert AuditEvent.objects.filter(action="audit_log.viewed", actor_id=admin.pk).exists()
