from django.apps import AppConfig

AUDIT_ACTIONS = {
    "speakup.report_submitted": "Filed a speak-up report",
    "speakup.report_read": "Read a speak-up report",
    "speakup.report_exported": "Downloaded a speak-up report or attachment",
    "speakup.report_read_by_reporter": "The reporter read their speak-up report",
    "speakup.reporter_message": "The reporter added to a speak-up report",
    "speakup.report_assigned": "Assigned a speak-up report",
    "speakup.report_acknowledged": "Acknowledged a speak-up report",
    "speakup.report_categorised": "Categorised a speak-up report",
    "speakup.risk_assessed": "Assessed the risk in a speak-up report",
    "speakup.officer_message": "Sent a message to a reporter",
    "speakup.action_recorded": "Recorded an action on a speak-up report",
    "speakup.report_closed": "Closed a speak-up report",
    "speakup.feedback_recorded": "Recorded whether the reporter felt it was resolved",
    "speakup.detriment_flagged": "Flagged or cleared detriment for speaking up",
    "speakup.report_purged": "Deleted a speak-up report's content at the end of retention",
    "speakup.reminder_sent": "Sent a speak-up reminder",
    "speakup.key_rotated": "Re-wrapped speak-up report keys under a new master key",
    "speakup.dashboard_viewed": "Viewed the speak-up learning dashboard",
    "speakup.dashboard_exported": "Exported the speak-up learning dashboard",
}


class SpeakupConfig(AppConfig):
    name = "arpkit.web.speakup"
    label = "speakup"
    verbose_name = "Speak up"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role

        # Anyone on the staff may report; the anonymous route is also public (no sign-in).
        permissions.register("speakup.report", permissions.all_roles())
        # Reading and handling reports: speak-up officers only (two-factor enforced by role).
        permissions.register("speakup.handle", {Role.SPEAKUP_OFFICER})
        # The suppressed learning dashboard: the programme lead.
        permissions.register("speakup.learn", {Role.PROGRAMME_LEAD})
        for name, description in AUDIT_ACTIONS.items():
            actions.register(name, description)
        navigation.register("Speak up", "speakup:start", "speakup.report", order=60)
        navigation.register("Speak-up cases", "speakup:cases", "speakup.handle", order=61)
        navigation.register("Speak-up learning", "speakup:learning", "speakup.learn", order=62)
