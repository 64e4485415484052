from django.apps import AppConfig


class SpeakupConfig(AppConfig):
    name = "arpkit.web.speakup"
    label = "speakup"
    verbose_name = "Speak up"
