from django.http import HttpRequest
from django.urls import reverse

from arpkit.web.core.navigation import items_for
from arpkit.web.core.permissions import roles_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    path = request.path
    items = []
    for item in items_for(user):
        url = reverse(item.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return {"nav_items": items,
            "user_roles": sorted(r.label for r in roles_of(user))}
