"""W3C trace context carried across HTTP and NATS.

The web kit sets the current context from the incoming ``traceparent`` header (or starts a
new trace); the messaging lib copies it into every event envelope and NATS header, and a
consumer restores it before handling, so one trace id follows a request through the mesh.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar, Token

from pydantic import BaseModel, ConfigDict

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


class TraceContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    traceparent: str
    tracestate: str | None = None

    @property
    def trace_id(self) -> str:
        return self.traceparent.split("-")[1]

    @classmethod
    def new(cls) -> TraceContext:
        return cls(traceparent=f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01")

    @classmethod
    def parse(cls, traceparent: str | None, tracestate: str | None = None) -> TraceContext | None:
        """The context from a header value, or None when absent or malformed."""
        if not traceparent or not _TRACEPARENT.match(traceparent.strip().lower()):
            return None
        return cls(traceparent=traceparent.strip().lower(), tracestate=tracestate)

    def child(self) -> TraceContext:
        """Same trace, a new span id: what a hop passes on."""
        _, trace_id, _, flags = self.traceparent.split("-")
        return TraceContext(
            traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-{flags}", tracestate=self.tracestate
        )

    def headers(self) -> dict[str, str]:
        out = {"traceparent": self.traceparent}
        if self.tracestate:
            out["tracestate"] = self.tracestate
        return out


_current: ContextVar[TraceContext | None] = ContextVar("wuzheng_trace", default=None)


def current_trace() -> TraceContext | None:
    return _current.get()


def current_or_new_trace() -> TraceContext:
    return _current.get() or TraceContext.new()


def set_trace(context: TraceContext | None) -> Token[TraceContext | None]:
    return _current.set(context)


def reset_trace(token: Token[TraceContext | None]) -> None:
    _current.reset(token)
