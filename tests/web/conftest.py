from __future__ import annotations

import pytest

from tests.web.support import CheckedClient


@pytest.fixture
def client() -> CheckedClient:
    """Every page any web test fetches is checked for the page invariants."""
    return CheckedClient()


@pytest.fixture(autouse=True)
def _web_db(db):
    """Web tests all touch the database."""
