"""Production security settings: Argon2, secure cookies, HSTS, CSP, session limits."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

from django.test import override_settings
from django.urls import reverse

from arpkit.web.core.permissions import Role
from tests.web.support import CheckedClient, make_user, sign_in

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "arpkit.web.settings.production",
    "ARPKIT_SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://arpkit@127.0.0.1:5432/arpkit",
    "ARPKIT_ALLOWED_HOSTS": "arpkit.example.gov.uk",
}


def test_manage_py_check_deploy_is_clean_under_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run([sys.executable, "-m", "arpkit.web", "check", "--deploy",
                             "--fail-level", "WARNING"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, **PRODUCTION_ENV, "ARPKIT_SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "-m", "arpkit.web", "check"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "ARPKIT_SECRET_KEY" in result.stderr


def test_passwords_are_hashed_with_argon2_in_every_real_environment():
    from arpkit.web.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_every_response_carries_a_nonce_csp_without_unsafe_inline_and_security_headers():
    response = CheckedClient().get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "'nonce-" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_session_idle_for_more_than_fifteen_minutes_is_signed_out():
    client = sign_in(CheckedClient(), make_user(Role.PRACTITIONER))
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session["_arpkit_seen"] = time.time() - 15 * 60 - 1
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    assert client.get(reverse("core:home")).status_code == 302


def test_a_session_older_than_twelve_hours_is_signed_out_even_if_active():
    client = sign_in(CheckedClient(), make_user(Role.PRACTITIONER))
    client.get(reverse("core:home"))
    session = client.session
    session["_arpkit_started"] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_password():
    make_user(Role.PRACTITIONER, username="pat")
    client = CheckedClient()
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "pat", "password": "wrong"})
    response = client.post(reverse("accounts:login"),
                           {"username": "pat", "password": "correct horse battery staple"})
    assert b"Too many attempts to sign in" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_only_accepts_post_so_a_link_cannot_sign_someone_out():
    client = sign_in(CheckedClient(), make_user(Role.PRACTITIONER))
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_browsing_does_not_rewrite_the_session_on_every_request():
    client = sign_in(CheckedClient(), make_user(Role.PRACTITIONER))
    client.get(reverse("core:home"))
    first = client.session["_arpkit_seen"]
    client.get(reverse("core:home"))
    assert client.session["_arpkit_seen"] == first
