"""Holder codes are never stored in clear: an HMAC-SHA256 under a settings secret finds them
again (a holder's licences, consents and access records), the masked form shows them."""

from __future__ import annotations

import hashlib
import hmac

from wuzheng.contracts import HolderCode


class HolderHasher:
    """``digest(holder)``: 64 hex characters, the same for the same holder and secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the holder secret is empty")
        self._key = hashlib.sha256(b"wuzheng/verification/holder/v1\x00" + secret.encode()).digest()

    def digest(self, holder: HolderCode | str) -> str:
        return hmac.new(self._key, str(holder).encode("ascii"), hashlib.sha256).hexdigest()


def masked(holder: HolderCode) -> str:
    """``111:3707**********1239``: what responses, logs and exports show."""
    return holder.masked()
