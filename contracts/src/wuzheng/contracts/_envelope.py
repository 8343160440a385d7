"""The one event envelope (CloudEvents 1.0, JSON format) and typed event payloads.

An event type is ``cn.wuzheng.<domain>.<entity>.<verb>.v<N>``; its NATS subject is
``<domain>.<entity>.<verb>`` (one JetStream stream per domain). Services declare payloads as
:class:`EventPayload` subclasses in ``wuzheng.contracts.events.<domain>``; declaring one
registers it, so a consumer can turn an envelope back into the typed payload.
"""

from __future__ import annotations

import builtins
import re
import secrets
import time as _time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from wuzheng.contracts.events import load_event_modules
from wuzheng.contracts.tracing import TraceContext, current_or_new_trace

EVENT_TYPE_PREFIX = "cn.wuzheng."
_SEGMENT = r"[a-z][a-z0-9_]*"
EVENT_NAME_PATTERN = rf"^{_SEGMENT}\.{_SEGMENT}\.{_SEGMENT}$"
EVENT_TYPE_PATTERN = rf"^cn\.wuzheng\.{_SEGMENT}\.{_SEGMENT}\.{_SEGMENT}\.v[1-9][0-9]*$"
TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_EVENT_NAME_RE = re.compile(EVENT_NAME_PATTERN)
_EVENT_TYPE_RE = re.compile(EVENT_TYPE_PATTERN)
# CloudEvents: attribute names are lower-case ASCII letters and digits (SHOULD be <= 20).
_EXTENSION_NAME_RE = re.compile(r"^[a-z0-9]{1,20}$")
EVENTS_PACKAGE = "wuzheng.contracts.events"

ExtensionValue = str | int | bool


class UnknownEventType(LookupError):
    """No payload class is registered for an event type."""


class EventTypeMismatch(ValueError):
    """An envelope was decoded as a payload class of another event type."""


def new_event_id() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then 74 random bits, so ids sort by
    creation time (to the millisecond)."""
    millis = _time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (
        (millis & ((1 << 48) - 1)) << 80
        | 0x7 << 76
        | (rand >> 62) << 64
        | 0b10 << 62
        | (rand & ((1 << 62) - 1))
    )
    return str(uuid.UUID(int=value))


def event_type(name: str, version: int) -> str:
    """``("certificate.licence.issued", 1)`` → ``"cn.wuzheng.certificate.licence.issued.v1"``."""
    if not _EVENT_NAME_RE.match(name):
        raise ValueError(
            f"event name must be '<domain>.<entity>.<verb>' in [a-z0-9_], got {name!r}"
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"event version must be an integer >= 1, got {version!r}")
    return f"{EVENT_TYPE_PREFIX}{name}.v{version}"


def split_event_type(type_: str) -> tuple[str, int]:
    """``"cn.wuzheng.certificate.licence.issued.v1"`` → ``("certificate.licence.issued", 1)``."""
    if not _EVENT_TYPE_RE.match(type_):
        raise ValueError(
            f"event type must be 'cn.wuzheng.<domain>.<entity>.<verb>.v<N>', got {type_!r}"
        )
    name, _, version = type_.removeprefix(EVENT_TYPE_PREFIX).rpartition(".v")
    return name, int(version)


def nats_subject(type_: str) -> str:
    """The NATS subject of an event type: ``certificate.licence.issued``."""
    return split_event_type(type_)[0]


# --------------------------------------------------------------------------- payloads


_REGISTRY: dict[str, type[EventPayload]] = {}


def _payload_json_schema_extra(schema: dict[str, Any], cls: type[Any]) -> None:
    if isinstance(cls, type) and issubclass(cls, EventPayload) and cls.is_concrete():
        schema["x-event-type"] = cls.cloudevents_type()
        schema["x-nats-subject"] = cls.nats_subject()


class EventPayload(BaseModel):
    """Base of every event's ``data``.

    A subclass sets ``event_type`` (``"<domain>.<entity>.<verb>"``) and ``event_version``
    (default 1) and is registered on definition. Payloads are immutable; unknown members
    are ignored on decoding so a producer may add an optional member without a new version.
    """

    model_config = ConfigDict(
        frozen=True, extra="ignore", json_schema_extra=_payload_json_schema_extra
    )

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        declares = "event_type" in cls.__dict__ or "event_version" in cls.__dict__
        if not declares:
            if cls.is_concrete():
                raise TypeError(
                    f"{cls.__qualname__} inherits event_type {cls.event_type!r}: "
                    "declare its own event_type or event_version"
                )
            return
        if not cls.is_concrete():
            raise TypeError(f"{cls.__qualname__} declares event_version but no event_type")
        full_type = event_type(cls.event_type, cls.event_version)
        known = _REGISTRY.get(full_type)
        if known is not None and (known.__module__, known.__qualname__) != (
            cls.__module__,
            cls.__qualname__,
        ):
            raise TypeError(
                f"event type {full_type} is declared twice: by "
                f"{known.__module__}.{known.__qualname__} and {cls.__module__}.{cls.__qualname__}"
            )
        _REGISTRY[full_type] = cls

    @classmethod
    def is_concrete(cls) -> bool:
        """True when the class names an event (it has an ``event_type``)."""
        return isinstance(getattr(cls, "event_type", None), str)

    @classmethod
    def cloudevents_type(cls) -> str:
        """``cn.wuzheng.<domain>.<entity>.<verb>.v<N>``."""
        if not cls.is_concrete():
            raise TypeError(f"{cls.__qualname__} has no event_type")
        return event_type(cls.event_type, cls.event_version)

    @classmethod
    def nats_subject(cls) -> str:
        return nats_subject(cls.cloudevents_type())


P = TypeVar("P", bound=EventPayload)


def registered_payloads() -> dict[str, type[EventPayload]]:
    """Every registered payload class by CloudEvents type, after importing all modules of
    ``wuzheng.contracts.events``."""
    load_event_modules()
    return dict(sorted(_REGISTRY.items()))


def payload_class(type_: str) -> type[EventPayload]:
    """The payload class of a CloudEvents type; raises :class:`UnknownEventType`."""
    cls = _REGISTRY.get(type_)
    if cls is None:
        load_event_modules()
        cls = _REGISTRY.get(type_)
    if cls is None:
        raise UnknownEventType(f"no payload is registered for event type {type_!r}")
    return cls


def decode_event(envelope: EventEnvelope) -> EventPayload:
    """The typed payload of an envelope (see :meth:`EventEnvelope.payload`)."""
    return envelope.payload()


# --------------------------------------------------------------------------- envelope


class EventEnvelope(BaseModel):
    """A CloudEvents 1.0 event with JSON ``data`` and distributed-tracing extension.

    Build it with :meth:`wrap`. ``id``, ``time`` and ``specversion`` are required (an event
    without an id cannot be de-duplicated). Extension attributes are allowed (lower-case
    ASCII letters and digits, string, integer or boolean values); the core attributes are
    typed.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        title="EventEnvelope",
        json_schema_extra={
            "description": (
                "CloudEvents 1.0 event (JSON format) of the wuzheng mesh, with the "
                "distributed tracing extension (traceparent, tracestate)"
            )
        },
    )

    id: str = Field(
        description="UUID (v7 for events we produce); the JetStream Nats-Msg-Id",
        json_schema_extra={"format": "uuid"},
        examples=["01938a6e-7c2b-7d4e-9f10-3a5b6c7d8e9f"],
    )
    source: str = Field(
        min_length=1,
        pattern=r"^\S+$",
        description="URI-reference of the producing service, e.g. /wuzheng/issuance",
    )
    type: str = Field(
        pattern=EVENT_TYPE_PATTERN,
        description="cn.wuzheng.<domain>.<entity>.<verb>.v<N>",
        examples=["cn.wuzheng.certificate.licence.issued.v1"],
    )
    subject: str | None = Field(
        default=None, min_length=1, description="What the event is about, e.g. a licence id"
    )
    time: AwareDatetime = Field(description="When it happened (UTC)")
    specversion: Literal["1.0"]
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any] = Field(description="The payload; its schema follows from type")
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    tracestate: str | None = None

    @field_validator("id")
    @classmethod
    def _canonical_id(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("event id must be a UUID") from None

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_validator("data", mode="before")
    @classmethod
    def _dump_model(cls, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        return value

    @model_validator(mode="after")
    def _check_extensions(self) -> Self:
        for name, value in (self.model_extra or {}).items():
            if not _EXTENSION_NAME_RE.match(name) or hasattr(type(self), name):
                raise ValueError(
                    f"extension attribute name {name!r} must be 1–20 lower-case ASCII letters "
                    "or digits and not collide with an envelope attribute or method"
                )
            if not isinstance(value, ExtensionValue):
                raise ValueError(
                    f"extension attribute {name!r} must be a string, integer or boolean"
                )
        return self

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        source: str,
        subject: str | None = None,
        trace: TraceContext | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
        **extensions: ExtensionValue,
    ) -> Self:
        """The envelope of a payload: type from its class, a new id, now, and the trace
        context of the current request (or a new trace)."""
        context = trace or current_or_new_trace()
        attributes: dict[str, Any] = {
            "id": event_id or new_event_id(),
            "time": time or datetime.now(UTC),
            "specversion": "1.0",
            "source": source,
            "type": type(payload).cloudevents_type(),
            "subject": subject,
            "data": payload.model_dump(mode="json"),
            "traceparent": context.traceparent,
            "tracestate": context.tracestate,
            **extensions,
        }
        return cls.model_validate(attributes)

    @property
    def event_name(self) -> str:
        """``<domain>.<entity>.<verb>``."""
        return split_event_type(self.type)[0]

    @property
    def event_version(self) -> int:
        return split_event_type(self.type)[1]

    @property
    def domain(self) -> str:
        """The first token of the name: which JetStream stream the event belongs to."""
        return self.event_name.split(".", 1)[0]

    @property
    def nats_subject(self) -> str:
        return self.event_name

    def trace_context(self) -> TraceContext | None:
        return TraceContext.parse(self.traceparent, self.tracestate)

    def nats_headers(self) -> dict[str, str]:
        """``Nats-Msg-Id`` (JetStream de-duplication) and the trace context headers."""
        headers = {"Nats-Msg-Id": self.id}
        context = self.trace_context()
        if context is not None:
            headers.update(context.headers())
        return headers

    def payload(self) -> EventPayload:
        """The typed payload of a registered event type; raises :class:`UnknownEventType`,
        or pydantic's ``ValidationError`` when ``data`` does not fit."""
        return payload_class(self.type).model_validate(self.data)

    def payload_as(self, cls: builtins.type[P]) -> P:
        """The payload as ``cls``; raises :class:`EventTypeMismatch` for another type."""
        if cls.cloudevents_type() != self.type:
            raise EventTypeMismatch(
                f"event type is {self.type}, not {cls.cloudevents_type()} ({cls.__qualname__})"
            )
        return cls.model_validate(self.data)

    def to_bytes(self) -> bytes:
        """Compact UTF-8 JSON (non-ASCII unescaped); unset optional attributes are left out."""
        exclude = {
            name for name in ("subject", "traceparent", "tracestate") if getattr(self, name) is None
        }
        return self.model_dump_json(exclude=exclude).encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> Self:
        return cls.model_validate_json(raw)
