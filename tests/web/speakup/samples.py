"""URL arguments for the speak-up views, for the role x view access matrix."""

from __future__ import annotations

from arpkit.web.core.permissions import Role
from arpkit.web.speakup import services
from tests.web.speakup import factories
from tests.web.support import make_user


def _user(role: Role, username: str):
    """Samples are called once per URL in one test: reuse the helper accounts."""
    from arpkit.web.accounts.models import User

    return User.objects.filter(username=username).first() or make_user(role, username=username)


def _officer_or_other(user):
    if user is not None and Role.SPEAKUP_OFFICER.value in user.role_names():
        return user
    return None


def _report_for(user):
    """Assigned to ``user`` when they are an officer; otherwise assigned to another officer."""
    officer = _officer_or_other(user) or _user(Role.SPEAKUP_OFFICER, "sample-officer")
    return factories.assigned_report(officer)


def _case(user) -> dict:
    return {"report_id": _report_for(user).id}


def _case_attachment(user) -> dict:
    report = _report_for(user)
    services.reporter_message_add(
        report=report, body="A screenshot", user=report.reporter,
        attachment=services.Upload("chat.png", "image/png", b"\x89PNG sample"))
    return {"report_id": report.id, "attachment_id": report.attachments.get().id}


def _case_take(user) -> dict:
    reporter = _user(Role.PRACTITIONER, "sample-queue-reporter")
    return {"report_id": factories.named_report(reporter).id}


def _my_report(user) -> dict:
    reporter = user or _user(Role.PRACTITIONER, "sample-own-reporter")
    return {"report_id": factories.named_report(reporter).id}


def _learning_export(user) -> dict:
    return {"fmt": "csv"}


SAMPLES = {
    "speakup:case": _case,
    "speakup:case_take": _case_take,
    "speakup:case_download": _case,
    "speakup:case_attachment": _case_attachment,
    "speakup:my_report": _my_report,
    "speakup:learning_export": _learning_export,
}
