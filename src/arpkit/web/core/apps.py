from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "arpkit.web.core"
    label = "core"
    verbose_name = "Core"
