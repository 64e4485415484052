from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "arpkit.web.programme"
    label = "programme"
    verbose_name = "Programme benefits register"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role
        from arpkit.web.programme import sources  # noqa: F401  (registers the sources)

        # The register holds no personal data: leaders and those who check the programme read
        # it; the programme lead keeps it.
        permissions.register("programme.view", {Role.PROGRAMME_LEAD, Role.TEAM_MANAGER,
                                                Role.ANALYST, Role.AUDITOR, Role.HR_LEAD})
        permissions.register("programme.edit", {Role.PROGRAMME_LEAD})
        # The one-page highlight report is for the programme lead and the service's leaders
        # (team managers and the HR and workforce lead) to take to boards and forums.
        permissions.register("programme.highlight",
                             {Role.PROGRAMME_LEAD, Role.TEAM_MANAGER, Role.HR_LEAD})
        # Regional comparison of published (suppressed) aggregates with peers.
        permissions.register("programme.regional", {Role.ANALYST, Role.PROGRAMME_LEAD})
        for name, text in (
            ("programme.objective_changed", "Changed a programme objective"),
            ("programme.measure_created", "Added a measure to the benefits register"),
            ("programme.measure_changed", "Changed a measure"),
            ("programme.observation_added", "Recorded a value for a measure"),
            ("programme.measure_refreshed", "Refreshed a linked measure from its source"),
            ("programme.log_entry_created", "Added to the action, decision and risk log"),
            ("programme.log_entry_changed", "Changed an action, decision, risk or milestone"),
            ("programme.engagement_created", "Logged a stakeholder engagement"),
            ("programme.engagement_changed", "Changed a stakeholder engagement"),
            ("programme.highlight_exported", "Downloaded the programme highlight report"),
            ("programme.regional_viewed", "Viewed the regional comparison"),
        ):
            actions.register(name, text)
        navigation.register("Benefits register", "programme:register", "programme.view", 70)
        navigation.register("Regional comparison", "programme:regional", "programme.regional",
                            72)
