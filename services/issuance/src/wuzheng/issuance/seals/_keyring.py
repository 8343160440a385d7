"""One issuer's seal keys: the active key and the retired ones kept for verification."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from wuzheng.issuance.seals._keys import SealKey, generate_seal_key
from wuzheng.seals import SealPublicKey, SealSuite


class Keyring:
    """The seal keys of one issuer.

    New seals are made with :attr:`active`. :meth:`rotate` puts a new key in its place and keeps
    the old one's *public* half, so every token sealed before still verifies against
    :meth:`jwks`. Retired private keys are not kept here: nothing may sign with them.
    """

    __slots__ = ("_active", "_issuer", "_retired")

    def __init__(
        self,
        issuer: str,
        active: SealKey,
        retired: Iterable[SealPublicKey | SealKey] = (),
    ) -> None:
        self._issuer = issuer
        self._active = active
        self._retired: list[SealPublicKey] = []
        for key in retired:
            self._add_retired(key.public_key if isinstance(key, SealKey) else key)

    @classmethod
    def generate(cls, issuer: str, suite: SealSuite = SealSuite.ED25519) -> Keyring:
        """A keyring with one fresh active key."""
        return cls(issuer, generate_seal_key(suite))

    @property
    def issuer(self) -> str:
        return self._issuer

    @property
    def active(self) -> SealKey:
        """The key new seals are made with."""
        return self._active

    @property
    def retired(self) -> tuple[SealPublicKey, ...]:
        """Public halves of former active keys, newest first."""
        return tuple(self._retired)

    def rotate(
        self,
        new_key: SealKey | None = None,
        *,
        suite: SealSuite | None = None,
        now: datetime | None = None,
    ) -> SealKey:
        """Make ``new_key`` (or a fresh key of ``suite``, default: the current suite) active.

        Changing the suite here is how an issuer moves between Ed25519 and SM2/SM3; its old
        tokens keep verifying. Returns the new active key.
        """
        if new_key is None:
            new_key = generate_seal_key(suite or self._active.suite, created_at=now)
        elif suite is not None and new_key.suite is not suite:
            raise ValueError("new_key's suite differs from the suite asked for")
        if new_key.kid == self._active.kid or self.find(new_key.kid) is not None:
            raise ValueError(f"kid {new_key.kid!r} is already in the keyring")
        self._retired.insert(0, self._active.public_key)
        self._active = new_key
        return new_key

    def public_keys(self) -> tuple[SealPublicKey, ...]:
        """Every public key, the active one first."""
        return (self._active.public_key, *self._retired)

    def find(self, kid: str) -> SealPublicKey | None:
        """The public key named ``kid``, active or retired."""
        for key in self.public_keys():
            if key.kid == kid:
                return key
        return None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set to publish at ``/v1/issuers/{issuer}/jwks.json``."""
        return {"keys": [key.to_jwk() for key in self.public_keys()]}

    def _add_retired(self, key: SealPublicKey) -> None:
        if key.kid == self._active.kid or any(k.kid == key.kid for k in self._retired):
            raise ValueError(f"kid {key.kid!r} appears twice in the keyring")
        self._retired.append(key)

    def __repr__(self) -> str:
        return (
            f"Keyring(issuer={self._issuer!r}, active={self._active.kid!r}, "
            f"retired={[k.kid for k in self._retired]!r})"
        )
