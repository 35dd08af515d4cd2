"""AES-GCM envelopes with key ids, rotation, minted tokens and keyed hashes."""

from __future__ import annotations

import base64

import pytest

from service.config import SettingsError
from service.security.crypto import DecryptionError, Keyring

KEY_A = base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()


def test_roundtrip_and_key_id_in_envelope() -> None:
    ring = Keyring.from_setting(f"a1:{KEY_A}")
    envelope = ring.encrypt(b"secret", "ctx")
    assert envelope.startswith("a1.")
    assert b"secret" not in envelope.encode()
    assert ring.decrypt(envelope, "ctx") == b"secret"
    assert ring.encrypt(b"secret", "ctx") != envelope


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e[:-2] + ("AA" if not e.endswith("AA") else "BB"),
        lambda e: "zz" + e[2:],
        lambda e: e.split(".")[0],
        lambda e: e + "!",
    ],
)
def test_tampered_envelopes_are_refused(mutate: object) -> None:
    ring = Keyring.from_setting(f"a1:{KEY_A}")
    envelope = ring.encrypt(b"secret", "ctx")
    with pytest.raises(DecryptionError):
        ring.decrypt(mutate(envelope), "ctx")  # type: ignore[operator]
    with pytest.raises(DecryptionError):
        ring.decrypt(envelope, "other-context")


def test_rotation_new_key_first_still_opens_old_data() -> None:
    old = Keyring.from_setting(f"a1:{KEY_A}")
    envelope = old.encrypt(b"kept", "ctx")
    rotated = Keyring.from_setting(f"b2:{KEY_B},a1:{KEY_A}")
    assert rotated.active_kid == "b2"
    assert rotated.decrypt(envelope, "ctx") == b"kept"
    assert rotated.encrypt(b"new", "ctx").startswith("b2.")
    with pytest.raises(DecryptionError):
        Keyring.from_setting(f"b2:{KEY_B}").decrypt(envelope, "ctx")


def test_key_id_defaults_to_a_digest() -> None:
    ring = Keyring.from_setting(KEY_A)
    assert len(ring.active_kid) == 8 and ring.active_kid.isalnum()


@pytest.mark.parametrize(
    "bad", ["", "short", "a1:" + base64.b64encode(b"x" * 16).decode(), "bad id!:" + KEY_A]
)
def test_bad_key_settings_name_the_setting(bad: str) -> None:
    with pytest.raises(SettingsError, match="ENCRYPTION_KEY"):
        Keyring.from_setting(bad)


def test_minted_tokens_are_deterministic_and_keep_their_purpose() -> None:
    """The same claims under the same key mint the same token; purpose and key bind it."""
    ring = Keyring.from_setting(f"a1:{KEY_A},b2:{KEY_B}")
    token = ring.mint("page", {"s": "1", "c": "x"}, "a1")
    assert token == ring.mint("page", {"c": "x", "s": "1"}, "a1")
    assert token.startswith("a1.")
    assert ring.open_minted("page", token) == ("a1", {"c": "x", "s": "1"})
    assert ring.mint("page", {"s": "1", "c": "x"}, "b2") != token
    with pytest.raises(DecryptionError):
        ring.open_minted("state", token)
    with pytest.raises(DecryptionError):
        ring.open_minted("page", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(DecryptionError):
        ring.open_minted("page", "x" * 2000)
    with pytest.raises(DecryptionError):
        ring.mint("page", {}, "zz")
    assert ring.digest("a1", token) != ring.digest("b2", token)
    assert len(ring.digest("a1", token)) == 64
