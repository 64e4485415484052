from __future__ import annotations

import pytest

from tests.web.support import CheckedClient


@pytest.fixture
def client() -> CheckedClient:
    """Every page any web test fetches is checked for the page invariants."""
    return CheckedClient()


def ensure_seeded_defaults() -> None:
    """Put back the rows the data migrations seed, if a test emptied the database.

    Browser tests run against ``live_server``, whose isolation truncates every table after
    each test (data migrations included); tests that run later in the same worker must still
    see the defaults a real installation has. Each seed is idempotent.
    """
    from arpkit.web.audits import defaults as audit_defaults
    from arpkit.web.audits import models as audit_models
    from arpkit.web.programme.models import Objective
    from arpkit.web.programme.services import seed_default_objectives
    from arpkit.web.thinking_tool import defaults as tool_defaults
    from arpkit.web.thinking_tool import models as tool_models

    if not tool_models.Domain.objects.exists():
        tool_defaults.seed(tool_models.Domain, tool_models.Prompt, tool_models.PromptVersion)
    if not audit_models.GradeScale.objects.exists():
        audit_defaults.seed(audit_models.GradeScale, audit_models.GradeLevel,
                            audit_models.Questionnaire, audit_models.Section,
                            audit_models.Question, audit_models.Theme)
    if not Objective.objects.exists():
        seed_default_objectives()


@pytest.fixture(autouse=True)
def _web_db(db):
    """Web tests all touch the database, seeded as migrations leave it."""
    ensure_seeded_defaults()
