"""EventEnvelope (CloudEvents 1.0), EventPayload and the payload registry."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from wuzheng.contracts import (
    EventEnvelope,
    EventPayload,
    EventTypeMismatch,
    TraceContext,
    UnknownEventType,
    _envelope,
    decode_event,
    event_type,
    nats_subject,
    new_event_id,
    payload_class,
    registered_payloads,
    split_event_type,
)
from wuzheng.contracts.tracing import reset_trace, set_trace


class WidgetCreated(EventPayload):
    """A payload of a made-up domain, for these tests only."""

    event_type = "testing.widget.created"

    widget_id: str
    label: str
    note: str | None = None


class WidgetCreatedV2(EventPayload):
    event_type = "testing.widget.created"
    event_version = 2

    widget_id: str
    labels: list[str]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, type[EventPayload]]:
    """A copy of the registry for tests that declare payloads, restored afterwards."""
    copy = dict(_envelope._REGISTRY)
    monkeypatch.setattr(_envelope, "_REGISTRY", copy)
    return copy


def wrap(**kwargs: Any) -> EventEnvelope:
    return EventEnvelope.wrap(
        WidgetCreated(widget_id="w-1", label="安丘 widget"), source="/wuzheng/testing", **kwargs
    )


# --------------------------------------------------------------------------- types


def test_event_type_helpers() -> None:
    full = event_type("certificate.licence.issued", 1)
    assert full == "cn.wuzheng.certificate.licence.issued.v1"
    assert split_event_type(full) == ("certificate.licence.issued", 1)
    assert nats_subject("cn.wuzheng.consent.grant.revoked.v12") == "consent.grant.revoked"


@pytest.mark.parametrize(
    ("name", "version"),
    [("certificate.licence", 1), ("Certificate.licence.issued", 1), ("a.b.c", 0), ("a.b.c", True)],
)
def test_event_type_rejects_bad_names_and_versions(name: str, version: int) -> None:
    with pytest.raises(ValueError, match="event"):
        event_type(name, version)


@pytest.mark.parametrize(
    "type_",
    [
        "cn.wuzheng.certificate.licence.issued",
        "cn.wuzheng.certificate.licence.v1",
        "cn.wuzheng.certificate.licence.issued.v0",
        "com.example.certificate.licence.issued.v1",
        "cn.wuzheng.certificate.licence.is-sued.v1",
        "cn.wuzheng.certificate.licence.issued.*.v1",
    ],
)
def test_envelope_rejects_bad_types(type_: str) -> None:
    with pytest.raises(ValueError, match="event type"):
        split_event_type(type_)
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({**wrap().model_dump(), "type": type_})


# --------------------------------------------------------------------------- wrap


def test_wrap_fills_the_attributes() -> None:
    before = datetime.now(UTC)
    envelope = wrap(subject="w-1")
    assert envelope.type == "cn.wuzheng.testing.widget.created.v1"
    assert envelope.source == "/wuzheng/testing"
    assert envelope.subject == "w-1"
    assert envelope.specversion == "1.0"
    assert envelope.datacontenttype == "application/json"
    assert envelope.data == {"widget_id": "w-1", "label": "安丘 widget", "note": None}
    assert uuid.UUID(envelope.id).version == 7
    assert before <= envelope.time <= datetime.now(UTC)
    assert envelope.time.tzinfo is UTC
    assert envelope.event_name == envelope.nats_subject == "testing.widget.created"
    assert envelope.event_version == 1
    assert envelope.domain == "testing"


def test_wrap_takes_the_current_trace() -> None:
    context = TraceContext.new().model_copy(update={"tracestate": "wz=1"})
    token = set_trace(context)
    try:
        envelope = wrap()
    finally:
        reset_trace(token)
    assert envelope.traceparent == context.traceparent
    assert envelope.tracestate == "wz=1"
    assert envelope.trace_context() == context
    assert envelope.nats_headers() == {
        "Nats-Msg-Id": envelope.id,
        "traceparent": context.traceparent,
        "tracestate": "wz=1",
    }


def test_wrap_without_a_current_trace_starts_one() -> None:
    first, second = wrap(), wrap()
    assert first.trace_context() is not None
    assert second.trace_context() is not None
    assert first.trace_context() != second.trace_context()


def test_wrap_with_explicit_attributes() -> None:
    at = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    event_id = str(uuid.uuid4())
    trace = TraceContext.new()
    envelope = wrap(event_id=event_id, time=at, trace=trace, partitionkey="w-1", retries=0)
    assert envelope.id == event_id
    assert envelope.time == at
    assert envelope.time.utcoffset() == timedelta(0)
    assert envelope.traceparent == trace.traceparent
    assert envelope.model_extra == {"partitionkey": "w-1", "retries": 0}


def test_wrap_needs_a_declared_payload() -> None:
    class Loose(EventPayload):
        value: int

    with pytest.raises(TypeError, match="no event_type"):
        EventEnvelope.wrap(Loose(value=1), source="/wuzheng/testing")


# --------------------------------------------------------------------------- JSON


def test_bytes_round_trip_is_compact_utf8() -> None:
    envelope = wrap()
    raw = envelope.to_bytes()
    assert "安丘".encode() in raw
    assert b"\\u" not in raw
    assert b": " not in raw
    assert b", " not in raw
    document = json.loads(raw)
    assert "subject" not in document
    assert "tracestate" not in document
    assert document["data"]["note"] is None  # None inside data is kept
    assert document["time"].endswith("Z")
    assert EventEnvelope.from_bytes(raw) == envelope
    assert EventEnvelope.from_bytes(raw.decode()) == envelope


def test_extensions_survive_the_round_trip() -> None:
    envelope = wrap(partitionkey="w-1", sequence=3, replay=True)
    again = EventEnvelope.from_bytes(envelope.to_bytes())
    assert again.model_extra == {"partitionkey": "w-1", "sequence": 3, "replay": True}


@pytest.mark.parametrize("name", ["Bad", "with-dash", "a" * 21, "payload", "wrap"])
def test_bad_extension_names_are_rejected(name: str) -> None:
    document = json.loads(wrap().to_bytes()) | {name: "x"}
    with pytest.raises(ValidationError, match="extension attribute name"):
        EventEnvelope.model_validate(document)


def test_extension_values_must_be_scalars() -> None:
    document = json.loads(wrap().to_bytes()) | {"nested": {"a": 1}}
    with pytest.raises(ValidationError, match="string, integer or boolean"):
        EventEnvelope.model_validate(document)


@pytest.mark.parametrize("missing", ["id", "source", "type", "time", "specversion", "data"])
def test_required_attributes(missing: str) -> None:
    document = json.loads(wrap().to_bytes())
    del document[missing]
    with pytest.raises(ValidationError) as caught:
        EventEnvelope.model_validate(document)
    assert caught.value.errors()[0]["loc"] == (missing,)


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("id", "not-a-uuid"),
        ("specversion", "0.3"),
        ("datacontenttype", "text/plain"),
        ("time", "2024-05-01T09:30:00"),  # no offset
        ("traceparent", "01-xyz"),
        ("source", ""),
        ("source", "/with space"),
        ("data", [1, 2]),
    ],
)
def test_bad_attribute_values(attribute: str, value: object) -> None:
    document = json.loads(wrap().to_bytes()) | {attribute: value}
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate(document)


def test_ids_and_times_are_normalised() -> None:
    event_id = str(uuid.uuid4())
    document = json.loads(wrap().to_bytes()) | {
        "id": event_id.upper(),
        "time": "2024-05-01T09:30:00+08:00",
    }
    envelope = EventEnvelope.model_validate(document)
    assert envelope.id == event_id
    assert envelope.time == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert json.loads(envelope.to_bytes())["time"] == "2024-05-01T01:30:00Z"


def test_envelope_is_immutable() -> None:
    with pytest.raises(ValidationError):
        wrap().source = "/elsewhere"  # type: ignore[misc]


# --------------------------------------------------------------------------- ids


def test_event_ids_are_uuid7_and_time_ordered() -> None:
    first = new_event_id()
    time.sleep(0.002)
    second = new_event_id()
    for value in (first, second):
        parsed = uuid.UUID(value)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
    assert first < second
    millis = int(first.replace("-", "")[:12], 16)
    assert abs(millis - time.time() * 1000) < 5_000
    assert len({new_event_id() for _ in range(1000)}) == 1000


# --------------------------------------------------------------------------- decoding


def test_payload_is_decoded_to_its_registered_class() -> None:
    envelope = EventEnvelope.from_bytes(wrap().to_bytes())
    payload = envelope.payload()
    assert isinstance(payload, WidgetCreated)
    assert payload == WidgetCreated(widget_id="w-1", label="安丘 widget")
    assert decode_event(envelope) == payload
    typed: WidgetCreated = envelope.payload_as(WidgetCreated)
    assert typed.label == "安丘 widget"


def test_versions_are_distinct_types() -> None:
    envelope = EventEnvelope.wrap(
        WidgetCreatedV2(widget_id="w-2", labels=["a"]), source="/wuzheng/testing"
    )
    assert envelope.type == "cn.wuzheng.testing.widget.created.v2"
    assert envelope.nats_subject == "testing.widget.created"
    assert isinstance(envelope.payload(), WidgetCreatedV2)
    with pytest.raises(EventTypeMismatch, match=r"created\.v2, not .*created\.v1"):
        envelope.payload_as(WidgetCreated)


def test_unknown_types_and_bad_data() -> None:
    document = json.loads(wrap().to_bytes())
    unknown = EventEnvelope.model_validate(document | {"type": "cn.wuzheng.testing.gizmo.lost.v1"})
    with pytest.raises(UnknownEventType, match="gizmo"):
        unknown.payload()
    with pytest.raises(UnknownEventType):
        payload_class("cn.wuzheng.testing.gizmo.lost.v1")
    broken = EventEnvelope.model_validate(document | {"data": {"widget_id": "w-1"}})
    with pytest.raises(ValidationError):
        broken.payload()


def test_unknown_payload_members_are_ignored() -> None:
    document = json.loads(wrap().to_bytes())
    document["data"]["colour"] = "red"
    payload = EventEnvelope.model_validate(document).payload()
    assert payload == WidgetCreated(widget_id="w-1", label="安丘 widget")


def test_payloads_are_immutable() -> None:
    payload = WidgetCreated(widget_id="w-1", label="x")
    with pytest.raises(ValidationError):
        payload.label = "y"  # type: ignore[misc]


def test_data_may_be_given_as_a_model() -> None:
    envelope = EventEnvelope.model_validate(
        json.loads(wrap().to_bytes()) | {"data": WidgetCreated(widget_id="w-9", label="m")}
    )
    assert envelope.data == {"widget_id": "w-9", "label": "m", "note": None}


# --------------------------------------------------------------------------- registry


def test_payload_classes_are_registered() -> None:
    known = registered_payloads()
    assert known["cn.wuzheng.testing.widget.created.v1"] is WidgetCreated
    assert known["cn.wuzheng.testing.widget.created.v2"] is WidgetCreatedV2
    assert WidgetCreated.cloudevents_type() == "cn.wuzheng.testing.widget.created.v1"
    assert WidgetCreated.nats_subject() == "testing.widget.created"


def test_payload_json_schema_names_its_event() -> None:
    schema = WidgetCreated.model_json_schema()
    assert schema["x-event-type"] == "cn.wuzheng.testing.widget.created.v1"
    assert schema["x-nats-subject"] == "testing.widget.created"


@pytest.mark.usefixtures("registry")
def test_a_type_cannot_be_declared_twice() -> None:
    with pytest.raises(TypeError, match="declared twice"):

        class Again(EventPayload):
            event_type = "testing.widget.created"

            widget_id: str


@pytest.mark.usefixtures("registry")
def test_a_subclass_must_declare_its_own_type() -> None:
    with pytest.raises(TypeError, match="declare its own event_type"):

        class Special(WidgetCreated):
            colour: str

    class Recoloured(WidgetCreated):
        event_type = "testing.widget.recoloured"

        colour: str

    assert Recoloured.cloudevents_type() == "cn.wuzheng.testing.widget.recoloured.v1"


def test_abstract_bases_are_not_registered(registry: dict[str, type[EventPayload]]) -> None:
    class WidgetEvent(EventPayload):
        widget_id: str

    class WidgetDeleted(WidgetEvent):
        event_type = "testing.widget.deleted"

    assert set(registry.values()) >= {WidgetDeleted}
    assert WidgetEvent not in registry.values()
    assert not WidgetEvent.is_concrete()
    with pytest.raises(TypeError, match="no event_type"):

        class Versioned(EventPayload):
            event_version = 2


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize(("name", "version"), [("testing.widget", 1), ("testing.w.x", 0)])
def test_declared_names_are_checked(name: str, version: int) -> None:
    with pytest.raises(ValueError, match="event"):

        class Bad(EventPayload):
            event_type = name
            event_version = version
