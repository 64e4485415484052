"""Loading the signed-in person on every request: server-side sessions, roles read fresh."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arpkit.web.accounts import services
from arpkit.web.accounts.backends import AccountBackend
from arpkit.web.accounts.models import Team
from arpkit.web.accounts.selectors import managed_team_codes
from arpkit.web.core.permissions import Role, roles_of
from tests.web.support import CheckedClient, make_user, sign_in


def test_a_signed_in_page_loads_the_session_and_the_person_with_their_roles_in_two_queries():
    client = sign_in(CheckedClient(), make_user(Role.AUDITOR))
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 2, sql
    assert "django_session" in sql[0]
    assert "accounts_roleassignment" in sql[1]


def test_the_user_is_loaded_with_every_role_they_hold():
    user = make_user(roles=[Role.AUDITOR, Role.PROGRAMME_LEAD])
    loaded = AccountBackend().get_user(user.pk)
    assert loaded == user
    with CaptureQueriesContext(connection) as queries:
        assert roles_of(loaded) == {Role.AUDITOR, Role.PROGRAMME_LEAD}
    assert queries.captured_queries == []


def test_a_person_with_no_roles_is_still_loaded_with_none():
    user = make_user()
    assert roles_of(AccountBackend().get_user(user.pk)) == frozenset()


def test_an_unknown_or_malformed_user_id_in_a_session_is_nobody():
    assert AccountBackend().get_user(987654) is None
    assert AccountBackend().get_user("not-a-number") is None


def test_a_deactivated_account_is_not_loaded_from_its_session():
    user = make_user(Role.AUDITOR)
    client = sign_in(CheckedClient(), user)
    user.is_active = False
    user.save()
    assert client.get(reverse("core:home")).status_code == 302


def test_a_role_taken_away_takes_effect_on_the_very_next_page():
    user = make_user(Role.ADMINISTRATOR)
    client = sign_in(CheckedClient(), user)
    page = reverse("audit:log")
    assert client.get(page).status_code == 200
    services.set_roles(user=user, roles=[Role.PRACTITIONER])
    assert client.get(page).status_code == 403


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless():
    client = sign_in(CheckedClient(), make_user(Role.AUDITOR))
    cookie_name = settings.SESSION_COOKIE_NAME
    stolen = client.cookies[cookie_name].value
    client.post(reverse("accounts:logout"))
    thief = CheckedClient()
    thief.cookies[cookie_name] = stolen
    assert thief.get(reverse("core:home")).status_code == 302


def test_an_expired_session_row_is_not_loaded_even_if_still_stored():
    client = sign_in(CheckedClient(), make_user(Role.AUDITOR))
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("core:home")).status_code == 302


def test_a_team_managers_page_needs_no_extra_query_for_their_teams():
    north, south = Team.objects.create(code="North", name="North"), Team.objects.create(
        code="South", name="South")
    user = make_user(Role.TEAM_MANAGER, teams=[south, north], manager=True)
    loaded = AccountBackend().get_user(user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert managed_team_codes(loaded) == ["North", "South"]
    assert queries.captured_queries == []


def test_a_team_taken_away_from_a_manager_leaves_their_scope_on_the_next_request():
    north, south = Team.objects.create(code="North", name="North"), Team.objects.create(
        code="South", name="South")
    user = make_user(Role.TEAM_MANAGER, teams=[north, south], manager=True)
    assert managed_team_codes(AccountBackend().get_user(user.pk)) == ["North", "South"]
    services.set_teams(user=user, teams=[south], manages=True)
    assert managed_team_codes(user) == ["South"]
    assert managed_team_codes(AccountBackend().get_user(user.pk)) == ["South"]
