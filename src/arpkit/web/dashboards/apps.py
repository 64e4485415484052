from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "arpkit.web.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation

        actions.register("dashboards.viewed", "Viewed a dashboard page (once an hour per address)")
        actions.register("dashboards.downloaded", "Downloaded dashboard figures")
        actions.register("dashboards.cache_built", "Rebuilt the dashboards' cached tables")
        navigation.register("Dashboards", "dashboards:index", "dashboards.view", order=10)
