from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "arpkit.web.imports"
    label = "imports"
    verbose_name = "Data import"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation

        for name, description in (
                ("imports.queued", "Uploaded returns for import"),
                ("imports.succeeded", "Imported returns into the warehouse"),
                ("imports.failed", "An import found problems; nothing was imported"),
                ("imports.viewed", "Viewed an import"),
                ("imports.rollback_requested", "Asked to roll back an import"),
                ("imports.rolled_back", "Rolled back an import"),
                ("imports.rollback_refused", "An import could not be rolled back")):
            actions.register(name, description)
        navigation.register("Data import", "imports:jobs", "imports.manage", order=20)
