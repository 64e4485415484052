from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "arpkit.web.imports"
    label = "imports"
    verbose_name = "Data import"
