from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "arpkit.web.programme"
    label = "programme"
    verbose_name = "Programme benefits register"
