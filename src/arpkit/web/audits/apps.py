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
    "audits.case_escalated": "An audit case was escalated: a final grade below Good",
    "audits.escalation_viewed": "Viewed an escalated audit case",
    "audits.escalation_closed": "Recorded who an escalated audit case went to and the action",
    "audits.findings_viewed": "Viewed case audit findings",
    "audits.findings_exported": "Exported case audit findings to Excel",
    "audits.questionnaire_started": "Started a new case audit questionnaire",
    "audits.questionnaire_version_created": "Created a draft version of a case audit "
                                            "questionnaire to change it",
    "audits.questionnaire_changed": "Changed a section or question of a draft questionnaire",
    "audits.questionnaire_published": "Published a case audit questionnaire version",
    "audits.scale_started": "Started a new grading scale",
    "audits.scale_version_created": "Created a draft version of a grading scale to change it",
    "audits.scale_changed": "Changed a grade of a draft grading scale",
    "audits.scale_published": "Published a grading scale version",
    "audits.theme_added": "Added a theme for tagging audit comments",
    "audits.theme_retired": "Retired a theme for tagging audit comments",
    "audits.theme_reinstated": "Reinstated a retired theme for tagging audit comments",
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
        # Questionnaires, grading scales and comment themes.
        permissions.register("audits.configure", {Role.ANALYST, Role.PROGRAMME_LEAD})
        # Auditors see only the cases assigned to them (as auditor or as moderator).
        permissions.register("audits.audit", {Role.AUDITOR})
        navigation.register("Case audits", "audits:rounds", "audits.manage_rounds", 30)
        navigation.register("My audit cases", "audits:my_cases", "audits.audit", 31)
        navigation.register("Audit questionnaires", "audits:configuration", "audits.configure",
                            32)
