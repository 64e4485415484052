"""Declaring who may use a view.

Every view carries an ``arpkit_access`` attribute naming a permission from
:mod:`arpkit.web.core.permissions` (or ``PUBLIC`` / ``SIGNED_IN``). ``AccessMiddleware`` reads it
before the view runs and refuses any view without one, so forgetting to declare access denies
rather than exposes; a test walks every URL to make the omission visible too.

Outcomes, in order: not signed in -> redirect to sign-in; signed in but a two-factor role not yet
verified -> redirect to two-factor; lacking the permission -> 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from arpkit.web.core.permissions import PERMISSIONS, PUBLIC, SIGNED_IN

ACCESS_ATTR = "arpkit_access"


def _check_name(permission: str) -> None:
    if permission not in (PUBLIC, SIGNED_IN) and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; register it in permissions.py")


def access(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a function view with the permission it needs.

    >>> @access("dashboards.view")                          # doctest: +SKIP
    ... def disproportionality(request): ...
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, permission)
        return wrapped

    return decorate


class AccessMixin:
    """For class-based views: set ``access = "app.permission"`` on the class."""

    access: str = ""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., Any]:
        if not cls.access:
            raise ValueError(f"{cls.__name__} must set access")
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        setattr(view, ACCESS_ATTR, cls.access)
        return view


def declared_access(view: Callable[..., Any]) -> str | None:
    """The permission a resolved view callable declares, or None."""
    return getattr(view, ACCESS_ATTR, None)


def validate_declared(permission: str) -> None:
    """Fail fast on a misspelt permission (called by the middleware on first use)."""
    _check_name(permission)
