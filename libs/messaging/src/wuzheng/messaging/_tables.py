"""The outbox, inbox and dead-letter tables every service carries in its own database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from wuzheng.db import UtcDateTime, make_metadata

messaging_metadata = make_metadata()

OUTBOX_PENDING = "pending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"

outbox_table = sa.Table(
    "outbox",
    messaging_metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # the event id, sent as Nats-Msg-Id
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("headers", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default=OUTBOX_PENDING),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    # The relay's claim query: due pending rows, oldest first.
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

inbox_table = sa.Table(
    "inbox",
    messaging_metadata,
    sa.Column("consumer", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
)

dead_letter_table = sa.Table(
    "dead_letter",
    messaging_metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("consumer", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=True),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("headers", sa.JSON(), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("replayed_at", UtcDateTime(), nullable=True),
    sa.Index("ix_dead_letter_consumer_recorded_at", "consumer", "recorded_at"),
)

MESSAGING_TABLES = (outbox_table, inbox_table, dead_letter_table)


def create_messaging_tables(op: Any) -> None:
    """Create the three messaging tables from inside an alembic migration.

    Call it from a service's first migration's ``upgrade()``::

        from wuzheng.messaging import create_messaging_tables, drop_messaging_tables

        def upgrade() -> None:
            create_messaging_tables(op)
            op.create_table(...)  # the service's own tables

        def downgrade() -> None:
            ...
            drop_messaging_tables(op)

    The tables are built from :data:`messaging_metadata`, which the service's ``env.py``
    lists beside its own metadata (``run_alembic_env([metadata, messaging_metadata])``) so
    autogenerate sees them as present and leaves them alone. A later change to these tables
    ships as a helper of its own, called from a new migration in each service.
    """
    # DDL elements rather than ``op.create_table`` keep the metadata's naming convention,
    # and ``op.execute`` renders them in offline (``--sql``) mode too.
    for table in MESSAGING_TABLES:
        op.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            op.execute(CreateIndex(index))


def drop_messaging_tables(op: Any) -> None:
    """Undo :func:`create_messaging_tables` (a service's first ``downgrade()``)."""
    for table in reversed(MESSAGING_TABLES):
        op.drop_table(table.name)
