"""Home page and the service's standing pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from arpkit.web.core.access import access
from arpkit.web.core.accessibility import AXE_EXCLUSIONS, AXE_TAGS
from arpkit.web.core.navigation import items_for


@access("signed_in")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html",
                  {"sections": [i for i in items_for(request.user) if i.url_name != "core:home"]})


@access("public")
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", {"exclusions": AXE_EXCLUSIONS,
                                                       "tags": AXE_TAGS})


@access("public")
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")
