"""The service's two keys: the Ed25519 key signing QR payloads, and the data key.

:class:`CodeSigner` makes and checks the QR payload of a code::

    WZRC1.<base64url(body ‖ signature)>
    body = version (1 byte) ‖ code id (16) ‖ issued at (uint32, Unix s) ‖
           expires at (uint32) ‖ key id (8 bytes of SHA-256 over the raw public key)
    signature = Ed25519 over "wuzheng.rescode.qr.v1\\0" ‖ body

The payload names no person: a stranger reading the QR learns nothing but an opaque id.
Anything altered breaks the signature; a forged payload needs the private key.

:class:`HolderVault` keeps holder codes out of the tables in clear: an HMAC-SHA256 for
look-ups and AES-256-GCM to read them back (for the counter, for events), both keyed from
``RESCODE_DATA_KEY`` by HKDF. It also derives a code's digits from its id.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from stdnum import luhn

from wuzheng.contracts import HolderCode
from wuzheng.rescode.errors import CodeInvalid
from wuzheng.rescode.settings import RescodeSettings

__all__ = [
    "DIGITS_LENGTH",
    "QR_PREFIX",
    "CodeClaims",
    "CodeSigner",
    "HolderVault",
    "b64url",
    "b64url_decode",
    "load_keys",
    "new_data_key",
    "new_signing_seed",
    "normalise_digits",
]

QR_PREFIX: Final = "WZRC1."
_QR_CONTEXT: Final = b"wuzheng.rescode.qr.v1\x00"
_BODY: Final = struct.Struct(">B16sII8s")
_VERSION: Final = 1
_SIGNATURE_BYTES: Final = 64
_PAYLOAD_BYTES: Final = _BODY.size + _SIGNATURE_BYTES

DIGITS_RANDOM: Final = 17
DIGITS_LENGTH: Final = DIGITS_RANDOM + 1  # plus a Luhn check digit


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Canonical base64url without padding; ``ValueError`` on anything else (also on a
    last character whose unused bits are set: one payload, one spelling)."""
    if not text or any(c not in _B64URL_ALPHABET for c in text):
        raise ValueError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if b64url(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


_B64URL_ALPHABET: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)


def _key_id(public: Ed25519PublicKey) -> bytes:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8]


@dataclass(frozen=True)
class CodeClaims:
    """What a QR payload says: which code, from when until when, under which key."""

    code_id: str  # 32 lower-case hex characters
    issued_at: int
    expires_at: int
    key_id: str = ""


class CodeSigner:
    """Signs QR payloads with the current key; verifies with it or a retired one."""

    def __init__(
        self, private_key: Ed25519PrivateKey, retired: Sequence[Ed25519PublicKey] = ()
    ) -> None:
        self._private = private_key
        self._kid = _key_id(private_key.public_key())
        self._public: dict[bytes, Ed25519PublicKey] = {_key_id(k): k for k in retired}
        self._public[self._kid] = private_key.public_key()

    @property
    def key_id(self) -> str:
        return self._kid.hex()

    def sign(self, code_id: str, issued_at: int, expires_at: int) -> str:
        body = _BODY.pack(_VERSION, bytes.fromhex(code_id), issued_at, expires_at, self._kid)
        signature = self._private.sign(_QR_CONTEXT + body)
        return QR_PREFIX + b64url(body + signature)

    def verify(self, payload: str) -> CodeClaims:
        """The claims of a payload this service signed; :class:`CodeInvalid` saying what is
        wrong otherwise. Expiry is the caller's to check."""
        if not payload.startswith(QR_PREFIX):
            raise CodeInvalid(f"a QR payload starts with {QR_PREFIX}")
        try:
            raw = b64url_decode(payload[len(QR_PREFIX) :])
        except ValueError:
            raise CodeInvalid("the QR payload is not base64url: altered or damaged") from None
        if len(raw) != _PAYLOAD_BYTES:
            raise CodeInvalid("the QR payload has the wrong length: altered or damaged")
        body, signature = raw[: _BODY.size], raw[_BODY.size :]
        version, code_id, issued_at, expires_at, kid = _BODY.unpack(body)
        if version != _VERSION:
            raise CodeInvalid(f"unsupported QR payload version {version}")
        public = self._public.get(kid)
        if public is None:
            raise CodeInvalid("the QR payload is signed with a key this service does not know")
        try:
            public.verify(signature, _QR_CONTEXT + body)
        except InvalidSignature:
            raise CodeInvalid(
                "the QR payload's signature does not match: forged or altered"
            ) from None
        return CodeClaims(code_id.hex(), issued_at, expires_at, kid.hex())


class HolderVault:
    """Hashes and seals holder codes; derives and hashes digit codes."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._hash_key = _derive(data_key, b"rescode holder hash")
        self._seal = AESGCM(_derive(data_key, b"rescode holder seal"))
        self._digits_key = _derive(data_key, b"rescode digits")
        self._digits_hash_key = _derive(data_key, b"rescode digits hash")

    def hash(self, holder: str) -> str:
        """The look-up key of a holder code (HMAC-SHA256, hex)."""
        return hmac.new(self._hash_key, holder.encode(), hashlib.sha256).hexdigest()

    def seal(self, holder: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._seal.encrypt(nonce, holder.encode(), b"holder")

    def open(self, sealed: bytes) -> HolderCode:
        try:
            plain = self._seal.decrypt(sealed[:12], sealed[12:], b"holder")
        except InvalidTag:
            # A row written under another data key, or tampered with: a fault, not input.
            raise RuntimeError("a sealed holder code does not open with RESCODE_DATA_KEY") from None
        return HolderCode(plain.decode())

    def digits_for(self, code_id: str) -> str:
        """The code's digits: 17 pseudo-random digits from HMAC(code id) and a Luhn check
        digit. They are never stored; only :meth:`digits_hash` is."""
        mac = hmac.new(self._digits_key, bytes.fromhex(code_id), hashlib.sha256).digest()
        body = str(int.from_bytes(mac, "big") % 10**DIGITS_RANDOM).zfill(DIGITS_RANDOM)
        return body + luhn.calc_check_digit(body)

    def digits_hash(self, digits: str) -> str:
        return hmac.new(self._digits_hash_key, digits.encode(), hashlib.sha256).hexdigest()


def normalise_digits(text: str) -> str:
    """The digits of a typed code (spaces and dashes dropped); :class:`CodeInvalid` when it
    cannot be one (wrong length, not digits, wrong check digit)."""
    digits = text.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        raise CodeInvalid(f"a code is a QR payload ({QR_PREFIX}…) or {DIGITS_LENGTH} digits")
    if len(digits) != DIGITS_LENGTH:
        raise CodeInvalid(f"a digit code has {DIGITS_LENGTH} digits, got {len(digits)}")
    if not luhn.is_valid(digits):
        raise CodeInvalid("the digit code's check digit is wrong: mistyped?")
    return digits


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


# -- configuration ------------------------------------------------------------------------


def new_signing_seed() -> str:
    return b64url(secrets.token_bytes(32))


def new_data_key() -> str:
    return b64url(secrets.token_bytes(32))


def public_key_of(seed_or_pem: str) -> str:
    """The raw public key (base64url) of a signing key setting, for RETIRED_PUBLIC_KEYS."""
    raw = _private_key(seed_or_pem).public_key()
    return b64url(raw.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def _private_key(value: str) -> Ed25519PrivateKey:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("RESCODE_SIGNING_KEY must be an Ed25519 key")
        return key
    try:
        seed = b64url_decode(text)
    except ValueError:
        raise ValueError("RESCODE_SIGNING_KEY must be a base64url seed or a PEM key") from None
    if len(seed) != 32:
        raise ValueError("RESCODE_SIGNING_KEY must be a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _public_key(value: str) -> Ed25519PublicKey:
    try:
        raw = b64url_decode(value.strip())
    except ValueError:
        raise ValueError("RESCODE_RETIRED_PUBLIC_KEYS entries must be base64url") from None
    if len(raw) != 32:
        raise ValueError("RESCODE_RETIRED_PUBLIC_KEYS entries must be 32-byte Ed25519 keys")
    return Ed25519PublicKey.from_public_bytes(raw)


def _dev_secret(path: Path) -> str:
    """A secret kept in ``path`` (created once, mode 0600; concurrent starts agree)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(b64url(secrets.token_bytes(32)))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text(encoding="ascii").strip()


def load_keys(settings: RescodeSettings) -> tuple[CodeSigner, HolderVault]:
    """The signer and vault the settings configure; in dev/test, empty secrets come from
    files under ``var/rescode/`` made on first use (outside dev the settings refuse them)."""
    signing = settings.signing_key.get_secret_value()
    data = settings.data_key.get_secret_value()
    if not signing:
        signing = _dev_secret(settings.var_dir / "rescode" / "signing.key")
    if not data:
        data = _dev_secret(settings.var_dir / "rescode" / "data.key")
    try:
        data_key = b64url_decode(data.strip())
    except ValueError:
        raise ValueError("RESCODE_DATA_KEY must be 32 bytes in base64url") from None
    retired = [_public_key(value) for value in settings.retired_public_keys]
    return CodeSigner(_private_key(signing), retired), HolderVault(data_key)
