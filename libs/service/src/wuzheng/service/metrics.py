"""Domain metrics: the names operators' dashboards and alerts rely on, declared once.

The kit already exposes request rates and latencies, the outbox backlog, consumer lag,
redeliveries, dead letters and relay failures (``wuzheng.service._metrics``). A service adds
its own domain metrics through this module, so a name, its labels and its help text exist in
one place and a second registration (tests build many apps in one process) returns the same
object instead of failing::

    from wuzheng.service.metrics import VERIFICATION_RESULTS, domain_counter

    RESULTS = domain_counter(VERIFICATION_RESULTS)
    RESULTS.labels(issuer=issuer_code, status=answer.status, mode="online").inc()

:data:`DOMAIN_METRICS` lists the metrics a service MUST expose (the Grafana dashboard in
``deploy/grafana/wuzheng.json`` reads them; ``docs/operations.md`` documents them). Label
values must stay few: codes and enums, never an identifier of a person or a licence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from prometheus_client import Counter, Gauge, Histogram

_NAME: Final = re.compile(r"^wuzheng_[a-z][a-z0-9_]*$")
_LABEL: Final = re.compile(r"^[a-z][a-z0-9_]*$")

Kind = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric: ``name`` as exposed (a counter's ends in ``_total``), its labels, help."""

    name: str
    kind: Kind
    labels: tuple[str, ...]
    help: str
    owner: str = ""  # the service that must expose it ("" for any service)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"metric names start with wuzheng_ and are snake_case: {self.name}")
        if self.kind == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"a counter's exposed name ends in _total: {self.name}")
        for label in self.labels:
            if not _LABEL.match(label) or label.startswith("__"):
                raise ValueError(f"invalid label {label!r} on {self.name}")

    @property
    def base_name(self) -> str:
        """The name given to prometheus-client (which appends ``_total`` to counters)."""
        return self.name.removesuffix("_total") if self.kind == "counter" else self.name


VERIFICATION_RESULTS: Final = MetricSpec(
    "wuzheng_verification_results_total",
    "counter",
    ("issuer", "status", "mode"),
    "Verifications answered, by issuer code (USCC), status (a VerificationOutcome: valid, "
    "pending_seals, suspended, revoked, cancelled, expired, superseded, not_found, "
    "holder_mismatch; or issuer_unavailable when no answer could be had) and mode "
    "(online, offline)",
    owner="verification",
)
VERIFICATION_CIRCUIT_OPEN: Final = MetricSpec(
    "wuzheng_verification_circuit_open",
    "gauge",
    ("issuer",),
    "1 while this replica's circuit breaker to the issuer (USCC) is open or half-open — its "
    "verifications fail fast or go offline — 0 once it closed again; summed over replicas, "
    "how many replicas have given up on the issuer",
    owner="verification",
)
DISPUTE_SLA_BREACHES: Final = MetricSpec(
    "wuzheng_dispute_sla_breaches_total",
    "counter",
    ("department", "clock"),
    "Disputes that passed an SLA deadline, by responsible department code and clock "
    "(accept, resolve)",
    owner="dispute",
)

DOMAIN_METRICS: Final[tuple[MetricSpec, ...]] = (
    VERIFICATION_RESULTS,
    VERIFICATION_CIRCUIT_OPEN,
    DISPUTE_SLA_BREACHES,
)

_created: dict[str, Counter | Gauge | Histogram] = {}


def _existing(spec: MetricSpec, kind: type[Counter | Gauge | Histogram]) -> object | None:
    metric = _created.get(spec.name)
    if metric is not None and not isinstance(metric, kind):
        raise TypeError(f"{spec.name} already exists as a {type(metric).__name__}")
    return metric


def domain_counter(spec: MetricSpec) -> Counter:
    """The counter for ``spec``, created on first use (idempotent)."""
    if spec.kind != "counter":
        raise ValueError(f"{spec.name} is a {spec.kind}, not a counter")
    existing = _existing(spec, Counter)
    if isinstance(existing, Counter):
        return existing
    created = Counter(spec.base_name, spec.help, list(spec.labels))
    _created[spec.name] = created
    return created


def domain_gauge(spec: MetricSpec) -> Gauge:
    """The gauge for ``spec``, created on first use (idempotent)."""
    if spec.kind != "gauge":
        raise ValueError(f"{spec.name} is a {spec.kind}, not a gauge")
    existing = _existing(spec, Gauge)
    if isinstance(existing, Gauge):
        return existing
    created = Gauge(spec.base_name, spec.help, list(spec.labels))
    _created[spec.name] = created
    return created


def domain_histogram(spec: MetricSpec, buckets: tuple[float, ...] | None = None) -> Histogram:
    """The histogram for ``spec``, created on first use (idempotent; the first call's
    buckets win)."""
    if spec.kind != "histogram":
        raise ValueError(f"{spec.name} is a {spec.kind}, not a histogram")
    existing = _existing(spec, Histogram)
    if isinstance(existing, Histogram):
        return existing
    if buckets is None:
        created = Histogram(spec.base_name, spec.help, list(spec.labels))
    else:
        created = Histogram(spec.base_name, spec.help, list(spec.labels), buckets=buckets)
    _created[spec.name] = created
    return created
