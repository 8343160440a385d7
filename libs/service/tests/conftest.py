"""A probe service built with the kit: one endpoint writes an event through the outbox, one
consumer handles it (or fails it on demand), so the kit's metrics and traces can be observed
end to end without depending on any real service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import APIRouter
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, new_event_id
from wuzheng.contracts.tracing import current_or_new_trace, current_trace
from wuzheng.db import SessionDep, utcnow
from wuzheng.messaging import ConsumerSpec, PoisonMessage, Responder, TransientError, request
from wuzheng.service import OutboxDep, RuntimeDep, ServiceDefinition, ServiceRuntime
from wuzheng.settings import ServiceSettings, service_config
from wuzheng.web import RequestModel

MIGRATIONS = str(Path(__file__).parent / "probe_migrations")
# A name in the DISPUTE stream's subjects (dispute.>), so the mesh topology carries it.
PROBE_TYPE = "cn.wuzheng.dispute.probe.recorded.v1"
PROBE_CONSUMER = ConsumerSpec(
    "DISPUTE", "probe-events", ("dispute.probe.>",), max_deliver=3, ack_wait=5, backoff=(0.05,)
)

# What the consumer saw: event id → the trace id current in the handler.
HANDLED: dict[str, str] = {}
_FAILED_ONCE: set[str] = set()


class ProbeSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("PROBE_")
    service_name: ClassVar[str] = "probe"
    port: int = 8199


@dataclass(frozen=True)
class ProbeDefinition(ServiceDefinition):
    @property
    def migrations_package(self) -> str:
        return MIGRATIONS


class Probe(RequestModel):
    n: int = 0
    behaviour: str = "ok"  # ok | flaky (fails once, then succeeds) | poison


router = APIRouter()


@router.post("/probe", status_code=201)
async def record(body: Probe, session: SessionDep, outbox: OutboxDep) -> dict[str, Any]:
    envelope = EventEnvelope(
        id=new_event_id(),
        time=utcnow(),
        specversion="1.0",
        source="/wuzheng/probe",
        type=PROBE_TYPE,
        subject=f"probe-{body.n}",
        data={"n": body.n, "behaviour": body.behaviour},
        traceparent=current_or_new_trace().traceparent,
    )
    await outbox.add(session, envelope)
    trace = current_trace()
    return {"event_id": envelope.id, "trace_id": trace.trace_id if trace else None}


@router.post("/ask")
async def ask(runtime: RuntimeDep) -> dict[str, Any]:
    reply = await request(runtime.nats, runtime.subject("probe.echo"), {"q": 1}, timeout=5)
    trace = current_trace()
    return {"reply": reply, "trace_id": trace.trace_id if trace else None}


async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
    behaviour = envelope.data.get("behaviour")
    if behaviour == "poison":
        raise PoisonMessage("the probe asked to be dead-lettered")
    if behaviour == "flaky" and envelope.id not in _FAILED_ONCE:
        _FAILED_ONCE.add(envelope.id)
        raise TransientError("the probe fails once")
    trace = current_trace()
    HANDLED[envelope.id] = trace.trace_id if trace else ""


async def echo(subject: str, body: dict[str, Any]) -> dict[str, Any]:
    trace = current_trace()
    return {"echo": body, "trace_id": trace.trace_id if trace else None}


def wire(runtime: ServiceRuntime) -> None:
    runtime.consumer(PROBE_CONSUMER.durable).on("dispute.probe.*")(handle)
    runtime.add_resource(Responder(runtime.nats, runtime.subject("probe.echo"), echo, queue="p"))


PROBE = ProbeDefinition(
    name="probe",
    title="the kit's probe service",
    settings_class=ProbeSettings,
    routers=[router],
    consumers=[PROBE_CONSUMER],
    wire=wire,
)


@pytest.fixture
def probe() -> ProbeDefinition:
    """The probe service's definition (run it with ``service_harness.run(probe)``)."""
    return PROBE


@pytest.fixture
def handled() -> dict[str, str]:
    """Event id → trace id seen by the probe's handler."""
    return HANDLED
