"""Envelope encryption of report content: a data key per report, wrapped by a master key.

Why: the speak-up channel holds the most sensitive data in arpkit, and the people who run the
database (administrators, backups, a stolen dump) must not be able to read it. Each report gets
its own random 256-bit data key; free text and attachments are sealed with AES-256-GCM under that
key (NIST SP 800-38D), with the report id and field name as associated data so a ciphertext
cannot be moved to another report or field. The data key is itself sealed ("wrapped") with a
master key that is never stored in the database: it comes from the environment variable
``ARPKIT_SPEAKUP_KEY`` or a 0600 key file (``settings.ARPKIT_SPEAKUP_KEY_FILE``, default
``VAR_DIR/speakup.key``), created on first use for ``make run``.

The master "keyring" may hold several keys, one per line in the file (or comma-separated in the
environment); the **last** is current. Each report records the id (a fingerprint) of the key
that wrapped its data key, so during a rotation reports wrapped by the old and the new key both
open, and a rotation that stops half-way is simply resumed (see ``speakup_rotate_key``).

Destroying a report's wrapped data key makes every copy of its ciphertext - in WAL, backups,
replicas - unreadable ("crypto-shredding"), which retention relies on besides overwriting.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

ENV_VAR = "ARPKIT_SPEAKUP_KEY"
NONCE_BYTES = 12
KEY_BYTES = 32


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed, or not the one that wrapped a report's key."""


@dataclass(frozen=True)
class Keyring:
    """Master keys by id; ``current_id`` wraps new data keys."""

    keys: dict[str, bytes]
    current_id: str
    source: str  # "environment" or the key file path

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def key_id(key: bytes) -> str:
    """A stable, non-secret name for a master key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(b"arpkit-speakup-master-key:" + key).hexdigest()[:16]


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise MasterKeyError(f"{where}: a speak-up key is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{where}: a speak-up key must be {KEY_BYTES} bytes, "
                             f"not {len(key)}")
    return key


def new_master_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def key_file_path() -> Path:
    default = Path(getattr(settings, "VAR_DIR", Path.cwd() / "var")) / "speakup.key"
    return Path(getattr(settings, "ARPKIT_SPEAKUP_KEY_FILE", default))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(new_master_key_text() + "\n")


def write_key_file(path: Path, lines: list[str]) -> None:
    """Replace the key file atomically (write a 0600 sibling, then rename over it)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(line.strip() + "\n" for line in lines))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_keyring() -> Keyring:
    """The master keys: from ``ARPKIT_SPEAKUP_KEY`` if set, else the key file (made if absent)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        texts = [t for t in env.split(",") if t.strip()]
        source = "environment"
    else:
        path = key_file_path()
        if not path.exists():
            _create_key_file(path)
        if path.stat().st_mode & 0o077:
            raise MasterKeyError(f"{path}: the speak-up key file must be readable by its owner "
                                 "only (chmod 600)")
        texts = [t for t in path.read_text().splitlines() if t.strip()]
        source = str(path)
    if not texts:
        raise MasterKeyError(f"{source}: no speak-up key found")
    keys: dict[str, bytes] = {}
    for number, text in enumerate(texts, start=1):
        key = _decode(text, f"{source} (key {number})")
        keys[key_id(key)] = key
    return Keyring(keys=keys, current_id=key_id(_decode(texts[-1], source)), source=source)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap(data_key: bytes, *, report_id: str, keyring: Keyring | None = None) -> tuple[bytes, str]:
    """Seal a report's data key under the current master key; returns (wrapped, key id)."""
    ring = keyring or load_keyring()
    return _seal(ring.current, data_key, b"wrap:" + report_id.encode()), ring.current_id


def unwrap(wrapped: bytes, *, wrapped_by: str, report_id: str,
           keyring: Keyring | None = None) -> bytes:
    ring = keyring or load_keyring()
    if not wrapped:
        raise MasterKeyError(f"report {report_id}: its data key has been destroyed")
    master = ring.keys.get(wrapped_by)
    if master is None:
        raise MasterKeyError(f"report {report_id}: wrapped by master key {wrapped_by}, which "
                             f"is not in the keyring ({ring.source})")
    return _open(master, bytes(wrapped), b"wrap:" + report_id.encode())


def encrypt(data_key: bytes, plaintext: str | bytes, *, report_id: str, field: str) -> bytes:
    """AES-256-GCM under the report's data key; empty input stays empty (nothing to hide)."""
    raw = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    if not raw:
        return b""
    return _seal(data_key, raw, f"{report_id}:{field}".encode())


def decrypt(data_key: bytes, sealed: bytes | memoryview | None, *, report_id: str,
            field: str) -> bytes:
    if not sealed:
        return b""
    return _open(data_key, bytes(sealed), f"{report_id}:{field}".encode())
