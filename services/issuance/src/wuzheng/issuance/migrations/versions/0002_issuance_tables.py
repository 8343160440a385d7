"""The issuance service's tables: the catalog read model, issuers and their seal keys,
licences with their seals, history and idempotency keys, objections.

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
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("issuer_code_placeholder", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at", UtcDateTime(), nullable=False, comment="time of the event applied last"
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_departments")),
    )
    op.create_index(
        op.f("ix_catalog_departments_issuer_code"), "catalog_departments", ["issuer_code"]
    )
    op.create_table(
        "catalog_licence_types",
        sa.Column("code", sa.String(21), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("issuing_departments", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column(
            "updated_at", UtcDateTime(), nullable=False, comment="time of the event applied last"
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_catalog_licence_types")),
    )
    op.create_table(
        "issuers",
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active_kid", sa.String(64), nullable=True),
        sa.Column("next_serial", sa.Integer(), nullable=False),
        sa.Column("status_list_size", sa.Integer(), nullable=False),
        sa.Column("status_list_used", sa.Integer(), nullable=False),
        sa.Column("status_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.Column("status_list_token", sa.Text(), nullable=True),
        sa.Column("status_list_issued_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_code", name=op.f("pk_issuers")),
    )
    op.create_index(op.f("ix_issuers_department_code"), "issuers", ["department_code"])
    op.create_table(
        "seal_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("suite", sa.String(16), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_blob", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("retired_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_code"],
            ["issuers.issuer_code"],
            name=op.f("fk_seal_keys_issuer_code_issuers"),
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_seal_keys")),
    )
    op.create_index(op.f("ix_seal_keys_issuer_code"), "seal_keys", ["issuer_code"])
    op.create_table(
        "licences",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("serial", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("licence_no", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revocation", sa.String(16), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status_list_index", sa.Integer(), nullable=False),
        sa.Column("seals_required", sa.JSON(), nullable=False, comment="department codes"),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("previous_id", sa.String(128), nullable=True),
        sa.Column("superseded_by", sa.String(128), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=True, comment="when it became valid"),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
        sa.UniqueConstraint(
            "issuer_code",
            "type_code",
            "licence_no",
            "version",
            name=op.f("uq_licences_issuer_code_type_code_licence_no_version"),
        ),
        sa.UniqueConstraint(
            "issuer_code",
            "status_list_index",
            name=op.f("uq_licences_issuer_code_status_list_index"),
        ),
    )
    op.create_index(op.f("ix_licences_holder"), "licences", ["holder"])
    op.create_index(
        "ix_licences_issuer_type_serial", "licences", ["issuer_code", "type_code", "serial"]
    )
    op.create_index("ix_licences_status_valid_until", "licences", ["status", "valid_until"])
    op.create_table(
        "licence_seals",
        sa.Column("licence_id", sa.String(128), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=True),
        sa.Column("sealed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_licence_seals_licence_id_licences")
        ),
        sa.PrimaryKeyConstraint("licence_id", "department_code", name=op.f("pk_licence_seals")),
    )
    op.create_table(
        "licence_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("licence_id", sa.String(128), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor_department", sa.String(64), nullable=False),
        sa.Column("actor_operator", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("dispute_id", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_licence_history_licence_id_licences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_history")),
    )
    op.create_index(op.f("ix_licence_history_licence_id"), "licence_history", ["licence_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("licence_id", sa.String(128), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("department_code", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "objections",
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("licence_id", sa.String(128), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("dispute_id", name=op.f("pk_objections")),
    )
    op.create_index(op.f("ix_objections_licence_id"), "objections", ["licence_id"])


def downgrade() -> None:
    for table in (
        "objections",
        "idempotency_keys",
        "licence_history",
        "licence_seals",
        "licences",
        "seal_keys",
        "issuers",
        "catalog_licence_types",
        "catalog_departments",
    ):
        op.drop_table(table)
