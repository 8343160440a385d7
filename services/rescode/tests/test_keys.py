"""The QR signature, digit codes and holder sealing, and how their keys are configured."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from stdnum import luhn

from wuzheng.contracts import HolderCode
from wuzheng.rescode.errors import CodeInvalid
from wuzheng.rescode.keys import (
    CodeSigner,
    HolderVault,
    b64url,
    b64url_decode,
    load_keys,
    new_data_key,
    new_signing_seed,
    normalise_digits,
    public_key_of,
)
from wuzheng.rescode.settings import RescodeSettings
from wuzheng.rescode.testing import organisation, person

SIGNER = CodeSigner(Ed25519PrivateKey.generate())
PAYLOAD = SIGNER.sign("0123456789abcdef" * 2, 1_700_000_000, 1_700_000_060)


def test_a_payload_round_trips() -> None:
    claims = SIGNER.verify(PAYLOAD)
    assert (claims.code_id, claims.issued_at, claims.expires_at) == (
        "0123456789abcdef" * 2,
        1_700_000_000,
        1_700_000_060,
    )
    assert claims.key_id == SIGNER.key_id
    assert len(PAYLOAD) == 136  # a version 8-M QR code (49×49 modules)


@given(st.integers(min_value=6, max_value=len(PAYLOAD) - 1), st.sampled_from("AQgw-_"))
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    if PAYLOAD[position] == replacement:
        replacement = "B"
    altered = PAYLOAD[:position] + replacement + PAYLOAD[position + 1 :]
    with pytest.raises(CodeInvalid):
        SIGNER.verify(altered)


@given(st.binary(max_size=120))
def test_arbitrary_payloads_are_refused(raw: bytes) -> None:
    with pytest.raises(CodeInvalid):
        SIGNER.verify("WZRC1." + b64url(raw))


def test_a_retired_key_still_verifies_and_a_foreign_one_does_not() -> None:
    old = Ed25519PrivateKey.generate()
    payload = CodeSigner(old).sign("ab" * 16, 1, 2)
    rotated = CodeSigner(Ed25519PrivateKey.generate(), [old.public_key()])
    assert rotated.verify(payload).code_id == "ab" * 16
    with pytest.raises(CodeInvalid, match="does not know"):
        SIGNER.verify(payload)


def test_digits_are_derived_checked_and_hashed() -> None:
    vault = HolderVault(b"k" * 32)
    digits = vault.digits_for("ab" * 16)
    assert len(digits) == 18
    assert digits.isdigit()
    assert luhn.is_valid(digits)
    assert vault.digits_for("ab" * 16) == digits
    assert vault.digits_for("cd" * 16) != digits
    assert HolderVault(b"j" * 32).digits_for("ab" * 16) != digits  # keyed
    spaced = " ".join(digits[i : i + 4] for i in range(0, 18, 4))
    assert normalise_digits(spaced) == digits
    assert normalise_digits(digits.replace("", "-").strip("-")) == digits
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    with pytest.raises(CodeInvalid, match="check digit"):
        normalise_digits(wrong)
    with pytest.raises(CodeInvalid, match="18 digits"):
        normalise_digits(digits[:-1])
    with pytest.raises(CodeInvalid):
        normalise_digits("１２３４５６７８９０１２３４５６７８")  # full-width digits are not ASCII


def test_holder_codes_are_hashed_and_sealed() -> None:
    vault = HolderVault(b"k" * 32)
    for holder in (person(), organisation()):
        sealed = vault.seal(holder)
        assert holder.code.encode() not in sealed
        assert vault.open(sealed) == holder
        assert isinstance(vault.open(sealed), HolderCode)
        assert vault.seal(holder) != sealed  # a fresh nonce each time
        assert vault.hash(holder) == vault.hash(str(holder))
    with pytest.raises(RuntimeError, match="RESCODE_DATA_KEY"):
        HolderVault(b"j" * 32).open(vault.seal(person()))


def test_dev_keys_are_made_once_and_kept(tmp_path: Path) -> None:
    settings = RescodeSettings(environment="dev", var_dir=tmp_path)
    signer, vault = load_keys(settings)
    again_signer, again_vault = load_keys(settings)
    assert signer.key_id == again_signer.key_id
    assert vault.hash("x") == again_vault.hash("x")
    assert (tmp_path / "rescode" / "signing.key").stat().st_mode & 0o777 == 0o600


def test_configured_keys_are_used_and_bad_ones_refused(tmp_path: Path) -> None:
    seed, data = new_signing_seed(), new_data_key()
    signer, _ = load_keys(
        RescodeSettings(environment="production", var_dir=tmp_path, signing_key=seed, data_key=data)
    )
    public = b64url_decode(public_key_of(seed))
    assert signer.key_id == hashlib.sha256(public).digest()[:8].hex()  # the configured key
    assert not (tmp_path / "rescode").exists()
    pem = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    text = pem.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert load_keys(RescodeSettings(var_dir=tmp_path, signing_key=text, data_key=data))
    for bad in ("not base64!", b64url(b"short")):
        with pytest.raises(ValueError, match="RESCODE_SIGNING_KEY"):
            load_keys(RescodeSettings(var_dir=tmp_path, data_key=data, signing_key=bad))
    with pytest.raises(ValueError, match="RESCODE_DATA_KEY"):
        load_keys(RescodeSettings(var_dir=tmp_path, signing_key=seed, data_key="?"))
    with pytest.raises(ValueError, match="RETIRED"):
        load_keys(
            RescodeSettings(
                var_dir=tmp_path, signing_key=seed, data_key=data, retired_public_keys=["xx"]
            )
        )


@pytest.mark.parametrize("missing", ["signing_key", "data_key"])
@pytest.mark.parametrize("placeholder", ["", "changeme"])
def test_production_refuses_placeholder_secrets(missing: str, placeholder: str) -> None:
    values: dict[str, Any] = {
        "signing_key": new_signing_seed(),
        "data_key": new_data_key(),
        missing: placeholder,
    }
    with pytest.raises(ValidationError, match=f"RESCODE_{missing.upper()}"):
        RescodeSettings(environment="production", **values)


def test_the_code_lifetime_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESCODE_CODE_TTL_SECONDS", "30")
    assert RescodeSettings().code_ttl_seconds == 30
    monkeypatch.setenv("RESCODE_CODE_TTL_SECONDS", "0")
    with pytest.raises(ValidationError):
        RescodeSettings()
