"""URL arguments for the learning app's views (see tests/web/url_walk.py)."""

from tests.web.learning.factories import attend, make_course, make_session


def _course() -> dict:
    return {"course_id": make_course().pk}


def _session() -> dict:
    return {"session_id": make_session().pk}


def _facilitated(user) -> dict:
    return {"session_id": make_session(facilitators=[user] if user else []).pk}


def _attended(user) -> dict:
    session = make_session(days=-3)
    if user is not None:
        attend(session, user)
    return {"session_id": session.pk}


SAMPLES = {
    "learning:course": _course,
    "learning:session_create": _course,
    "learning:feedback_trends": _course,
    "learning:session": _session,
    "learning:book": _session,
    "learning:cancel_booking": _session,
    "learning:feedback": _attended,
    "learning:attendance": _facilitated,
    "learning:attendance_upload": _facilitated,
    "learning:feedback_results": _facilitated,
}
