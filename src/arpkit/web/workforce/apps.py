from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "arpkit.web.workforce"
    label = "workforce"
    verbose_name = "Workforce equity"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role

        # HR data (ethnicity with discipline, grievances, leaving) is for the HR and workforce
        # lead and the programme lead only, and even they see suppressed aggregates.
        permissions.register("workforce.view", {Role.HR_LEAD, Role.PROGRAMME_LEAD})
        permissions.register("workforce.import", {Role.HR_LEAD})
        for name, text in (
            ("workforce.dashboard_viewed", "Viewed the workforce race equity dashboard"),
            ("workforce.downloaded", "Downloaded the workforce race equity figures"),
            ("workforce.import_queued", "Uploaded an HR extract for import"),
            ("workforce.import_finished", "An HR extract import finished"),
            ("workforce.import_viewed", "Viewed an HR extract import"),
        ):
            actions.register(name, text)
        navigation.register("Workforce race equity", "workforce:dashboard", "workforce.view", 50)
        navigation.register("Import HR extracts", "workforce:imports", "workforce.import", 51)
