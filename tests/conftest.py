"""Shared fixtures: paths to the public sample files, and an isolated pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: public sample files in the real formats (read-only)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with a fixed test key so no key file is created in the home directory."""
    monkeypatch.setenv("ARPKIT_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
