from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any, Final, Protocol

from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWTError

from wuzheng.auth._errors import InvalidToken, KeysUnavailable

logger = logging.getLogger("wuzheng.auth")

# Asymmetric algorithms only: never "none", never HS* (a public key must not become a secret).
ALLOWED_ALGORITHMS: Final = frozenset({"EdDSA", "ES256", "RS256"})


class KeySource(Protocol):
    """Where the issuer's public keys come from."""

    async def signing_key(self, kid: str | None) -> PyJWK:
        """The key for ``kid``; :class:`InvalidToken` if unknown, :class:`KeysUnavailable`."""
        ...

    async def load(self) -> None:
        """Make sure the keys can be read (readiness); raise :class:`KeysUnavailable`."""
        ...


def key_source(location: str) -> KeySource:
    """A file path or an http(s) URL of a JWKS."""
    if location.startswith(("https://", "http://")):
        return UrlKeys(location)
    return FileKeys(Path(location))


def _usable(keys: list[PyJWK]) -> list[PyJWK]:
    return [
        key
        for key in keys
        if key.algorithm_name in ALLOWED_ALGORITHMS and key.public_key_use in ("sig", None)
    ]


def _pick(keys: list[PyJWK], kid: str | None) -> PyJWK:
    if kid is None:
        if len(keys) == 1:
            return keys[0]
        raise InvalidToken("the token names no key (kid) and the issuer has several")
    for key in keys:
        if key.key_id == kid:
            return key
    raise InvalidToken("the token was signed by a key the issuer does not publish")


def parse_jwks(data: Any) -> list[PyJWK]:
    """The usable signing keys of a JWK set document; keys this service cannot use are skipped."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("a JWK set is an object with a 'keys' array")
    keys = []
    for jwk in data["keys"]:
        try:
            keys.append(PyJWK(jwk))
        except PyJWTError as exc:
            logger.warning("skipping a JWK that cannot be used: %s", exc)
    return _usable(keys)


class FileKeys:
    """A JWKS file, re-read whenever it changes on disk (mtime, size or inode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._keys: list[PyJWK] = []

    def _refresh(self) -> list[PyJWK]:
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            logger.error("JWKS file %s cannot be read: %s", self.path, exc)
            raise KeysUnavailable from exc
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp:
            try:
                keys = parse_jwks(json.loads(self.path.read_bytes()))
            except (OSError, ValueError) as exc:
                # Possibly caught mid-write: keep the keys we had and retry on the next call.
                logger.error("JWKS file %s cannot be parsed: %s", self.path, exc)
                if not self._keys:
                    raise KeysUnavailable from exc
                return self._keys
            self._keys, self._stamp = keys, stamp
            logger.info("loaded %d signing key(s) from %s", len(keys), self.path)
        return self._keys

    async def signing_key(self, kid: str | None) -> PyJWK:
        # A stat is a few microseconds and only happens when a token is not cached yet.
        return _pick(self._refresh(), kid)

    async def load(self) -> None:
        if not self._refresh():
            raise KeysUnavailable


class UrlKeys:
    """A JWKS served over http(s) (a real IdP), through PyJWT's caching ``PyJWKClient``.

    The client caches the key set for five minutes and refetches on an unknown ``kid`` at most
    every 30 s. It does blocking I/O, so it runs in a worker thread.
    """

    def __init__(self, url: str, *, timeout: float = 5.0, lifespan: float = 300.0) -> None:
        self.url = url
        self._client = PyJWKClient(url, cache_jwk_set=True, lifespan=lifespan, timeout=timeout)

    def _lookup(self, kid: str | None) -> PyJWK:
        try:
            if kid is None:
                return _pick(_usable(self._client.get_signing_keys()), None)
            key = self._client.get_signing_key(kid)
        except PyJWKClientConnectionError as exc:
            logger.error("JWKS %s cannot be fetched: %s", self.url, exc)
            raise KeysUnavailable from exc
        except PyJWKClientError as exc:
            raise InvalidToken("the token was signed by a key the issuer does not publish") from exc
        except PyJWTError as exc:  # the endpoint answered with no usable key set
            logger.error("JWKS %s is not usable: %s", self.url, exc)
            raise KeysUnavailable from exc
        return _pick(_usable([key]), kid)

    async def signing_key(self, kid: str | None) -> PyJWK:
        return await asyncio.to_thread(self._lookup, kid)

    def _load(self) -> None:
        try:
            keys = _usable(self._client.get_jwk_set().keys)
        except PyJWTError as exc:
            logger.error("JWKS %s cannot be fetched: %s", self.url, exc)
            raise KeysUnavailable from exc
        if not keys:
            raise KeysUnavailable

    async def load(self) -> None:
        await asyncio.to_thread(self._load)
