from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "arpkit.web.learning"
    label = "learning"
    verbose_name = "Training and learning spaces"

    def ready(self) -> None:
        from arpkit.web.audit import actions
        from arpkit.web.core import navigation, permissions
        from arpkit.web.core.permissions import Role

        # Anyone may be asked to facilitate a session: the role check lets every signed-in
        # member of staff through and selectors apply the object rule (a facilitator of that
        # session, or the programme lead).
        permissions.register("learning.facilitate", frozenset(Role))
        permissions.register("learning.manage", {Role.PROGRAMME_LEAD})
        permissions.register("learning.coverage",
                             {Role.TEAM_MANAGER, Role.PROGRAMME_LEAD, Role.HR_LEAD})
        for name, text in (
            ("learning.course_created", "Created a course or learning space"),
            ("learning.sessions_scheduled", "Scheduled sessions"),
            ("learning.booked", "Booked a place on a session"),
            ("learning.booking_cancelled", "Cancelled a booking"),
            ("learning.attendance_recorded", "Recorded attendance"),
            ("learning.attendance_uploaded", "Uploaded attendance from a CSV file"),
            ("learning.feedback_given", "Gave feedback on a session"),
            ("learning.feedback_viewed", "Viewed feedback on a session"),
            ("learning.target_created", "Set a training coverage target"),
            ("learning.coverage_viewed", "Viewed training coverage"),
        ):
            actions.register(name, text)
        navigation.register("Training and learning spaces", "learning:index", "signed_in", 40)
        navigation.register("Training coverage", "learning:coverage", "learning.coverage", 41)
