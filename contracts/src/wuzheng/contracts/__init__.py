"""wuzheng.contracts: the shared contracts of the mesh.

Validated value types (resident ID number, credit code, holder code, licence identifier,
licence type code), the CloudEvents envelope with typed event payloads, RFC 9457 problems
and W3C trace context. See ``contracts/README.md``.
"""

from wuzheng.contracts._envelope import (
    EVENT_TYPE_PATTERN,
    EventEnvelope,
    EventPayload,
    EventTypeMismatch,
    UnknownEventType,
    decode_event,
    event_type,
    nats_subject,
    new_event_id,
    payload_class,
    registered_payloads,
    split_event_type,
)
from wuzheng.contracts._identifiers import (
    CreditCode,
    HolderCode,
    HolderCodeType,
    IdentifierError,
    ResidentId,
)
from wuzheng.contracts._licence import (
    LicenceStatus,
    RevocationKind,
    VerificationMode,
    VerificationOutcome,
)
from wuzheng.contracts._licence_id import (
    LICENCE_ID_ROOT,
    LenientLicenceId,
    LicenceId,
    LicenceIdError,
    LicenceTypeCode,
)
from wuzheng.contracts.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    ProblemError,
    ServiceUnavailable,
    Unauthenticated,
)
from wuzheng.contracts.tracing import (
    TraceContext,
    current_or_new_trace,
    current_trace,
    reset_trace,
    set_trace,
)

__all__ = [
    "EVENT_TYPE_PATTERN",
    "LICENCE_ID_ROOT",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_BASE",
    "Conflict",
    "CreditCode",
    "EventEnvelope",
    "EventPayload",
    "EventTypeMismatch",
    "Forbidden",
    "HolderCode",
    "HolderCodeType",
    "IdentifierError",
    "InvalidInput",
    "LenientLicenceId",
    "LicenceId",
    "LicenceIdError",
    "LicenceStatus",
    "LicenceTypeCode",
    "NotFound",
    "Problem",
    "ProblemError",
    "ResidentId",
    "RevocationKind",
    "ServiceUnavailable",
    "TraceContext",
    "Unauthenticated",
    "UnknownEventType",
    "VerificationMode",
    "VerificationOutcome",
    "current_or_new_trace",
    "current_trace",
    "decode_event",
    "event_type",
    "nats_subject",
    "new_event_id",
    "payload_class",
    "registered_payloads",
    "reset_trace",
    "set_trace",
    "split_event_type",
]
