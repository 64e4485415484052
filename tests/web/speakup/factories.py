"""Reports for tests, made through the services (so they are encrypted like real ones)."""

from __future__ import annotations

from arpkit.web.speakup import services
from arpkit.web.speakup.choices import Route, Source

WHAT_HAPPENED = "A colleague mocked my name in the team meeting on Tuesday"


def submission(**overrides) -> services.Submission:
    values = {"route": Route.EXPERIENCED, "source": Source.COLLEAGUE,
              "service_area": "Children in care", "what_happened": WHAT_HAPPENED,
              "impact": "I dread going into the office", "desired_outcome": "An apology"}
    values.update(overrides)
    return services.Submission(**values)


def named_report(reporter, **overrides):
    report, _ = services.report_submit(submission=submission(**overrides), reporter=reporter,
                                       anonymous=False)
    return report


def anonymous_report(**overrides):
    return services.report_submit(submission=submission(**overrides), anonymous=True)


def assigned_report(officer, *, reporter=None, **overrides):
    """A named report (by ``reporter`` or a new practitioner) assigned to ``officer``."""
    from arpkit.web.core.permissions import Role
    from tests.web.support import make_user

    if reporter is None:
        from arpkit.web.accounts.models import User

        reporter = (User.objects.filter(username="sample-reporter").first()
                    or make_user(Role.PRACTITIONER, username="sample-reporter"))
    report = named_report(reporter, **overrides)
    services.report_assign(report=report, officer=officer, by=officer)
    return report
