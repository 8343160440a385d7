"""The rescode tables: codes, consents, mandates, the wallet and access-log projections
and the catalogue read model.

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
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_departments")),
    )
    op.create_table(
        "catalog_licence_types",
        sa.Column("code", sa.String(21), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_licence_types")),
    )
    op.create_table(
        "catalog_items",
        sa.Column("seq_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("event_time", UtcDateTime(), nullable=True),
        sa.Column("materials_known", sa.Boolean(), nullable=False),
        sa.Column("materials_event_time", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq_no", name=op.f("pk_catalog_items")),
    )
    op.create_table(
        "catalog_item_licence_types",
        sa.Column("item_seq_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("licence_type", sa.String(21), nullable=False),
        sa.Column("material", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint(
            "item_seq_no", "licence_type", name=op.f("pk_catalog_item_licence_types")
        ),
    )
    op.create_table(
        "codes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("holder_hash", sa.String(64), nullable=False),
        sa.Column("holder_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("agent_hash", sa.String(64), nullable=False),
        sa.Column("agent_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("mandate_id", sa.String(40), nullable=True),
        sa.Column("digits_hash", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("superseded_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codes")),
        sa.UniqueConstraint("digits_hash", name=op.f("uq_codes_digits_hash")),
    )
    op.create_index("ix_codes_holder_agent", "codes", ["holder_hash", "agent_hash"])
    op.create_index("ix_codes_expires_at", "codes", ["expires_at"])
    op.create_table(
        "consents",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("holder_hash", sa.String(64), nullable=False),
        sa.Column("holder_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("licence_types", sa.JSON(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=True),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("consumed_at", UtcDateTime(), nullable=True),
        sa.Column("consumed_by", sa.String(24), nullable=True),
        sa.Column("consumed_ref", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_holder_department", "consents", ["holder_hash", "department"])
    op.create_table(
        "mandates",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("principal_hash", sa.String(64), nullable=False),
        sa.Column("principal_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("agent_hash", sa.String(64), nullable=False),
        sa.Column("agent_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("relation", sa.String(24), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("licence_types", sa.JSON(), nullable=True),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandates")),
    )
    op.create_index("ix_mandates_principal_agent", "mandates", ["principal_hash", "agent_hash"])
    op.create_index("ix_mandates_agent_hash", "mandates", ["agent_hash"])
    op.create_table(
        "wallet_licences",
        sa.Column("licence_id", sa.String(120), nullable=False),
        sa.Column("holder_hash", sa.String(64), nullable=False),
        sa.Column("licence_no", sa.String(100), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("type_name", sa.String(200), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("revocation", sa.String(16), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issued_at", UtcDateTime(), nullable=True),
        sa.Column("status_changed_at", UtcDateTime(), nullable=True),
        sa.Column("seals_present", sa.JSON(), nullable=True),
        sa.Column("seals_required", sa.JSON(), nullable=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_wallet_licences")),
    )
    op.create_index(
        "ix_wallet_licences_holder_type", "wallet_licences", ["holder_hash", "type_code"]
    )
    op.create_table(
        "wallet_supersessions",
        sa.Column("licence_id", sa.String(120), nullable=False),
        sa.Column("superseded_by", sa.String(120), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_wallet_supersessions")),
    )
    op.create_table(
        "licence_objections",
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("licence_id", sa.String(120), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("dispute_id", name=op.f("pk_licence_objections")),
    )
    op.create_index(op.f("ix_licence_objections_licence_id"), "licence_objections", ["licence_id"])
    op.create_table(
        "access_records",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("holder_hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(24), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("operator_id", sa.String(128), nullable=True),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("result", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("licence_ids", sa.JSON(), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=True),
        sa.Column("agent_masked", sa.String(40), nullable=True),
        sa.Column("relation", sa.String(24), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_records")),
        sa.UniqueConstraint("holder_hash", "seq", name="uq_access_records_holder_hash_seq"),
    )
    op.create_table(
        "access_chain_heads",
        sa.Column("holder_hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("holder_hash", name=op.f("pk_access_chain_heads")),
    )


def downgrade() -> None:
    for table in (
        "access_chain_heads",
        "access_records",
        "licence_objections",
        "wallet_supersessions",
        "wallet_licences",
        "mandates",
        "consents",
        "codes",
        "catalog_item_licence_types",
        "catalog_items",
        "catalog_licence_types",
        "catalog_departments",
    ):
        op.drop_table(table)
