"""Report content is encrypted at rest under a per-report key; the master key rotates."""

from __future__ import annotations

import base64
import io
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection

from arpkit.web.speakup import crypto, services
from arpkit.web.speakup.models import Report
from tests.web.speakup import factories


def _all_values() -> bytes:
    blob = bytearray()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    blob += bytes(value) if isinstance(value, bytes | memoryview) else \
                        str(value).encode()
    return bytes(blob)


def _content(report: Report) -> str:
    report = Report.objects.get(pk=report.pk)
    key = services.data_key_of(report)
    return crypto.decrypt(key, report.what_happened_enc, report_id=str(report.id),
                          field="what_happened").decode()


def test_free_text_messages_and_attachments_never_reach_the_database_in_clear():
    report, _ = factories.anonymous_report(what_happened="Plaintext-canary-what")
    services.reporter_message_add(
        report=report, body="Plaintext-canary-message",
        attachment=services.Upload("canary-name.txt", "text/plain", b"Plaintext-canary-file"))
    dump = _all_values()
    for canary in (b"Plaintext-canary", b"canary-name"):
        assert canary not in dump
    assert _content(report) == "Plaintext-canary-what"


def test_the_master_key_is_not_stored_in_the_database():
    factories.anonymous_report()
    ring = crypto.load_keyring()
    dump = _all_values()
    assert ring.current not in dump
    assert base64.urlsafe_b64encode(ring.current) not in dump


def test_the_key_file_is_created_readable_by_its_owner_only(settings):
    factories.anonymous_report()
    assert os.stat(settings.ARPKIT_SPEAKUP_KEY_FILE).st_mode & 0o777 == 0o600


def test_a_ciphertext_cannot_be_moved_to_another_field_or_report():
    report, _ = factories.anonymous_report()
    key = services.data_key_of(report)
    with pytest.raises(InvalidTag):
        crypto.decrypt(key, report.what_happened_enc, report_id=str(report.id),
                       field="impact")
    other, _ = factories.anonymous_report()
    with pytest.raises(InvalidTag):
        crypto.decrypt(key, report.what_happened_enc, report_id=str(other.id),
                       field="what_happened")


def test_reports_cannot_be_read_with_a_different_master_key(settings):
    report, _ = factories.anonymous_report()
    crypto.write_key_file(settings.ARPKIT_SPEAKUP_KEY_FILE, [crypto.new_master_key_text()])
    with pytest.raises(crypto.MasterKeyError, match="not in the keyring"):
        _content(report)


def test_rotating_the_key_rewraps_every_report_and_retires_the_old_key(settings):
    first = factories.anonymous_report(what_happened="first")[0]
    second = factories.anonymous_report(what_happened="second")[0]
    old_id = crypto.load_keyring().current_id
    call_command("speakup_rotate_key", stdout=io.StringIO())
    ring = crypto.load_keyring()
    assert ring.current_id != old_id and list(ring.keys) == [ring.current_id]
    assert set(Report.objects.values_list("key_id", flat=True)) == {ring.current_id}
    assert (_content(first), _content(second)) == ("first", "second")
    assert os.stat(settings.ARPKIT_SPEAKUP_KEY_FILE).st_mode & 0o777 == 0o600


def test_a_rotation_stopped_half_way_keeps_every_report_readable_and_resumes(settings):
    old_report = factories.anonymous_report(what_happened="before")[0]
    path = settings.ARPKIT_SPEAKUP_KEY_FILE
    old_id = crypto.load_keyring().current_id
    # The rotation appended the new key, then stopped before re-wrapping anything.
    crypto.write_key_file(path, [*path.read_text().split(), crypto.new_master_key_text()])
    new_report = factories.anonymous_report(what_happened="after")[0]
    assert Report.objects.get(pk=old_report.pk).key_id == old_id
    assert Report.objects.get(pk=new_report.pk).key_id != old_id
    assert (_content(old_report), _content(new_report)) == ("before", "after")
    call_command("speakup_rotate_key", "--resume", stdout=io.StringIO())
    assert len(set(Report.objects.values_list("key_id", flat=True))) == 1
    assert old_id not in crypto.load_keyring().keys
    assert _content(old_report) == "before"


def test_keys_from_the_environment_are_used_and_rotation_asks_for_resume(monkeypatch):
    old, new = crypto.new_master_key_text(), crypto.new_master_key_text()
    monkeypatch.setenv("ARPKIT_SPEAKUP_KEY", old)
    report = factories.anonymous_report(what_happened="env")[0]
    monkeypatch.setenv("ARPKIT_SPEAKUP_KEY", f"{old},{new}")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--resume"):
        call_command("speakup_rotate_key")
    call_command("speakup_rotate_key", "--resume", stdout=io.StringIO())
    monkeypatch.setenv("ARPKIT_SPEAKUP_KEY", new)
    assert _content(report) == "env"


def test_a_malformed_key_is_reported_clearly(monkeypatch):
    monkeypatch.setenv("ARPKIT_SPEAKUP_KEY", "dG9vLXNob3J0")
    with pytest.raises(crypto.MasterKeyError, match="must be 32 bytes"):
        crypto.load_keyring()
