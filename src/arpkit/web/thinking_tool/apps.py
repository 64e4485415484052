from django.apps import AppConfig


class ThinkingToolConfig(AppConfig):
    name = "arpkit.web.thinking_tool"
    label = "thinking_tool"
    verbose_name = "Race, Ethnicity, Culture and Religion Thinking Tool"
