"""Serving dashboards cheaply: page bodies drawn ahead of time, whole pages kept per viewer,
and a web database that lets reads and writes overlap (benchmarks/README.md, "Web dashboards
under load")."""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arpkit.web.accounts.models import Team
from arpkit.web.core.permissions import Role
from arpkit.web.dashboards import cache, figures, prepared, responses
from arpkit.web.dashboards.forms import PAGE_FIELDS
from tests.web.support import make_user, sign_in

PATHWAY = "/dashboards/pathway/"
NONCE = re.compile(r'<script[^>]*nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def fresh_memory():
    """Each test starts with nothing in this process's memory (the disk store stays)."""
    for store in (prepared.BODIES, figures.FIGURES, responses.PAGES):
        store.clear()
    yield
    for store in (prepared.BODIES, figures.FIGURES, responses.PAGES):
        store.clear()


def _refuse_drawing(monkeypatch) -> None:
    """From here on, fail if a request draws anything: a chart (vl-convert) or a page from
    the cached tables (pandas)."""
    import vl_convert

    def refuse(*args, **kwargs):
        raise AssertionError("a request drew a page that should have been ready")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
    for slug in list(prepared.PAGES):
        monkeypatch.setitem(prepared.PAGES, slug, refuse)


def _text_without_per_response_values(html: str) -> str:
    return TOKEN.sub("TOKEN", html.replace(NONCE.search(html).group(1), "NONCE"))


def test_a_page_drawn_when_the_cache_was_built_needs_no_chart_and_three_queries(
        client, cached, fresh_memory, monkeypatch):
    root = cache.cache_root()
    prepared.prerender(cached, root, suppressions=("dfe",), pages=("pathway", "quality"))
    for period in cached.periods:
        for slug in ("pathway", "quality"):
            key = prepared.body_key(prepared.key_parts(slug, "dfe", None, {"period": period}))
            assert (cached.directory(root) / "pages" / f"{key}.json").exists()
    assert prepared.prerender(cached, root, suppressions=("dfe",),
                              pages=("pathway", "quality")) == 0, "drawn twice"
    _refuse_drawing(monkeypatch)
    sign_in(client, make_user(Role.AUDITOR))
    client.get("/dashboards/")  # the first request stamps the session (SessionTimeout)
    for period in cached.periods:
        for url in (f"{PATHWAY}?period={period}", f"/dashboards/recording-quality/"
                                                  f"?period={period}"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert BeautifulSoup(response.content, "html.parser").select("figure svg")
            # the session, the user, the user's roles, and the view's audit entry (written
            # once an hour per address): nothing for the dashboard itself
            sql = [q["sql"] for q in queries.captured_queries]
            audit = [q for q in sql if q.startswith('INSERT INTO "audit_auditevent"')]
            assert len(audit) == 1 and len(sql) - len(audit) <= 3, sql


def test_a_page_drawn_on_first_request_is_kept_on_disk_for_every_process(
        client, cached, fresh_memory, monkeypatch):
    sign_in(client, make_user(Role.PROGRAMME_LEAD))
    url = "/dashboards/disproportionality/?period=2024&stage=cin&basis=in_year"
    first = client.get(url)
    assert first.status_code == 200
    data_dir = cached.directory(cache.cache_root())
    assert list((data_dir / "pages").glob("*.json")), "the drawn body was not stored"
    # Another process: empty memory, and any drawing refused.
    for store in (prepared.BODIES, figures.FIGURES, responses.PAGES):
        store.clear()
    _refuse_drawing(monkeypatch)
    client.logout()
    sign_in(client, make_user(Role.AUDITOR))
    again = client.get(url)
    old_body = BeautifulSoup(first.content, "html.parser").select_one("main figure")
    new_body = BeautifulSoup(again.content, "html.parser").select_one("main figure")
    assert str(old_body) == str(new_body)


def test_a_repeated_page_comes_from_memory_with_a_fresh_nonce_and_csrf_token(
        client, cached, fresh_memory):
    user = make_user(Role.AUDITOR)
    sign_in(client, user)
    first = client.get(PATHWAY)
    assert len(responses.PAGES) == 1
    second = client.get(PATHWAY)
    one, two = first.content.decode(), second.content.decode()
    assert NONCE.search(one).group(1) != NONCE.search(two).group(1)
    assert f"'nonce-{NONCE.search(two).group(1)}'" in second["Content-Security-Policy"]
    assert TOKEN.search(one).group(1) != TOKEN.search(two).group(1)
    assert _text_without_per_response_values(one) == _text_without_per_response_values(two)
    # The kept page's sign-out form still works: its token matches this browser's cookie.
    assert client.post("/accounts/sign-out/", {
        "csrfmiddlewaretoken": TOKEN.search(two).group(1)}).status_code == 302


def test_a_kept_page_is_never_served_to_another_user(client, cached, fresh_memory):
    teams = sorted(cache.load(cached, "funnel", "dfe")["team"].dropna().unique())
    mine, theirs = (Team.objects.create(code=t, name=t) for t in teams[:2])
    url = "/dashboards/teams/?funnel=referral>assessment"
    sign_in(client, make_user(Role.TEAM_MANAGER, username="manager-one", teams=[mine],
                              manager=True))
    assert mine.code in client.get(url).content.decode()
    client.logout()
    sign_in(client, make_user(Role.TEAM_MANAGER, username="manager-two", teams=[theirs],
                              manager=True))
    page = client.get(url).content.decode()
    assert "manager-two" in page and "manager-one" not in page
    names = [th.get_text(strip=True) for th in
             BeautifulSoup(page, "html.parser").select("figure table tbody th")]
    assert names == [theirs.code]


def test_every_filter_the_forms_offer_is_drawn_ahead_of_time(client, cached):
    sign_in(client, make_user(Role.AUDITOR))
    offered = set()
    for slug, url in (("disproportionality", "/dashboards/disproportionality/"),
                      ("trends", "/dashboards/trends/"), ("teams", "/dashboards/teams/"),
                      ("pathway", PATHWAY), ("quality", "/dashboards/recording-quality/")):
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        options = {name: [o["value"] for o in soup.select(f"#id_{name} option")]
                   for name in PAGE_FIELDS[slug]}
        assert all(options.values()), f"{slug}: a filter without choices"
        offered.add((slug, tuple(sorted((k, tuple(v)) for k, v in options.items()))))
    teams = cache.team_codes(cached, "dfe")
    keys = {prepared.key_parts(slug, "dfe", None, f)
            for slug, f in prepared.combinations(cached.periods, teams)}
    for slug, options in offered:
        names = [name for name, _ in options]
        for values in itertools.product(*(values for _, values in options)):
            filters = dict(zip(names, values, strict=True))
            assert prepared.key_parts(slug, "dfe", None, filters) in keys, (slug, filters)


def test_a_trend_whose_change_could_not_be_tested_is_still_drawn(client, cached):
    metrics = cache.load(cached, "metrics", "dfe")
    changes = metrics[(metrics["measure"] == "rate_per_10k_change")
                      & (metrics["breakdown"] == "ethnicity_code")]
    assert changes["significant"].isna().any(), "the demo should have an untested change"
    stage, basis = changes.loc[changes["significant"].isna(), ["stage", "basis"]].iloc[0]
    sign_in(client, make_user(Role.AUDITOR))
    response = client.get(f"/dashboards/trends/?measure=rate_per_10k&stage={stage}"
                          f"&basis={basis}&breakdown=ethnicity_code")
    assert response.status_code == 200
    assert BeautifulSoup(response.content, "html.parser").select("figure svg")


def test_the_local_sqlite_database_lets_a_reader_and_a_writer_work_at_once(tmp_path):
    from django.db.utils import ConnectionHandler

    from arpkit.web.settings import local

    if local.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the local settings use another database in this run")
    options = local.DATABASES["default"]["OPTIONS"]
    path = tmp_path / "web.sqlite3"
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                             "NAME": str(path), "OPTIONS": options}})
    web = handler["default"]
    with web.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cursor.execute("CREATE TABLE session (k TEXT PRIMARY KEY, v TEXT)")
        cursor.execute("INSERT INTO session VALUES ('a', 'old')")
    reader = sqlite3.connect(path, timeout=0, check_same_thread=False)
    reader.execute("BEGIN")
    assert reader.execute("SELECT v FROM session").fetchone() == ("old",)  # holds a read
    assert web.transaction_mode == "IMMEDIATE"  # writers queue rather than deadlock
    done = threading.Event()

    def write() -> None:  # another thread: its own connection, as in another request
        own = handler["default"]
        with own.cursor() as cursor:
            cursor.execute("UPDATE session SET v = 'new' WHERE k = 'a'")
        own.close()
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=10)
    try:
        assert done.is_set(), "a session write waited for a reader"
        assert reader.execute("SELECT v FROM session").fetchone() == ("old",)  # its snapshot
    finally:
        reader.rollback()
        reader.close()
        web.close()


def test_the_team_scopes_to_draw_are_those_of_users_who_see_their_own_teams(cached):
    from arpkit.web.dashboards.selectors import team_scopes

    teams = sorted(cache.load(cached, "funnel", "dfe")["team"].dropna().unique())
    first, second = (Team.objects.create(code=t, name=t) for t in teams[:2])
    make_user(Role.TEAM_MANAGER, teams=[first, second], manager=True)
    make_user(Role.PRACTITIONER, teams=[first])
    make_user(Role.PRACTITIONER)  # no team: nothing of their own to draw
    make_user(Role.AUDITOR)  # every team: the authority-wide pages
    make_user(Role.HR_LEAD, teams=[first])  # no dashboards at all
    assert team_scopes() == {"dfe": sorted([frozenset({first.code}),
                                            frozenset({first.code, second.code})], key=sorted)}


def test_drawing_for_everyone_draws_the_authority_and_each_managers_teams(cached,
                                                                        monkeypatch):
    teams = sorted(cache.load(cached, "funnel", "dfe")["team"].dropna().unique())
    team = Team.objects.create(code=teams[0], name=teams[0])
    make_user(Role.TEAM_MANAGER, teams=[team], manager=True)
    calls = []

    def drawing(manifest, root=None, *, suppressions=cache.SUPPRESSIONS, scopes=(None,),
                workers=2, pages=None, progress=None):
        calls.append((manifest.key, tuple(suppressions), list(scopes), pages))
        return 3

    monkeypatch.setattr(prepared, "prerender", drawing)
    assert prepared.prerender_everyone(cached, pages=("teams",)) == 6
    assert calls == [(cached.key, cache.SUPPRESSIONS, [None], ("teams",)),
                     (cached.key, ("dfe",), [frozenset({teams[0]})], ("teams",))]
