"""Whole dashboard pages kept per viewer, so a repeated page skips the form and the template.

Why: once a page's body is ready (:mod:`prepared`), what is left of a request is Django's own
work, and half of it is building the filter form and rendering ``base.html`` and
``page.html`` around the body (navigation, account bar, links): about 5 ms of CPU a page,
which on two cores caps the dashboards well below the load target (benchmarks/README.md).
The rendered page is the same every time the same person asks for the same address of the
same cache, apart from two values that must be new for each response:

* the Content-Security-Policy nonce on the page's ``<script>`` elements, and
* the CSRF token in the sign-out form (masked afresh for every response, Django's BREACH
  protection).

So each process keeps (an LRU) the rendered page with those two values cut out, keyed by
everything the page depends on: the cache directory, the viewer's user id, name, roles,
suppression and team scope, and the full path with its query. A hit puts a fresh nonce and
a fresh CSRF token back (``get_token``, which also keeps the CSRF cookie as a rendered page
would) and returns it. A page is only ever returned to the user it was rendered for, so it
cannot show anyone rows or links their role does not give them; a change of role, team or
name, or a rebuilt cache, gives a new key. A request with a pending message (a one-off
notification banner) is never served from or kept in this memory.

The session and sign-in checks run as for any request: the middleware comes before the view.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from arpkit.web.core.permissions import roles_of
from arpkit.web.dashboards.stored import MemoryLRU

#: Pages kept per process (a page is 10-160 kB; most of it is the shared body).
LIMIT = 512
_NONCE = "\x00arpkit-nonce\x00"
_TOKEN = "\x00arpkit-csrf\x00"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


#: Rendered pages without their nonce and CSRF token, by :func:`viewer_key`.
PAGES: MemoryLRU[tuple[Any, ...], str] = MemoryLRU(LIMIT)


def viewer_key(request: HttpRequest, data: Any) -> tuple[Any, ...] | None:
    """Everything a dashboard page depends on, or None when it must be rendered afresh."""
    if len(get_messages(request)):
        return None
    user = request.user
    return (str(data.directory), data.suppression,
            None if data.team_scope is None else tuple(sorted(data.team_scope)),
            user.pk, user.get_username(), getattr(user, "display_name", ""),
            tuple(sorted(role.value for role in roles_of(user))), request.get_full_path())


def cached(request: HttpRequest, key: tuple[Any, ...] | None) -> HttpResponse | None:
    """The kept page with a fresh nonce and CSRF token, or None."""
    html = PAGES.get(key) if key is not None else None
    if html is None:
        return None
    html = html.replace(_NONCE, str(request.csp_nonce)).replace(_TOKEN, get_token(request))
    return HttpResponse(html)


def remember(request: HttpRequest, key: tuple[Any, ...] | None,
             response: HttpResponse) -> HttpResponse:
    """Keep a freshly rendered page (only a complete 200 HTML page with one nonce and
    every CSRF field found, so nothing request-specific is kept)."""
    if key is None or response.status_code != 200 or response.streaming:
        return response
    nonce = getattr(request, "_csp_nonce", None)
    html = response.content.decode(response.charset or "utf-8")
    if not nonce or "nonce=" not in html:
        return response
    html = html.replace(nonce, _NONCE)
    html, fields = _CSRF_INPUT.subn(rf"\g<1>{_TOKEN}\g<2>", html)
    if fields != html.count("csrfmiddlewaretoken"):
        return response
    PAGES.put(key, html)
    return response
