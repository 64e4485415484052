"""Deny by default: every view declares who may use it, and each role gets exactly that."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arpkit.web.core.access import declared_access
from arpkit.web.core.permissions import PUBLIC, SIGNED_IN, TWO_FACTOR_ROLES, Role, has_permission
from tests.web.support import CheckedClient as Client
from tests.web.support import make_user, sign_in
from tests.web.url_walk import call_sample, iter_routes, url_samples


def routes():
    return [r for r in iter_routes() if not r.pattern.startswith("static/")]


def test_the_url_walker_finds_the_views_it_should():
    names = {r.name for r in routes()}
    # canary: if the walker breaks, the checks below would pass vacuously
    assert {"core:home", "accounts:login", "audit:log", "accounts:user_edit"} <= names
    assert len(names) >= 9


def test_every_view_declares_an_access_rule():
    missing = [r.pattern for r in routes() if not declared_access(r.callback)]
    assert not missing, f"views without an access rule: {missing}"


def test_every_parameterised_url_has_sample_arguments_for_the_access_tests():
    samples = url_samples()
    missing = [r.name for r in routes() if r.params and r.name not in samples]
    assert not missing, f"add these to a samples.py: {missing}"


def test_a_view_without_an_access_rule_is_refused_even_to_an_administrator(rf):
    from django.contrib.auth.models import AnonymousUser

    from arpkit.web.core.middleware import AccessMiddleware

    def undeclared(request):  # pragma: no cover - must never run
        raise AssertionError("reached")

    request = rf.get("/x")
    request.user = AnonymousUser()
    with pytest.raises(Exception) as exc:
        AccessMiddleware(lambda r: None).process_view(request, undeclared, (), {})
    assert exc.type.__name__ == "PermissionDenied"


def _expected(role: Role | None, permission: str) -> str:
    if permission == PUBLIC:
        return "allowed"
    if role is None:
        return "login"
    user_has = permission == SIGNED_IN or has_permission_for_role(role, permission)
    return "allowed" if user_has else "forbidden"


def has_permission_for_role(role: Role, permission: str) -> bool:
    from arpkit.web.core.permissions import PERMISSIONS

    return role in PERMISSIONS.get(permission, frozenset())


def _outcome(response) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 302 and "/accounts/sign-in/" in response["Location"]:
        return "login"
    if response.status_code == 302 and "/accounts/two-factor/" in response["Location"]:
        return "two_factor"
    return "allowed"


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_exactly_the_views_its_permissions_allow(role):
    samples = url_samples()
    user = make_user(role) if role else None
    client = Client()
    if user:
        sign_in(client, user)
    mismatches = []
    for route in routes():
        kwargs = call_sample(samples[route.name], user) if route.params else {}
        url = reverse(route.name, kwargs=kwargs)
        permission = declared_access(route.callback)
        got = _outcome(client.get(url))
        want = _expected(role, permission)
        if got != want:
            mismatches.append(f"{url} ({permission}): expected {want}, got {got}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("role", sorted(TWO_FACTOR_ROLES), ids=lambda r: r.value)
def test_two_factor_roles_are_sent_to_two_factor_before_any_page(role):
    user = make_user(role)
    client = sign_in(Client(), user, verified=False)
    response = client.get(reverse("core:home"))
    assert _outcome(response) == "two_factor"


def test_roles_without_two_factor_need_no_second_step():
    client = sign_in(Client(), make_user(Role.PRACTITIONER), verified=False)
    assert client.get(reverse("core:home")).status_code == 200


def test_an_unknown_permission_is_denied_to_everyone():
    user = make_user(Role.ADMINISTRATOR)
    assert not has_permission(user, "no.such_permission")
