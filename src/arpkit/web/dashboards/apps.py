from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "arpkit.web.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
