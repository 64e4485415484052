"""Speak-up test settings: a throwaway master key per test, cheap Argon2, empty throttles."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.web.speakup.fixtures import apply_speakup_test_settings


@pytest.fixture(autouse=True)
def speakup_settings(settings, tmp_path, monkeypatch):
    apply_speakup_test_settings(settings, tmp_path, monkeypatch)
    yield settings
    cache.clear()
