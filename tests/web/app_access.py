"""The role x view matrix of tests/web/test_access.py, limited to one app's URL namespace, so
an app's access rules are checked even while other apps' views are being built."""

from __future__ import annotations

from django.urls import reverse

from arpkit.web.core.access import declared_access
from tests.web.support import CheckedClient, make_user, sign_in
from tests.web.test_access import _expected, _outcome, routes
from tests.web.url_walk import call_sample, url_samples


def mismatches(namespace: str, role) -> list[str]:
    samples = url_samples()
    user = make_user(role) if role else None
    client = CheckedClient()
    if user:
        sign_in(client, user)
    wrong = []
    mine = [r for r in routes() if r.name.startswith(namespace + ":")]
    assert mine, f"no routes found for {namespace}"
    for route in mine:
        kwargs = call_sample(samples[route.name], user) if route.params else {}
        url = reverse(route.name, kwargs=kwargs)
        permission = declared_access(route.callback)
        got = _outcome(client.get(url))
        want = _expected(role, permission)
        if got != want:
            wrong.append(f"{url} ({permission}): expected {want}, got {got}")
    return wrong
