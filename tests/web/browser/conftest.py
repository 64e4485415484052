"""Browser tests: Playwright drives Debian's Chromium (browsers cannot be downloaded here)."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; without this, ORM calls in
# live_server tests raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/web/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-dev-shm-usage"]}


@pytest.fixture
def signed_in(live_server, context):
    """Returns ``sign_in_as(user) -> page``: a page whose browser has the user's session.

    Copies a Django session cookie into the browser (as NHS system tests do) instead of
    driving the sign-in form, which has its own test.
    """
    from django.conf import settings
    from django.test import Client

    from tests.web.support import sign_in

    def sign_in_as(user):
        client = sign_in(Client(), user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                              "url": live_server.url}])
        return context.new_page()

    return sign_in_as
