"""The pseudonym key: where it comes from, how it is protected, and what it makes of an id.

Expected keys are computed here with the standard library's ``hmac`` from the definition in
docs/warehouse.md (HMAC-SHA256 over la_code, U+001F, child id), not with arpkit's code.  Every
test points the key file at tmp_path, so none touches the real home directory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from arpkit.engine.errors import ConfigError
from arpkit.engine.importer import import_paths
from arpkit.engine.pseudonymise import ENV_KEY, ENV_KEY_FILE, Pseudonymiser, child_key, load_key
from arpkit.engine.records import ReadSettings
from tests.engine.import_helpers import one_child_903, query


def hmac_key(key: bytes, la: str, child_id: str) -> str:
    return hmac.new(key, f"{la}\x1f{child_id}".encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key in the environment; the key file is tmp_path/keys/pseudonym.key (not yet made)."""
    path = tmp_path / "keys" / "pseudonym.key"
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(ENV_KEY_FILE, str(path))
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_in_the_environment_variable_is_used(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path):
    monkeypatch.setenv(ENV_KEY, "an-environment-key-0123456789")
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "unused.key"))
    assert Pseudonymiser().key_for("999", "1001") == hmac_key(
        b"an-environment-key-0123456789", "999", "1001")
    assert not (tmp_path / "unused.key").exists()


def test_a_short_environment_key_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(ConfigError, match=ENV_KEY):
        Pseudonymiser()


def test_without_the_variable_a_key_file_is_created_readable_by_its_owner_only(key_file: Path):
    old = os.umask(0)  # even a permissive umask must not widen the key file
    try:
        p = Pseudonymiser()
    finally:
        os.umask(old)
    assert key_file.exists()
    assert mode(key_file) == 0o600
    key = key_file.read_bytes().strip()
    assert len(key) >= 32
    assert p.key_for("999", "1001") == hmac_key(key, "999", "1001")


def test_the_key_file_is_reused_so_keys_are_stable_between_runs(key_file: Path):
    first = Pseudonymiser().key_for("999", "1001")
    content = key_file.read_bytes()
    assert Pseudonymiser().key_for("999", "1001") == first
    assert key_file.read_bytes() == content


def test_the_default_key_file_lives_in_the_users_config_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    load_key()
    path = tmp_path / "config" / "arpkit" / "pseudonym.key"
    assert path.exists() and mode(path) == 0o600


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_other_users_can_read_is_refused(bad_mode: int, key_file: Path):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("a-key-that-is-long-enough-0123456789\n")
    key_file.chmod(bad_mode)
    with pytest.raises(ConfigError) as info:
        Pseudonymiser()
    assert str(key_file) in str(info.value)
    assert "chmod 600" in str(info.value)


def test_a_key_file_holding_too_short_a_key_is_refused(key_file: Path):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("tiny\n")
    key_file.chmod(0o600)
    with pytest.raises(ConfigError, match="too short"):
        Pseudonymiser()


def test_the_same_id_gets_different_keys_in_different_authorities():
    p = Pseudonymiser(b"a-test-key-0123456789abcdef")
    assert p.key_for("999", "1001") != p.key_for("202", "1001")
    assert p.key_for("999", "1001") == hmac_key(b"a-test-key-0123456789abcdef", "999", "1001")
    assert p.key_for("202", "1001") == hmac_key(b"a-test-key-0123456789abcdef", "202", "1001")


def test_an_authority_code_and_id_cannot_run_together_into_another():
    """'99' + '91001' and '999' + '1001' are different children: the separator keeps them
    apart."""
    p = Pseudonymiser(b"a-test-key-0123456789abcdef")
    assert p.key_for("99", "91001") != p.key_for("999", "1001")


def test_another_key_gives_unrelated_pseudonyms():
    a = Pseudonymiser(b"first-key-0123456789abcdef")
    b = Pseudonymiser(b"second-key-0123456789abcdef")
    assert a.key_for("999", "1001") != b.key_for("999", "1001")
    assert len(a.key_for("999", "1001")) == 64
    assert child_key("999", "1001", b"first-key-0123456789abcdef") == a.key_for("999", "1001")


def test_an_import_without_a_key_in_the_environment_uses_the_key_file(key_file: Path,
                                                                      tmp_path: Path):
    folder = one_child_903(tmp_path / "r", "1001", "WBRI", 2025)
    target = tmp_path / "w.duckdb"
    import_paths([folder], warehouse=target, settings=ReadSettings(la_code="999"))
    key = key_file.read_bytes().strip()
    assert query(target, "SELECT child_key FROM children") == [(hmac_key(key, "999", "1001"),)]


def test_the_same_child_id_in_two_authorities_is_two_children_in_the_warehouse(
        tmp_path: Path):
    target = tmp_path / "w.duckdb"
    for la, ethnic in (("999", "WBRI"), ("202", "WIRI")):
        folder = one_child_903(tmp_path / la, "1001", ethnic, 2025)
        import_paths([folder], warehouse=target, settings=ReadSettings(la_code=la))
    key = os.environ[ENV_KEY].encode()
    assert sorted(query(target, "SELECT la_code, child_key FROM children")) == sorted(
        [("999", hmac_key(key, "999", "1001")), ("202", hmac_key(key, "202", "1001"))])
