"""The dispute service's tables (one metadata, read by alembic's ``env.py``).

Its own data: ``disputes`` (one row per objection, with its SLA clock and correction
state), ``dispute_history`` (every transition, escalation and correction step),
``dispute_propagations`` (which department was told of which correction) and
``department_sla`` (SLA overrides set through the API).

Local read models fed by other services' events (never by calls to them): ``licences``
(``certificate.licence.*``), ``catalog_departments``, ``catalog_items``,
``catalog_licence_types`` (``catalog.*``) and ``licence_verifications``
(``verification.request.completed``: who verified which licence version).

Holder codes are never stored in clear: ``holder_digest`` is HMAC-SHA256 under
``DISPUTE_HOLDER_KEY``, ``holder_masked`` what responses show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wuzheng.db import UtcDateTime, make_metadata
from wuzheng.dispute.disputes.schemas import OPEN_STATES

__all__ = [
    "Base",
    "CatalogDepartment",
    "CatalogItem",
    "CatalogLicenceType",
    "DepartmentSla",
    "Dispute",
    "DisputeHistory",
    "KnownLicence",
    "LicenceVerification",
    "Propagation",
]


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


_OPEN_LICENCE_DISPUTE = sa.text(
    "kind = 'licence' AND state IN ({})".format(", ".join(f"'{s}'" for s in sorted(OPEN_STATES)))
)


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (
        sa.Index("ix_disputes_department_state", "department", "state"),
        sa.Index("ix_disputes_state_accept_due_at", "state", "accept_due_at"),
        sa.Index("ix_disputes_state_resolve_due_at", "state", "resolve_due_at"),
        sa.Index("ix_disputes_target_ref_field", "target_ref", "field"),
        # One open dispute per licence field. Filing checks first, but a check cannot see a
        # filing that has not committed yet: two counters filing at once would both pass.
        sa.Index(
            "uq_disputes_open_licence_field",
            "target_ref",
            "field",
            unique=True,
            postgresql_where=_OPEN_LICENCE_DISPUTE,
            sqlite_where=_OPEN_LICENCE_DISPUTE,
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # licence | item | licence_type
    state: Mapped[str] = mapped_column(sa.String(16))
    department: Mapped[str] = mapped_column(sa.String(64))
    target_ref: Mapped[str] = mapped_column(sa.String(160))
    licence_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    issuer_code: Mapped[str | None] = mapped_column(sa.String(18))
    licence_type_code: Mapped[str | None] = mapped_column(sa.String(21))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer())
    field: Mapped[str] = mapped_column(sa.String(64))
    claimed_value: Mapped[str] = mapped_column(sa.Text())
    description: Mapped[str | None] = mapped_column(sa.Text())
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON())
    holder_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    holder_masked: Mapped[str | None] = mapped_column(sa.String(40))
    filed_as: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(16))
    filed_by_department: Mapped[str | None] = mapped_column(sa.String(64))
    filed_by_operator: Mapped[str | None] = mapped_column(sa.String(64))
    filed_at: Mapped[dt.datetime]
    filed_day: Mapped[dt.date] = mapped_column(sa.Date(), index=True)  # local (CST) date
    accept_due_at: Mapped[dt.datetime]
    resolve_due_at: Mapped[dt.datetime]
    assignee: Mapped[str | None] = mapped_column(sa.String(64))
    accepted_at: Mapped[dt.datetime | None]
    processing_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    closed_day: Mapped[dt.date | None] = mapped_column(sa.Date(), index=True)
    # Durations frozen when the step is taken: wall-clock and working-time seconds.
    accept_seconds: Mapped[float | None] = mapped_column(sa.Float())
    accept_working_seconds: Mapped[float | None] = mapped_column(sa.Float())
    decide_seconds: Mapped[float | None] = mapped_column(sa.Float())
    decide_working_seconds: Mapped[float | None] = mapped_column(sa.Float())
    accepted_on_time: Mapped[bool | None] = mapped_column(sa.Boolean())
    decided_on_time: Mapped[bool | None] = mapped_column(sa.Boolean())
    accept_escalated_at: Mapped[dt.datetime | None]
    resolve_escalated_at: Mapped[dt.datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(sa.Text())
    corrections: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    correction_status: Mapped[str | None] = mapped_column(sa.String(16))
    new_licence_id: Mapped[str | None] = mapped_column(sa.String(128))
    amended_at: Mapped[dt.datetime | None]
    propagated_at: Mapped[dt.datetime | None]


class DisputeHistory(Base):
    __tablename__ = "dispute_history"

    id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(sa.String(16))  # transition|escalation|amended|propagated
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[str | None] = mapped_column(sa.String(16))
    to_state: Mapped[str | None] = mapped_column(sa.String(16))
    actor_department: Mapped[str | None] = mapped_column(sa.String(64))
    actor_operator: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text())
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())


class Propagation(Base):
    __tablename__ = "dispute_propagations"

    dispute_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("disputes.id", ondelete="CASCADE"), primary_key=True
    )
    department: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    told_at: Mapped[dt.datetime]
    late: Mapped[bool] = mapped_column(sa.Boolean())


class DepartmentSla(Base):
    __tablename__ = "department_sla"

    department: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    accept_days: Mapped[int] = mapped_column(sa.Integer())
    resolve_days: Mapped[int] = mapped_column(sa.Integer())
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str | None] = mapped_column(sa.String(140))


class KnownLicence(Base):
    """A licence as ``certificate.licence.*`` events describe it (no field values)."""

    __tablename__ = "licences"

    licence_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    type_code: Mapped[str] = mapped_column(sa.String(21))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    department: Mapped[str] = mapped_column(sa.String(64))
    holder_digest: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(sa.Integer())
    status: Mapped[str] = mapped_column(sa.String(16))
    superseded_by: Mapped[str | None] = mapped_column(sa.String(128))
    updated_at: Mapped[dt.datetime]


class CatalogDepartment(Base):
    __tablename__ = "catalog_departments"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))


class CatalogItem(Base):
    __tablename__ = "catalog_items"

    seq_no: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(400))
    department: Mapped[str] = mapped_column(sa.String(64))


class CatalogLicenceType(Base):
    __tablename__ = "catalog_licence_types"

    code: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    department: Mapped[str | None] = mapped_column(sa.String(64))  # the first issuer
    fields: Mapped[list[str]] = mapped_column(sa.JSON())


class LicenceVerification(Base):
    """Department D received an answer about licence version L (from the access record)."""

    __tablename__ = "licence_verifications"

    licence_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    department: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_at: Mapped[dt.datetime]
    last_at: Mapped[dt.datetime]
    count: Mapped[int] = mapped_column(sa.Integer())
