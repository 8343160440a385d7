"""The dispute service's tables: disputes, their history, propagations and SLA overrides;
the read models of licences, the catalogue and verifications.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from wuzheng.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_departments",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer_code", sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_departments")),
    )
    op.create_table(
        "catalog_items",
        sa.Column("seq_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq_no", name=op.f("pk_catalog_items")),
    )
    op.create_table(
        "catalog_licence_types",
        sa.Column("code", sa.String(length=21), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_licence_types")),
    )
    op.create_table(
        "department_sla",
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("accept_days", sa.Integer(), nullable=False),
        sa.Column("resolve_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=140), nullable=True),
        sa.PrimaryKeyConstraint("department", name=op.f("pk_department_sla")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("target_ref", sa.String(length=160), nullable=False),
        sa.Column("licence_id", sa.String(length=128), nullable=True),
        sa.Column("issuer_code", sa.String(length=18), nullable=True),
        sa.Column("licence_type_code", sa.String(length=21), nullable=True),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("claimed_value", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("holder_digest", sa.String(length=64), nullable=True),
        sa.Column("holder_masked", sa.String(length=40), nullable=True),
        sa.Column("filed_as", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("filed_by_department", sa.String(length=64), nullable=True),
        sa.Column("filed_by_operator", sa.String(length=64), nullable=True),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        sa.Column("filed_day", sa.Date(), nullable=False),
        sa.Column("accept_due_at", UtcDateTime(), nullable=False),
        sa.Column("resolve_due_at", UtcDateTime(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("processing_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_day", sa.Date(), nullable=True),
        sa.Column("accept_seconds", sa.Float(), nullable=True),
        sa.Column("accept_working_seconds", sa.Float(), nullable=True),
        sa.Column("decide_seconds", sa.Float(), nullable=True),
        sa.Column("decide_working_seconds", sa.Float(), nullable=True),
        sa.Column("accepted_on_time", sa.Boolean(), nullable=True),
        sa.Column("decided_on_time", sa.Boolean(), nullable=True),
        sa.Column("accept_escalated_at", UtcDateTime(), nullable=True),
        sa.Column("resolve_escalated_at", UtcDateTime(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("corrections", sa.JSON(), nullable=True),
        sa.Column("correction_status", sa.String(length=16), nullable=True),
        sa.Column("new_licence_id", sa.String(length=128), nullable=True),
        sa.Column("amended_at", UtcDateTime(), nullable=True),
        sa.Column("propagated_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_closed_day"), ["closed_day"], unique=False)
        batch_op.create_index("ix_disputes_department_state", ["department", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_filed_day"), ["filed_day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_disputes_holder_digest"), ["holder_digest"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disputes_licence_id"), ["licence_id"], unique=False)
        batch_op.create_index(
            "ix_disputes_state_accept_due_at", ["state", "accept_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_disputes_state_resolve_due_at", ["state", "resolve_due_at"], unique=False
        )
        batch_op.create_index("ix_disputes_target_ref_field", ["target_ref", "field"], unique=False)

    op.create_table(
        "licence_verifications",
        sa.Column("licence_id", sa.String(length=128), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=False),
        sa.Column("last_at", UtcDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", "department", name=op.f("pk_licence_verifications")),
    )
    op.create_table(
        "licences",
        sa.Column("licence_id", sa.String(length=128), nullable=False),
        sa.Column("type_code", sa.String(length=21), nullable=False),
        sa.Column("issuer_code", sa.String(length=18), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("holder_digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("superseded_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_licences")),
    )
    op.create_table(
        "dispute_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=36), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("actor_department", sa.String(length=64), nullable=True),
        sa.Column("actor_operator", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_history_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_history")),
    )
    with op.batch_alter_table("dispute_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispute_history_dispute_id"), ["dispute_id"], unique=False
        )

    op.create_table(
        "dispute_propagations",
        sa.Column("dispute_id", sa.String(length=36), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("told_at", UtcDateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name=op.f("fk_dispute_propagations_dispute_id_disputes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dispute_id", "department", name=op.f("pk_dispute_propagations")),
    )


def downgrade() -> None:
    op.drop_table("dispute_propagations")
    with op.batch_alter_table("dispute_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_history_dispute_id"))

    op.drop_table("dispute_history")
    op.drop_table("licences")
    op.drop_table("licence_verifications")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_target_ref_field")
        batch_op.drop_index("ix_disputes_state_resolve_due_at")
        batch_op.drop_index("ix_disputes_state_accept_due_at")
        batch_op.drop_index(batch_op.f("ix_disputes_licence_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_holder_digest"))
        batch_op.drop_index(batch_op.f("ix_disputes_filed_day"))
        batch_op.drop_index("ix_disputes_department_state")
        batch_op.drop_index(batch_op.f("ix_disputes_closed_day"))

    op.drop_table("disputes")
    op.drop_table("department_sla")
    op.drop_table("catalog_licence_types")
    op.drop_table("catalog_items")
    op.drop_table("catalog_departments")
