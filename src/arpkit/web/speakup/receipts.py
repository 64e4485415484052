"""The anonymous reporter's receipt code: the only credential, stored as an Argon2 hash.

After GlobaLeaks: a random 16-digit code (like a phone number, easy to write down), shown once,
never emailed. ``secrets`` gives 10^16 possibilities (about 53 bits). The database holds

* ``receipt_hash`` - Django's :class:`Argon2PasswordHasher` (Argon2id, RFC 9106) with a
  per-report salt, used explicitly whatever ``PASSWORD_HASHERS`` says; and
* ``receipt_bucket`` - an HMAC-SHA256 (server key) of the first four digits. The bucket only
  narrows which hashes to try (about 1 in 10,000 reports share one), so lookup does not need a
  deterministic hash; without the server key it says nothing about the code, and with it an
  attacker still faces 10^12 Argon2 guesses per report.

Guessing is throttled (:func:`check_allowed`): failures are counted per client address (as an
HMAC, never the address itself) and globally, in the cache with a one-hour expiry - never in the
database, so the counters leave no lasting trace of who tried.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import caches
from django.http import HttpRequest

CODE_DIGITS = 16
BUCKET_DIGITS = 4
WINDOW_SECONDS = 60 * 60


class ReceiptHasher(Argon2PasswordHasher):
    """Argon2id with costs from ``ARPKIT_SPEAKUP_ARGON2`` (defaults: Django's)."""

    def __init__(self) -> None:
        costs = getattr(settings, "ARPKIT_SPEAKUP_ARGON2", {})
        self.time_cost = int(costs.get("time_cost", Argon2PasswordHasher.time_cost))
        self.memory_cost = int(costs.get("memory_cost", Argon2PasswordHasher.memory_cost))
        self.parallelism = int(costs.get("parallelism", Argon2PasswordHasher.parallelism))


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise(text: str) -> str:
    """Accept the code as written down: spaces and dashes are ignored."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def grouped(code: str) -> str:
    """'1234 5678 9012 3456' - easier to copy by hand."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def _server_key(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"arpkit-speakup-{purpose}".encode(),
                    hashlib.sha256).digest()


def bucket(code: str) -> str:
    return hmac.new(_server_key("receipt-bucket"), code[:BUCKET_DIGITS].encode(),
                    hashlib.sha256).hexdigest()


def hash_code(code: str) -> str:
    hasher = ReceiptHasher()
    return hasher.encode(code, hasher.salt())


def verify(code: str, encoded: str) -> bool:
    return bool(encoded) and ReceiptHasher().verify(code, encoded)


def burn_time(code: str) -> None:
    """Spend one Argon2 verification, so a code with no candidates takes as long as one with."""
    hasher = ReceiptHasher()
    hasher.encode(code, hasher.salt())


def looks_valid(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isdigit()


# --------------------------------------------------------------------------- throttling


def _cache():
    return caches[getattr(settings, "ARPKIT_SPEAKUP_CACHE", "default")]


def _client_key(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    digest = hmac.new(_server_key("throttle"), address.encode(), hashlib.sha256).hexdigest()
    return f"speakup:receipt:ip:{digest[:32]}"


GLOBAL_KEY = "speakup:receipt:all"


def limits() -> tuple[int, int]:
    """(failures per address, failures across everyone) allowed per hour."""
    return (int(getattr(settings, "ARPKIT_SPEAKUP_RECEIPT_FAILURES_PER_CLIENT", 5)),
            int(getattr(settings, "ARPKIT_SPEAKUP_RECEIPT_FAILURES_GLOBAL", 100)))


def check_allowed(request: HttpRequest) -> bool:
    """False when this client, or everyone together, has failed too often in the last hour."""
    per_client, overall = limits()
    cache = _cache()
    return (cache.get(_client_key(request), 0) < per_client
            and cache.get(GLOBAL_KEY, 0) < overall)


def _bump(key: str) -> None:
    cache = _cache()
    if cache.add(key, 1, WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)


def record_failure(request: HttpRequest) -> None:
    _bump(_client_key(request))
    _bump(GLOBAL_KEY)
