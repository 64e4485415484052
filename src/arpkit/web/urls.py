"""URL map: one include per app. Every view declares its access rule (see core.access)."""

from django.urls import include, path

urlpatterns = [
    path("", include("arpkit.web.core.urls")),
    path("accounts/", include("arpkit.web.accounts.urls")),
    path("audit/", include("arpkit.web.audit.urls")),
]
