"""Speak-up settings for tests (shared by the unit and browser tests)."""

from __future__ import annotations

from django.core.cache import cache


def apply_speakup_test_settings(settings, tmp_path, monkeypatch) -> None:
    """Isolate the master key file and the throttle counters; make Argon2 cheap for tests.

    The receipt hasher is still Argon2id (tests check the stored hash says so); only its costs
    are lowered so the suite stays fast.
    """
    monkeypatch.delenv("ARPKIT_SPEAKUP_KEY", raising=False)
    settings.ARPKIT_SPEAKUP_KEY_FILE = tmp_path / "speakup.key"
    settings.ARPKIT_SPEAKUP_ARGON2 = {"time_cost": 1, "memory_cost": 256, "parallelism": 1}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
