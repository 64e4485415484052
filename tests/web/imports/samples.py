"""URL arguments for the imports app's parameterised views (see tests/web/url_walk.py)."""

from arpkit.web.accounts.models import User
from arpkit.web.core.permissions import Role, has_permission
from arpkit.web.imports.models import ImportJob, ImportStatus
from tests.web.support import make_user


def _job(user) -> dict:
    owner = user
    if owner is None or not has_permission(owner, "imports.manage"):
        owner = (User.objects.filter(username="sample-analyst").first()
                 or make_user(Role.ANALYST, username="sample-analyst"))
    job = ImportJob.objects.create(created_by=owner, status=ImportStatus.FAILED,
                                   message="sample")
    return {"job_id": job.pk}


SAMPLES = {"imports:job": _job, "imports:job_status": _job, "imports:rollback": _job}
