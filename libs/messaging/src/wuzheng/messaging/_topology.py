"""Streams and durable consumers, declared once and applied idempotently at start-up."""

from __future__ import annotations

import contextlib
import logging
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nats.js import api
from nats.js.errors import APIError, NotFoundError

from wuzheng.messaging._errors import TopologyError

logger = logging.getLogger("wuzheng.messaging.topology")

DAY = 86_400.0
_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

Action = Literal["created", "updated", "recreated", "unchanged"]


@dataclass(frozen=True)
class StreamSpec:
    """One JetStream stream. Times are in seconds.

    ``duplicate_window`` is how long JetStream remembers a ``Nats-Msg-Id``: a relay that
    republishes an event within it is de-duplicated by the server; beyond it, consumers'
    inbox tables still make the effect happen once.
    """

    name: str
    subjects: tuple[str, ...]
    max_age: float = 30 * DAY
    duplicate_window: float = 600.0
    storage: Literal["file", "memory"] = "file"
    replicas: int = 1

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"invalid stream name {self.name!r}")
        if not self.subjects:
            raise ValueError(f"stream {self.name} needs at least one subject")
        if self.replicas < 1 or self.replicas > 5:
            raise ValueError("replicas must be between 1 and 5")
        if self.duplicate_window > self.max_age:
            raise ValueError("duplicate_window cannot exceed max_age")

    def config(self) -> api.StreamConfig:
        return api.StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=api.RetentionPolicy.LIMITS,
            max_age=self.max_age,
            duplicate_window=self.duplicate_window,
            storage=api.StorageType.FILE if self.storage == "file" else api.StorageType.MEMORY,
            num_replicas=self.replicas,
        )


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer with explicit acks. Times are in seconds.

    ``ack_wait`` is how long the server waits for an answer before redelivering (a consumer
    that crashed mid-message). ``backoff`` is the list of ``nak`` delays after a failed
    attempt, by attempt number (the last value repeats); it is applied by the client, not
    sent to the server, so a slow handler is never redelivered while it still runs.
    ``max_deliver`` attempts later the message becomes a dead letter.
    """

    stream: str
    durable: str
    filter_subjects: tuple[str, ...] = ()
    max_deliver: int = 10
    ack_wait: float = 30.0
    backoff: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)
    max_ack_pending: int = 1000

    def __post_init__(self) -> None:
        if not _NAME.match(self.durable):
            raise ValueError(f"invalid durable name {self.durable!r}")
        if self.max_deliver < 1:
            raise ValueError("max_deliver must be at least 1")
        if any(delay <= 0 for delay in self.backoff):
            raise ValueError("backoff delays must be positive (never nak without a delay)")

    def nak_delay(self, num_delivered: int) -> float:
        """The redelivery delay after the ``num_delivered``-th attempt failed."""
        if not self.backoff:
            return min(600.0, 2.0 ** max(0, num_delivered - 1))
        return self.backoff[min(max(num_delivered, 1), len(self.backoff)) - 1]

    def config(self) -> api.ConsumerConfig:
        filters = list(self.filter_subjects)
        return api.ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=self.max_ack_pending,
            filter_subject=filters[0] if len(filters) == 1 else None,
            filter_subjects=filters if len(filters) > 1 else None,
        )


def _seconds_equal(a: float | None, b: float | None) -> bool:
    return math.isclose(a or 0.0, b or 0.0, abs_tol=1e-3)


def _stream_differs(spec: StreamSpec, current: api.StreamConfig) -> list[str]:
    wanted = spec.config()
    changed = []
    if sorted(current.subjects or []) != sorted(wanted.subjects or []):
        changed.append("subjects")
    if not _seconds_equal(current.max_age, wanted.max_age):
        changed.append("max_age")
    if not _seconds_equal(current.duplicate_window, wanted.duplicate_window):
        changed.append("duplicate_window")
    if (current.num_replicas or 1) != wanted.num_replicas:
        changed.append("replicas")
    if current.storage != wanted.storage:
        changed.append("storage")
    return changed


def _filters(config: api.ConsumerConfig) -> list[str]:
    if config.filter_subjects:
        return sorted(config.filter_subjects)
    return [config.filter_subject] if config.filter_subject else []


def _consumer_differs(spec: ConsumerSpec, current: api.ConsumerConfig) -> list[str]:
    wanted = spec.config()
    changed = []
    if _filters(current) != _filters(wanted):
        changed.append("filter_subjects")
    if current.max_deliver != wanted.max_deliver:
        changed.append("max_deliver")
    if not _seconds_equal(current.ack_wait, wanted.ack_wait):
        changed.append("ack_wait")
    if current.max_ack_pending != wanted.max_ack_pending:
        changed.append("max_ack_pending")
    if current.deliver_policy != wanted.deliver_policy:
        changed.append("deliver_policy")
    if current.ack_policy != wanted.ack_policy:
        changed.append("ack_policy")
    return changed


@dataclass(frozen=True)
class Topology:
    """Every stream of the mesh and the consumers of one service, in one definition.

    Specs are written with *logical* names (``CERTIFICATE``, ``certificate.>``). A
    ``namespace`` maps them into an isolated corner of a shared NATS: stream ``CERTIFICATE``
    becomes ``<ns>_CERTIFICATE`` and subject ``certificate.licence.issued`` becomes
    ``<ns>.certificate.licence.issued``. Tests use a unique namespace each, so they never
    see each other's events nor those of the running system.
    """

    streams: tuple[StreamSpec, ...]
    consumers: tuple[ConsumerSpec, ...] = ()
    namespace: str = ""
    recreate_consumers: bool = True
    _by_name: dict[str, StreamSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.namespace and not _NAMESPACE.match(self.namespace):
            raise ValueError(f"invalid namespace {self.namespace!r}")
        by_name = {stream.name: stream for stream in self.streams}
        if len(by_name) != len(self.streams):
            raise ValueError("stream names must be unique")
        for consumer in self.consumers:
            if consumer.stream not in by_name:
                raise ValueError(f"consumer {consumer.durable}: unknown stream {consumer.stream}")
        object.__setattr__(self, "_by_name", by_name)

    # -- derived topologies -----------------------------------------------------------

    def with_consumers(self, *consumers: ConsumerSpec) -> Topology:
        """The same streams plus a service's own consumers."""
        return replace(self, consumers=(*self.consumers, *consumers))

    def with_namespace(self, namespace: str) -> Topology:
        return replace(self, namespace=namespace)

    def with_replicas(self, replicas: int) -> Topology:
        """Every stream with ``replicas`` copies (3 on a 3-node cluster)."""
        streams = tuple(replace(stream, replicas=replicas) for stream in self.streams)
        return replace(self, streams=streams)

    # -- names ------------------------------------------------------------------------

    def stream_name(self, logical: str) -> str:
        return f"{self.namespace}_{logical}" if self.namespace else logical

    def subject(self, logical: str) -> str:
        """The NATS subject a logical subject is published on in this namespace."""
        return f"{self.namespace}.{logical}" if self.namespace else logical

    def logical_subject(self, subject: str) -> str:
        prefix = f"{self.namespace}." if self.namespace else ""
        return subject.removeprefix(prefix) if prefix else subject

    def stream(self, logical: str) -> StreamSpec:
        """The resolved (namespaced) spec of the stream named ``logical``."""
        spec = self._by_name.get(logical)
        if spec is None:
            raise KeyError(f"no stream {logical!r} in this topology")
        return replace(
            spec,
            name=self.stream_name(spec.name),
            subjects=tuple(self.subject(s) for s in spec.subjects),
        )

    def consumer(self, spec: ConsumerSpec) -> ConsumerSpec:
        """``spec`` with its stream and filter subjects resolved in this namespace."""
        if spec.stream not in self._by_name:
            raise KeyError(f"no stream {spec.stream!r} in this topology")
        return replace(
            spec,
            stream=self.stream_name(spec.stream),
            filter_subjects=tuple(self.subject(s) for s in spec.filter_subjects),
        )

    def resolved_streams(self) -> list[StreamSpec]:
        return [self.stream(stream.name) for stream in self.streams]

    # -- apply ------------------------------------------------------------------------

    async def apply(self, js: Any) -> dict[str, Action]:
        """Create or update every stream, then every consumer. Safe to run at every start.

        Returns what was done per stream (by name) and per consumer (``stream/durable``).
        """
        report: dict[str, Action] = {}
        for stream in self.resolved_streams():
            report[stream.name] = await apply_stream(js, stream)
        for consumer in self.consumers:
            resolved = self.consumer(consumer)
            report[f"{resolved.stream}/{resolved.durable}"] = await apply_consumer(
                js, resolved, recreate=self.recreate_consumers
            )
        return report

    async def delete(self, js: Any) -> None:
        """Delete every stream of this namespace (tests' clean-up; never the system's)."""
        for stream in self.resolved_streams():
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(stream.name)


async def apply_stream(js: Any, spec: StreamSpec) -> Action:
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        try:
            await js.add_stream(spec.config())
        except APIError as exc:
            raise TopologyError(f"cannot create stream {spec.name}: {exc}") from exc
        logger.info("created stream %s on %s", spec.name, ", ".join(spec.subjects))
        return "created"
    changed = _stream_differs(spec, info.config)
    if not changed:
        return "unchanged"
    if "storage" in changed:
        raise TopologyError(
            f"stream {spec.name} exists with {info.config.storage} storage; JetStream cannot "
            "change a stream's storage in place: migrate it by hand"
        )
    try:
        await js.update_stream(spec.config())
    except APIError as exc:
        raise TopologyError(f"cannot update stream {spec.name} ({changed}): {exc}") from exc
    logger.info("updated stream %s: %s", spec.name, ", ".join(changed))
    return "updated"


async def apply_consumer(js: Any, spec: ConsumerSpec, *, recreate: bool = True) -> Action:
    """Create the durable consumer, or bring an existing one up to date.

    Since nats-server 2.10 re-sending a durable's config updates its editable fields
    (filter subjects, max_deliver, ack_wait, max_ack_pending) in place, keeping its position.
    When the server refuses (a field that cannot change), the consumer is deleted and
    created again if ``recreate``: it then starts over from the stream's first message, and
    the consumer's inbox table makes every already-applied event a no-op.
    """
    try:
        info = await js.consumer_info(spec.stream, spec.durable)
    except NotFoundError:
        await _add_consumer(js, spec)
        logger.info("created consumer %s on %s", spec.durable, spec.stream)
        return "created"
    changed = _consumer_differs(spec, info.config)
    if not changed:
        return "unchanged"
    try:
        await js.add_consumer(spec.stream, spec.config())
    except APIError as exc:
        if not recreate:
            raise TopologyError(
                f"consumer {spec.stream}/{spec.durable} differs ({changed}) and the server "
                f"refused to update it: {exc}"
            ) from exc
        logger.warning(
            "recreating consumer %s on %s (%s): %s", spec.durable, spec.stream, changed, exc
        )
        await js.delete_consumer(spec.stream, spec.durable)
        await _add_consumer(js, spec)
        return "recreated"
    logger.info("updated consumer %s on %s: %s", spec.durable, spec.stream, ", ".join(changed))
    return "updated"


async def _add_consumer(js: Any, spec: ConsumerSpec) -> None:
    try:
        await js.add_consumer(spec.stream, spec.config())
    except APIError as exc:
        raise TopologyError(f"cannot create consumer {spec.stream}/{spec.durable}: {exc}") from exc


def unique_namespace(prefix: str = "t") -> str:
    """A fresh namespace (tests, benchmarks) no other run will use."""
    return f"{prefix}{secrets.token_hex(5)}"


def _domain_stream(name: str, *subjects: str) -> StreamSpec:
    return StreamSpec(name=name, subjects=tuple(subjects))


MESH_STREAMS: tuple[StreamSpec, ...] = (
    _domain_stream("CATALOG", "catalog.>"),
    _domain_stream("CERTIFICATE", "certificate.>"),
    _domain_stream("VERIFICATION", "verification.>"),
    _domain_stream("RESCODE", "rescode.>", "consent.>"),
    _domain_stream("DISPUTE", "dispute.>"),
)


def mesh_topology(
    *,
    consumers: Iterable[ConsumerSpec] = (),
    namespace: str = "",
    replicas: int = 1,
    streams: Sequence[StreamSpec] = MESH_STREAMS,
) -> Topology:
    """The one definition of the mesh's streams, plus the calling service's consumers."""
    topology = Topology(streams=tuple(streams), consumers=tuple(consumers), namespace=namespace)
    return topology.with_replicas(replicas) if replicas != 1 else topology
