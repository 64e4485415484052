from django.apps import AppConfig

AUDIT_ACTIONS = {
    "audits.round_created": "Drew the sample for a case audit round",
    "audits.round_viewed": "Viewed a case audit round",
    "audits.round_verified": "Re-drew a case audit sample to check it reproduces",
    "audits.case_assigned": "Assigned an auditor and moderator to an audit case",
    "audits.case_viewed": "Viewed an audit case",
    "audits.case_saved": "Saved audit answers",
    "audits.case_submitted": "Submitted an audit with the auditor's grade",
    "audits.case_moderated": "Moderated an audit grade",
    "audits.findings_viewed": "Viewed case audit findings",
    "audits.findings_exported": "Exported case audit findings to Excel",
}


class AuditsConfig(AppConfig):
    name = "arpkit.web.audits"
    label = "audits"
    verbose_name = "Thematic case audit"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role

        for name, description in AUDIT_ACTIONS.items():
            actions.register(name, description)
        permissions.register("audits.manage_rounds", {Role.ANALYST, Role.PROGRAMME_LEAD})
        permissions.register("audits.view_findings", {Role.ANALYST, Role.PROGRAMME_LEAD})
        # Auditors see only the cases assigned to them (as auditor or as moderator).
        permissions.register("audits.audit", {Role.AUDITOR})
        navigation.register("Case audits", "audits:rounds", "audits.manage_rounds", 30)
        navigation.register("My audit cases", "audits:my_cases", "audits.audit", 31)
