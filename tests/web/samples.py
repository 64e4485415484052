"""URL arguments for the foundation's parameterised views (see url_walk.py)."""

from tests.web.support import make_user


def _user_edit() -> dict:
    return {"user_id": make_user(username="sample-person").pk}


SAMPLES = {"accounts:user_edit": _user_edit}
