"""The service navigation: links shown to a user only where they hold the permission."""

from __future__ import annotations

from dataclasses import dataclass

from arpkit.web.core.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int


_ITEMS: dict[str, NavItem] = {}


def register(label: str, url_name: str, permission: str, order: int = 50) -> None:
    _ITEMS[url_name] = NavItem(label, url_name, permission, order)


def items_for(user) -> list[NavItem]:
    return sorted((i for i in _ITEMS.values() if has_permission(user, i.permission)),
                  key=lambda i: (i.order, i.label))


register("Home", "core:home", "signed_in", order=0)
register("Audit log", "audit:log", "audit_log.view", order=90)
register("Users", "accounts:users", "accounts.manage", order=91)
