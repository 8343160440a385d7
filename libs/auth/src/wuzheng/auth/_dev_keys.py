from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wuzheng.auth._scopes import SCOPES, unknown_scopes

DEV_ISSUER: Final = "wuzheng-dev"
DEV_AUDIENCE: Final = "wuzheng"
PRIVATE_KEY_FILE: Final = "signing-key.pem"
JWKS_FILE: Final = "jwks.json"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    # RFC 7638 thumbprint: SHA-256 over the required members, sorted, no whitespace.
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    kid = _b64url(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "alg": "EdDSA", "use": "sig"}


def _write_new_private_key(path: Path) -> None:
    """Create the key file atomically and only if absent: concurrent starts agree on one key."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-key.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        with contextlib.suppress(FileExistsError):  # another process won the race
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _write_text_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def ensure_dev_signing_key(var_dir: Path) -> Path:
    """Create the local dev signing key once and (re)write its public JWKS beside it.

    The Ed25519 private key lives in ``var_dir/auth/signing-key.pem`` (mode 0600); the public
    ``var_dir/auth/jwks.json`` is what services validate tokens against. Safe to call from
    several processes at once. Returns the path of ``jwks.json``.
    """
    directory = Path(var_dir) / "auth"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path, jwks_path = directory / PRIVATE_KEY_FILE, directory / JWKS_FILE
    if not private_path.exists():
        _write_new_private_key(private_path)
    jwks = json.dumps({"keys": [_public_jwk(_load_private_key(private_path))]}, indent=2) + "\n"
    if not jwks_path.exists() or jwks_path.read_text(encoding="utf-8") != jwks:
        _write_text_atomically(jwks_path, jwks)
    return jwks_path


def mint_token(
    var_dir: Path,
    *,
    department: str | None,
    scopes: Iterable[str],
    operator: str | None = None,
    subject: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
) -> str:
    """A bearer token signed with the local dev key (created if missing).

    Claims: ``sub`` (``subject``, else the department), ``dept``, ``op``, ``scope``
    (space-separated), ``jti``, ``iat``/``nbf``/``exp``. ``scopes`` may also be one
    space-separated string. Unknown scopes are refused with :class:`ValueError`.
    """
    scope_list = sorted(set(scopes.split() if isinstance(scopes, str) else scopes))
    if unknown := unknown_scopes(scope_list):
        raise ValueError(
            f"unknown scope(s): {', '.join(unknown)}; known scopes: {', '.join(sorted(SCOPES))}"
        )
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    ensure_dev_signing_key(var_dir)
    key = _load_private_key(Path(var_dir) / "auth" / PRIVATE_KEY_FILE)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject or department or "wuzheng-dev",
        "scope": " ".join(scope_list),
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "nbf": now,
        "exp": now + int(ttl.total_seconds()),
    }
    if department is not None:
        claims["dept"] = department
    if operator is not None:
        claims["op"] = operator
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": _public_jwk(key)["kid"]})
