"""What endpoints and event handlers of the rescode service share: settings, keys, the
resolve rate limiter and the clock. Built once per app by :func:`wire` and published on
``app.state.rescode`` when the app starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from wuzheng.db import utcnow
from wuzheng.rescode.keys import CodeSigner, HolderVault, load_keys
from wuzheng.rescode.ratelimit import ResolveLimiter
from wuzheng.rescode.settings import RescodeSettings

__all__ = ["Rescode", "RescodeDep", "get_rescode"]


@dataclass
class Rescode:
    settings: RescodeSettings
    signer: CodeSigner
    vault: HolderVault
    limiter: ResolveLimiter
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(cls, settings: RescodeSettings) -> Rescode:
        signer, vault = load_keys(settings)
        limiter = ResolveLimiter(
            rate_per_second=settings.resolve_rate_per_second,
            burst=settings.resolve_burst,
            failures_per_minute=settings.resolve_failures_per_minute,
            failure_burst=settings.resolve_failure_burst,
        )
        return cls(settings=settings, signer=signer, vault=vault, limiter=limiter)

    def now(self) -> datetime:
        return self.clock()


def get_rescode(request: Request) -> Rescode:
    rescode = getattr(request.app.state, "rescode", None)
    if not isinstance(rescode, Rescode):
        raise RuntimeError("app.state.rescode is not set: the rescode app did not start")
    return rescode


RescodeDep = Annotated[Rescode, Depends(get_rescode)]
