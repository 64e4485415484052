from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "arpkit.web.learning"
    label = "learning"
    verbose_name = "Training and learning spaces"
