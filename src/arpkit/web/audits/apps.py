from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "arpkit.web.audits"
    label = "audits"
    verbose_name = "Thematic case audit"
