"""Helpers every web test uses: users with roles, signed-in clients, page invariants."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from arpkit.web.accounts import services
from arpkit.web.accounts.models import Team, User
from arpkit.web.core.permissions import TWO_FACTOR_ROLES, Role


def make_user(role: Role | None = None, *, username: str | None = None,
              teams: list[Team] | None = None, manager: bool = False,
              roles: list[Role] | None = None) -> User:
    roles = roles if roles is not None else ([role] if role else [])
    name = username or ("user-" + "-".join(r.value for r in roles) if roles else "user-none")
    if username is None:  # default names get a suffix so several users of a role can coexist
        base, n = name, 1
        while User.objects.filter(username=name).exists():
            n += 1
            name = f"{base}-{n}"
    return services.create_user(username=name, password="correct horse battery staple",
                                roles=roles, teams=teams or [], manages_teams=manager)


def sign_in(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign ``user`` in; for two-factor roles, also mark the session as verified."""
    client.force_login(user)
    if verified and any(Role(r) in TWO_FACTOR_ROLES for r in user.role_names()):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test",
                                                     defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def check_page_invariants(response) -> None:
    """What every HTML page must satisfy (after GOV.UK Notify's client_request fixture)."""
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.title and soup.title.string and soup.title.string.strip(), "page has no <title>"
    csp = response.get("Content-Security-Policy", "")
    match = re.search(r"'nonce-([^']+)'", csp)
    assert match, "no nonce in the Content-Security-Policy"
    nonce = match.group(1)
    assert "'unsafe-inline'" not in csp, "CSP allows unsafe-inline"
    for script in soup.find_all("script"):
        assert script.get("nonce") == nonce, f"script without the CSP nonce: {script}"
    assert not soup.find_all(attrs={"style": True}), "inline style attribute (blocked by CSP)"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in soup.find_all("form"):
        assert form.has_attr("action"), "form without an action"
        if form.get("method", "get").lower() == "post":
            assert form.find("input", attrs={"name": "csrfmiddlewaretoken"}), \
                "POST form without a CSRF token"
    assert len(soup.find_all("h1")) == 1, "expected exactly one <h1>"
    assert soup.find("main"), "no <main> landmark"
    assert soup.html.get("lang"), "no lang on <html>"


class CheckedClient(Client):
    """A test client that checks :func:`check_page_invariants` on every HTML page it gets."""

    def request(self, **request):
        response = super().request(**request)
        if (response.status_code == 200 and not getattr(response, "streaming", False)
                and response.get("Content-Type", "").startswith("text/html")):
            check_page_invariants(response)
        return response
