"""The registry of audit action names.

Namespaced strings (``"area.verb"``) as in Wagtail's log actions: an entry with an unregistered
action is refused, so the log stays a closed vocabulary that administrators can filter on and
that tests can enumerate. Apps register their own actions at import time of their
``audit_actions`` or ``apps`` module with :func:`register`.
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "auth.login": "Signed in",
    "auth.login_failed": "Sign-in failed",
    "auth.logout": "Signed out",
    "auth.session_expired": "Session ended by the idle or absolute time limit",
    "auth.two_factor_setup": "Set up two-factor authentication",
    "auth.two_factor_verified": "Passed two-factor authentication",
    "auth.two_factor_failed": "Failed two-factor authentication",
    "accounts.user_created": "Created a user",
    "accounts.role_assigned": "Assigned a role",
    "accounts.role_removed": "Removed a role",
    "audit_log.viewed": "Viewed the audit log",
    "audit_log.exported": "Exported the audit log",
}


def register(name: str, description: str) -> None:
    """Add an action; re-registering with a different description is a bug."""
    if "." not in name:
        raise ValueError(f"audit action {name!r} must be namespaced, e.g. 'imports.started'")
    existing = ACTIONS.get(name)
    if existing is not None and existing != description:
        raise ValueError(f"audit action {name!r} already registered as {existing!r}")
    ACTIONS[name] = description


def describe(name: str) -> str:
    return ACTIONS.get(name, name)
