"""Pseudonymous keys for children (and staff): HMAC-SHA256 over the authority code and id.

Why HMAC and not a plain hash: child ids are short and guessable, so an unkeyed hash could be
reversed by hashing every possible id.  With a secret key held by the authority (environment
variable ``ARPKIT_PSEUDONYM_KEY`` or a 0600 key file) the warehouse can be shared with analysts
without the ids, and the same child still gets the same key in the CIN census, the SSDA903 and
Annex A because all three use the authority's own child id.

The key file is created on first use, with 0600 permissions, at ``ARPKIT_KEY_FILE`` or
``~/.config/arpkit/pseudonym.key``.  Losing the key means new imports no longer link to old ones:
back it up like any other secret.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections import ChainMap
from collections.abc import Sequence
from pathlib import Path

from arpkit.engine.errors import ConfigError

ENV_KEY = "ARPKIT_PSEUDONYM_KEY"
ENV_KEY_FILE = "ARPKIT_KEY_FILE"
_SEPARATOR = "\x1f"  # unit separator: cannot occur in an LA code or a child id
_BLOCK = 64  # SHA-256 block size in bytes


def default_key_file() -> Path:
    env = os.environ.get(ENV_KEY_FILE)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "arpkit" / "pseudonym.key"


def load_key(key_file: Path | None = None) -> bytes:
    """The pseudonymisation key: from the environment, else the key file (created if absent)."""
    env = os.environ.get(ENV_KEY)
    if env:
        if len(env) < 16:
            raise ConfigError(f"{ENV_KEY} is too short: use at least 16 characters")
        return env.encode("utf-8")
    path = key_file or default_key_file()
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigError(
                f"key file {path} is readable by other users (mode {mode:o}); "
                f"run: chmod 600 {path}"
            )
        key = path.read_bytes().strip()
        if len(key) < 16:
            raise ConfigError(f"key file {path} holds too short a key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


class Pseudonymiser:
    """Turns (la_code, child id) into a stable 64-hex-character key.

    Ids are cleaned by the readers (trimmed, ``.0`` float damage removed) before they get here;
    this class only hashes.  A per-instance cache makes repeated ids (a child with many events)
    cost one HMAC.  :meth:`keys_for` does a whole column at once for the importer, against a
    memo the caller owns (one per file), so a child's id is hashed once however many tables
    and rows it appears in.

    Speed: HMAC-SHA256 is ``H((K ^ opad) || H((K ^ ipad) || msg))`` (RFC 2104), so the two
    keyed SHA-256 states are computed once per key and copied per id; the result is the same
    bytes as ``hmac.new(key, msg, sha256)`` at a third of the cost of building an HMAC object.
    """

    #: Entries kept in a cache or memo before ids are hashed without being remembered (about
    #: 200 bytes each), so memory stays bounded on the largest authorities.
    CACHE_LIMIT = 2_000_000

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else load_key()
        self._cache: dict[tuple[str, str], str] = {}
        self._inner, self._outer = _keyed_states(self._key)

    def _hmac(self, la_code: str, source_id: str) -> str:
        inner = self._inner.copy()
        inner.update(f"{la_code}{_SEPARATOR}{source_id}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def key_for(self, la_code: str, source_id: str) -> str:
        k = (la_code, source_id)
        out = self._cache.get(k)
        if out is None:
            out = self._hmac(la_code, source_id)
            if len(self._cache) < self.CACHE_LIMIT:
                self._cache[k] = out
        return out

    def keys_for(self, la_code: str, source_ids: Sequence[str],
                 memo: dict[str, str] | None = None) -> list[str]:
        """The keys of a column of ids of one authority, in order.

        ``memo`` maps id to key for ``la_code`` only; ids not in it are hashed once each and
        added while it holds fewer than :attr:`CACHE_LIMIT` entries.
        """
        memo = {} if memo is None else memo
        missing = set(source_ids).difference(memo)
        if missing:
            one = self._hmac
            new = {i: one(la_code, i) for i in missing}
            if len(memo) + len(new) <= self.CACHE_LIMIT:
                memo.update(new)
            else:
                memo = ChainMap(new, memo)  # type: ignore[assignment]
        return list(map(memo.__getitem__, source_ids))

    def clear(self) -> None:
        self._cache.clear()


def _keyed_states(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 after absorbing ``K ^ ipad`` and ``K ^ opad`` (RFC 2104 section 2): a key longer
    than the 64-byte block is hashed first, a shorter one padded with zeros."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in key)),
            hashlib.sha256(bytes(b ^ 0x5C for b in key)))


def child_key(la_code: str, source_id: str, key: bytes | None = None) -> str:
    """Convenience for one id (the web app's Thinking Tool pseudonymises entries with this)."""
    return Pseudonymiser(key).key_for(la_code, source_id)
