from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "arpkit.web.workforce"
    label = "workforce"
    verbose_name = "Workforce equity"
