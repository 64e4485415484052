"""Request-wide safety: a request id for the audit trail, session time limits, deny-by-default.

Order matters (see settings.MIDDLEWARE): the request id comes first so everything can log it;
session limits run after authentication; access checks run last, just before the view.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from arpkit.web.core import access as access_rules
from arpkit.web.core.permissions import PUBLIC, has_permission, needs_two_factor

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "arpkit_request_id", default=None)

TWO_FACTOR_EXEMPT_ATTR = "arpkit_two_factor_exempt"


def current_request_id() -> str | None:
    """The id of the request being served (groups the audit entries one action makes)."""
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.arpkit_request_id = request_id
        token = _request_id.set(request_id)
        try:
            return self.get_response(request)
        finally:
            _request_id.reset(token)


class SessionTimeoutMiddleware:
    """Sign out after ``ARPKIT_SESSION_IDLE_SECONDS`` idle or ``..._ABSOLUTE_SECONDS`` in all.

    Django's own ``SESSION_COOKIE_AGE`` only bounds the cookie; these limits follow the NCSC and
    NHS practice for systems holding sensitive personal data (15 minutes idle, 12 hours total).
    """

    STARTED = "_arpkit_started"
    SEEN = "_arpkit_seen"
    #: Last activity is stored at most this often (seconds), so browsing does not write the
    #: session on every request; the idle limit is therefore exact to within this margin.
    SEEN_RESOLUTION = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(self.STARTED)
            seen = request.session.get(self.SEEN)
            if started is None:
                request.session[self.STARTED] = now
            elif (now - started > settings.ARPKIT_SESSION_ABSOLUTE_SECONDS
                  or (seen is not None and now - seen > settings.ARPKIT_SESSION_IDLE_SECONDS)):
                from arpkit.web.audit.services import record

                record("auth.session_expired", actor=request.user, request=request)
                logout(request)
                return redirect_to_login(request.get_full_path())
            if seen is None or now - seen >= self.SEEN_RESOLUTION:
                request.session[self.SEEN] = now
        return self.get_response(request)


class AccessMiddleware:
    """Deny by default: a view that declares no access rule is refused to everyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponse],
                     view_args: tuple, view_kwargs: dict) -> HttpResponse | None:
        permission = access_rules.declared_access(view_func)
        if permission is None:
            if getattr(view_func, "__module__", "").startswith("django.views.static"):
                return None  # DEBUG static serving only
            raise PermissionDenied("this page declares no access rule")
        access_rules.validate_declared(permission)
        if permission == PUBLIC:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if (needs_two_factor(user) and not user.is_verified()
                and not getattr(view_func, TWO_FACTOR_EXEMPT_ATTR, False)):
            return redirect("accounts:two_factor")
        if not has_permission(user, permission):
            raise PermissionDenied(f"needs {permission}")
        return None


def two_factor_exempt(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a sign-in step that users must reach before they have verified a second factor."""
    setattr(view, TWO_FACTOR_EXEMPT_ATTR, True)
    return view
