"""URL map: one include per app. Every view declares its access rule (see core.access)."""

from django.urls import include, path

urlpatterns = [
    path("", include("arpkit.web.core.urls")),
    path("accounts/", include("arpkit.web.accounts.urls")),
    path("audit/", include("arpkit.web.audit.urls")),
    path("dashboards/", include("arpkit.web.dashboards.urls")),
    path("imports/", include("arpkit.web.imports.urls")),
    path("thinking-tool/", include("arpkit.web.thinking_tool.urls")),
    path("case-audits/", include("arpkit.web.audits.urls")),
    path("speak-up/", include("arpkit.web.speakup.urls")),
    path("workforce/", include("arpkit.web.workforce.urls")),
    path("learning/", include("arpkit.web.learning.urls")),
    path("programme/", include("arpkit.web.programme.urls")),
]
