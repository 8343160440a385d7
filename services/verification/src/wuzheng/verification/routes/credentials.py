"""Outbound credentials of registered HTTPS routes, named by reference, never stored.

A route may name a secret the verification service presents when it calls the department's
endpoint: ``bearer`` (a file holding one token, sent as ``Authorization: Bearer …``) or
``mtls`` (a PEM client certificate file and its key file). The route stores only the kind
and the file names (``ref``, ``key_ref``); the files live in one directory,
``VERIFICATION_ROUTE_SECRETS_DIR`` (a mounted Kubernetes Secret, say). A file is read again
whenever it changes (modification time, size or inode — a Kubernetes secret volume swaps a
symlink), so a rotated secret is used without a restart.

Errors name the kind and the file name, never the secret or where the directory is.
"""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

__all__ = [
    "MAX_REF_LENGTH",
    "CredentialKind",
    "CredentialProblem",
    "RouteCredential",
    "SecretFiles",
    "check_ref",
    "trusted_context",
]

CredentialKind = Literal["bearer", "mtls"]
MAX_REF_LENGTH = 128
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
# RFC 6750 b64token, leniently: one run of visible ASCII (no spaces, no control characters).
_TOKEN = re.compile(r"[\x21-\x7e]+")
_MAX_TOKEN_BYTES = 16_384


def check_ref(value: str) -> str:
    """A secret's reference: a plain file name inside the secrets directory — no path
    separator, no ``..``, not hidden (a Kubernetes secret volume keeps ``..data`` there)."""
    if "/" in value or "\\" in value:
        raise ValueError("must be a plain file name (no path separators)")
    if ".." in value:
        raise ValueError("must not contain '..'")
    if len(value) > MAX_REF_LENGTH or not _REF.fullmatch(value):
        raise ValueError(
            f"must be a file name of letters, digits, '.', '_' and '-' (at most "
            f"{MAX_REF_LENGTH}), not starting with '.' or '-'"
        )
    return value


@dataclass(frozen=True)
class RouteCredential:
    """What a route says about its secret: the kind and the file names only."""

    kind: CredentialKind
    ref: str
    key_ref: str | None = None  # mtls: the key's file (None: ``ref`` holds cert and key)

    def describe(self) -> str:
        if self.kind == "bearer":
            return f"bearer token file {self.ref!r}"
        key = f", key file {self.key_ref!r}" if self.key_ref else ""
        return f"client certificate file {self.ref!r}{key}"


class CredentialProblem(Exception):
    """The route's secret cannot be used; the message is safe to show (no secret, no path)."""


_Stamp = tuple[int, int, int]  # modification time (ns), size, inode


@dataclass(frozen=True)
class TlsIdentity:
    """A client certificate loaded into an SSL context, and the file versions it came from."""

    credential: RouteCredential
    stamps: tuple[_Stamp, ...]
    context: ssl.SSLContext


def trusted_context(ca_bundle: Path | None = None) -> ssl.SSLContext:
    """An SSL context trusting the system's CAs (or ``SSL_CERT_FILE``'s) and the bundle's."""
    context = httpx.create_ssl_context()
    if ca_bundle is not None:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def _no_password() -> bytes:
    # An encrypted key would otherwise make OpenSSL prompt on the terminal: fail instead.
    return b""


class SecretFiles:
    """The secrets of the routes, read from one directory and cached until a file changes."""

    def __init__(self, directory: Path, ca_bundle: Path | None = None) -> None:
        self.directory = directory
        self.ca_bundle = ca_bundle
        self._tokens: dict[str, tuple[_Stamp, str]] = {}
        self._identities: dict[tuple[str, str | None], TlsIdentity] = {}

    def _path(self, ref: str) -> Path:
        try:
            return self.directory / check_ref(ref)
        except ValueError as exc:  # stored refs were checked at registration: defence in depth
            raise CredentialProblem(f"secret reference {ref!r} {exc}") from None

    def _stamp(self, ref: str, what: str) -> _Stamp:
        try:
            found = os.stat(self._path(ref))
        except FileNotFoundError:
            raise CredentialProblem(
                f"{what} {ref!r} is missing from the route secrets directory"
            ) from None
        except OSError as exc:
            raise CredentialProblem(f"{what} {ref!r} cannot be read ({exc.strerror})") from None
        return (found.st_mtime_ns, found.st_size, found.st_ino)

    def bearer_token(self, ref: str) -> str:
        """The token in file ``ref`` (surrounding whitespace dropped)."""
        what = "bearer token file"
        stamp = self._stamp(ref, what)
        cached = self._tokens.get(ref)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            raw = self._path(ref).read_bytes()[: _MAX_TOKEN_BYTES + 1]
        except OSError as exc:
            raise CredentialProblem(f"{what} {ref!r} cannot be read ({exc.strerror})") from None
        token = raw.decode("ascii", errors="replace").strip()
        if not token:
            raise CredentialProblem(f"{what} {ref!r} is empty")
        if len(raw) > _MAX_TOKEN_BYTES or not _TOKEN.fullmatch(token):
            raise CredentialProblem(
                f"{what} {ref!r} does not hold one token (visible ASCII, no spaces)"
            )
        self._tokens[ref] = (stamp, token)
        return token

    def tls_identity(self, credential: RouteCredential) -> TlsIdentity:
        """An SSL context presenting the route's client certificate, built again when the
        certificate or key file changed (the caller pools one HTTP client per identity)."""
        assert credential.kind == "mtls"
        stamps: tuple[_Stamp, ...] = (self._stamp(credential.ref, "client certificate file"),)
        if credential.key_ref is not None:
            stamps += (self._stamp(credential.key_ref, "client key file"),)
        slot = (credential.ref, credential.key_ref)
        cached = self._identities.get(slot)
        if cached is not None and cached.stamps == stamps:
            return cached
        context = trusted_context(self.ca_bundle)
        key = self._path(credential.key_ref) if credential.key_ref else None
        try:
            context.load_cert_chain(self._path(credential.ref), key, password=_no_password)
        except FileNotFoundError:
            raise CredentialProblem(
                f"{credential.describe()}: a file is missing from the route secrets directory"
            ) from None
        except (ssl.SSLError, OSError, ValueError):
            raise CredentialProblem(
                f"{credential.describe()} cannot be loaded (not PEM, an encrypted key, or the "
                "key does not match the certificate)"
            ) from None
        identity = TlsIdentity(credential, stamps, context)
        self._identities[slot] = identity
        return identity

    def problem(self, credential: RouteCredential) -> str | None:
        """Why the credential cannot be used now (a file missing, unreadable or not loadable),
        or None when it can: what an operator sees on the route."""
        try:
            if credential.kind == "bearer":
                self.bearer_token(credential.ref)
            else:
                self.tls_identity(credential)
        except CredentialProblem as exc:
            return str(exc)
        return None
