from django.apps import AppConfig

#: Audit actions this app writes (codes only in ``extra``).
AUDIT_ACTIONS = {
    "thinking_tool.created": "Opened a Thinking Tool for a child",
    "thinking_tool.viewed": "Viewed a Thinking Tool",
    "thinking_tool.saved": "Saved Thinking Tool answers",
    "thinking_tool.submitted": "Submitted a Thinking Tool for sign-off",
    "thinking_tool.returned": "Returned a Thinking Tool with comments",
    "thinking_tool.signed_off": "Signed off a Thinking Tool",
    "thinking_tool.timeline_viewed": "Viewed a child's Thinking Tool timeline",
    "thinking_tool.prompt_revised": "Revised a Thinking Tool prompt (new version)",
    "thinking_tool.measures_viewed": "Viewed the Thinking Tool measures",
}


class ThinkingToolConfig(AppConfig):
    name = "arpkit.web.thinking_tool"
    label = "thinking_tool"
    verbose_name = "Race, Ethnicity, Culture and Religion Thinking Tool"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role

        for name, description in AUDIT_ACTIONS.items():
            actions.register(name, description)
        # Practitioners and managers complete tools; object rules in selectors.py.
        permissions.register("thinking_tool.use", {Role.PRACTITIONER, Role.TEAM_MANAGER})
        permissions.register("thinking_tool.sign_off", {Role.TEAM_MANAGER})
        permissions.register("thinking_tool.edit_prompts", {Role.PROGRAMME_LEAD})
        permissions.register("thinking_tool.view_measures",
                             {Role.PROGRAMME_LEAD, Role.ANALYST, Role.TEAM_MANAGER})
        navigation.register("Thinking Tool", "thinking_tool:index", "thinking_tool.use", 20)
        navigation.register("Thinking Tool measures", "thinking_tool:measures",
                            "thinking_tool.view_measures", 21)
        navigation.register("Thinking Tool prompts", "thinking_tool:prompts",
                            "thinking_tool.edit_prompts", 22)
