"""The receipt code: shown once, stored as Argon2, opens only its own report, throttled."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.urls import reverse

from arpkit.web.core.permissions import Role
from arpkit.web.speakup import receipts
from arpkit.web.speakup.models import Report
from tests.web.speakup import factories
from tests.web.support import make_user


def _open(client, code: str, ip: str = "198.51.100.1"):
    return client.post(reverse("speakup:receipt"), {"code": code}, REMOTE_ADDR=ip)


def _wrong(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_the_code_is_sixteen_digits_and_stored_only_as_an_argon2_hash():
    report, code = factories.anonymous_report()
    assert len(code) == 16 and code.isdigit()
    stored = Report.objects.get(pk=report.pk)
    assert stored.receipt_hash.startswith("argon2$argon2id$")
    assert code not in stored.receipt_hash and code not in stored.receipt_bucket
    assert receipts.verify(code, stored.receipt_hash)
    assert not receipts.verify(_wrong(code), stored.receipt_hash)


def test_a_receipt_code_opens_its_own_report_and_no_other(client):
    _mine, my_code = factories.anonymous_report(what_happened="Mine: the rota comment")
    factories.anonymous_report(what_happened="Theirs: the lift incident")
    page = _open(client, receipts.grouped(my_code))
    assert page.status_code == 200
    assert b"Mine: the rota comment" in page.content
    assert b"Theirs: the lift incident" not in page.content


def test_a_wrong_code_is_refused_without_saying_whether_a_report_exists(client):
    _, code = factories.anonymous_report()
    page = _open(client, _wrong(code))
    assert page.status_code == 200
    assert b"does not match a report" in page.content
    assert b"Your report" not in page.content


def test_a_receipt_code_cannot_open_a_named_report():
    reporter = make_user(Role.PRACTITIONER, username="named")
    report = factories.named_report(reporter)
    assert report.receipt_hash == "" and report.receipt_bucket == ""


def test_guessing_is_blocked_per_client_even_for_the_right_code(client, settings):
    settings.ARPKIT_SPEAKUP_RECEIPT_FAILURES_PER_CLIENT = 5
    _, code = factories.anonymous_report()
    for _ in range(5):
        assert _open(client, _wrong(code)).status_code == 200
    blocked = _open(client, code)
    assert blocked.status_code == 429
    assert b"Too many codes" in blocked.content
    assert _open(client, code, ip="198.51.100.2").status_code == 200  # another client


def test_guessing_is_blocked_globally_across_addresses(client, settings):
    settings.ARPKIT_SPEAKUP_RECEIPT_FAILURES_PER_CLIENT = 100
    settings.ARPKIT_SPEAKUP_RECEIPT_FAILURES_GLOBAL = 3
    _, code = factories.anonymous_report()
    for n in range(3):
        _open(client, _wrong(code), ip=f"192.0.2.{n}")
    assert _open(client, code, ip="192.0.2.200").status_code == 429


def test_the_throttle_counts_under_a_keyed_hash_not_the_address(rf):
    request = rf.post("/speak-up/receipt/", REMOTE_ADDR="192.0.2.9")
    key = receipts._client_key(request)
    assert "192.0.2.9" not in key and key.startswith("speakup:receipt:ip:")


def test_malformed_codes_are_rejected_before_any_lookup(client):
    page = _open(client, "12345")
    assert b"Enter the 16 digits" in page.content


def _token_from(page) -> str:
    return re.search(rb'name="token" value="([^"]+)"', page.content).group(1).decode()


def test_the_reply_token_is_bound_to_its_report_and_expires(client, settings):
    _, code = factories.anonymous_report()
    token = _token_from(_open(client, code))
    other, _ = factories.anonymous_report()
    forged = token.replace(token.split(":")[0], str(other.id))
    assert client.post(reverse("speakup:receipt_reply"),
                       {"token": forged, "reply-body": "x"}).status_code == 403
    settings.ARPKIT_SPEAKUP_TOKEN_SECONDS = -1
    assert client.post(reverse("speakup:receipt_reply"),
                       {"token": token, "reply-body": "x"}).status_code == 403


def test_a_token_cannot_open_a_named_report_even_if_signed(client):
    reporter = make_user(Role.PRACTITIONER, username="named2")
    report = factories.named_report(reporter)
    token = signing.TimestampSigner(salt="arpkit.speakup.receipt").sign(str(report.id))
    response = client.post(reverse("speakup:receipt_reply"),
                           {"token": token, "reply-body": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("text", ["1234 5678 9012 3456", "1234-5678-9012-3456"])
def test_codes_are_accepted_as_written_down(text):
    assert receipts.normalise(text) == "1234567890123456"
