"""An anonymous report cannot be linked to a user or session by anything stored.

Every table of the database is snapshotted before and after the request; every new or changed
row, and every log record the request produced, is searched for the reporter's user id, user
name, session key, IP address, user agent, and any timestamp finer than the day.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from datetime import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from arpkit.web.accounts.models import RoleAssignment, User
from arpkit.web.speakup.models import Report

USER_ID = 918273645
USERNAME = "reporter-qx7"
IP = "203.0.113.77"
AGENT = "Mozilla/5.0 ArpkitProbe/4.2"
FINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?")

FORM = {"route": "witnessed", "source": "service_user", "service_area": "not_said",
        "what_happened": "A parent used a racist slur at a colleague during a visit"}


def _freeze(value):
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def snapshot() -> dict[str, Counter]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            columns = [c[0] for c in cursor.description]
            tables[table] = Counter(
                tuple(zip(columns, (_freeze(v) for v in row), strict=True))
                for row in cursor.fetchall())
    return tables


def new_or_changed(before: dict[str, Counter], after: dict[str, Counter]) -> list[tuple]:
    rows = []
    for table, counts in after.items():
        for row in counts - before.get(table, Counter()):
            rows.append((table, row))
    return rows


def _fine_time(value) -> bool:
    if isinstance(value, datetime):
        return (value.hour, value.minute, value.second, value.microsecond) != (0, 0, 0, 0)
    if isinstance(value, str):
        for match in FINE_TIME.finditer(value):
            if any(int(part or 0) for part in match.groups()):
                return True
    return False


def leaks(rows: list[tuple], needles: list[str]) -> list[str]:
    found = []
    for table, row in rows:
        for column, value in row:
            text = (value.decode("latin-1") if isinstance(value, bytes) else str(value))
            for needle in needles:
                if needle in text:
                    found.append(f"{table}.{column} holds {needle!r}")
            if _fine_time(value):
                found.append(f"{table}.{column} holds a time finer than the day: {value!r}")
    return found


def _reporter() -> User:
    user = User.objects.create_user(id=USER_ID, username=USERNAME,
                                    password="correct horse battery staple")
    RoleAssignment.objects.create(user=user, role="practitioner")
    return user


@pytest.fixture
def signed_in_reporter(client):
    user = _reporter()
    client.force_login(user)
    # First request starts the session clock, so the snapshot is taken with it running.
    client.get(reverse("speakup:report_anonymous"), REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    return user, client.session.session_key


def _needles(session_key: str | None) -> list[str]:
    return [str(USER_ID), USERNAME, IP, AGENT] + ([session_key] if session_key else [])


def test_a_signed_in_user_choosing_anonymity_leaves_nothing_that_links_them(
        client, signed_in_reporter, caplog):
    _user, session_key = signed_in_reporter
    caplog.set_level(logging.DEBUG)
    before = snapshot()
    response = client.post(reverse("speakup:report_anonymous"), FORM, REMOTE_ADDR=IP,
                           HTTP_USER_AGENT=AGENT)
    assert response.status_code == 200 and b"receipt-code" in response.content
    rows = new_or_changed(before, snapshot())
    tables = {table for table, _ in rows}
    assert "speakup_report" in tables and "audit_auditevent" in tables  # the canary
    assert "django_session" not in tables, "the session row changed"
    assert not leaks(rows, _needles(session_key))
    logged = [r.getMessage() + " " + repr(r.args) for r in caplog.records]
    assert not [line for line in logged if any(n in line for n in _needles(session_key))]
    report = Report.objects.get()
    assert report.reporter_id is None and report.is_anonymous


def test_an_anonymous_report_without_signing_in_stores_no_address_agent_or_time(client,
                                                                                 caplog):
    client.get(reverse("speakup:report_anonymous"))
    caplog.set_level(logging.DEBUG)
    before = snapshot()
    client.post(reverse("speakup:report_anonymous"), FORM, REMOTE_ADDR=IP,
                HTTP_USER_AGENT=AGENT)
    rows = new_or_changed(before, snapshot())
    assert rows
    assert not leaks(rows, [IP, AGENT])
    assert not [r for r in caplog.records if IP in r.getMessage() or AGENT in r.getMessage()]


def test_replying_with_a_receipt_while_signed_in_leaves_nothing_that_links_them(
        client, signed_in_reporter):
    _user, session_key = signed_in_reporter
    response = client.post(reverse("speakup:report_anonymous"), FORM, REMOTE_ADDR=IP,
                           HTTP_USER_AGENT=AGENT)
    code = re.search(rb'data-testid="receipt-code">([\d ]+)<', response.content).group(1)
    before = snapshot()
    page = client.post(reverse("speakup:receipt"), {"code": code.decode()}, REMOTE_ADDR=IP,
                       HTTP_USER_AGENT=AGENT)
    token = re.search(rb'name="token" value="([^"]+)"', page.content).group(1).decode()
    client.post(reverse("speakup:receipt_reply"),
                {"token": token, "reply-body": "It happened again today"},
                REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    rows = new_or_changed(before, snapshot())
    assert {"speakup_reportmessage", "audit_auditevent"} <= {t for t, _ in rows}
    assert "django_session" not in {t for t, _ in rows}
    assert not leaks(rows, _needles(session_key))


def test_the_leak_detector_finds_the_user_in_a_named_report(client, signed_in_reporter):
    """Control: the same inspection flags a named report, so the checks above can fail."""
    _user, session_key = signed_in_reporter
    before = snapshot()
    client.post(reverse("speakup:report_named"), FORM, REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    found = leaks(new_or_changed(before, snapshot()), _needles(session_key))
    assert any("speakup_report.reporter_id" in f for f in found)
    assert any("time finer than the day" in f for f in found)


def test_the_reporting_pages_are_neither_cached_nor_referred(client):
    response = client.get(reverse("speakup:report_anonymous"))
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_NAME not in response.cookies
