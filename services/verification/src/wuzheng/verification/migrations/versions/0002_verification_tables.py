"""Read models (catalogue, routes, holder licences, status lists, consents) and the access
record (hash chain, its head, usages).

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

from wuzheng.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def upgrade() -> None:
    op.create_table(
        "rm_departments",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rm_departments")),
    )
    op.create_index(op.f("ix_rm_departments_issuer_code"), "rm_departments", ["issuer_code"])
    op.create_table(
        "rm_licence_types",
        sa.Column("code", sa.String(21), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("issuer_codes", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_rm_licence_types")),
    )
    op.create_table(
        "rm_items",
        sa.Column("seq_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("event_time", UtcDateTime(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=True),
        sa.Column("materials_event_time", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq_no", name=op.f("pk_rm_items")),
    )
    op.create_table(
        "rm_fields",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rm_fields")),
    )
    op.create_table(
        "issuer_routes",
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("mesh_subject", sa.String(255), nullable=True),
        sa.Column("mesh_jwks", sa.JSON(), nullable=True),
        sa.Column("mesh_event_time", UtcDateTime(), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("jwks_url", sa.String(500), nullable=True),
        sa.Column("url_jwks", sa.JSON(), nullable=True),
        sa.Column("registered_by", sa.String(200), nullable=True),
        sa.Column("registered_at", UtcDateTime(), nullable=True),
        sa.Column("timeout_ms", sa.Integer(), nullable=True),
        sa.Column("jwks_fetched_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_code", name=op.f("pk_issuer_routes")),
    )
    op.create_table(
        "holder_licences",
        sa.Column("licence_id", sa.String(120), nullable=False),
        sa.Column("holder_hmac", sa.String(64), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("licence_no", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status_list_index", sa.Integer(), nullable=True),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_holder_licences")),
    )
    op.create_index(
        "ix_holder_licences_holder_type", "holder_licences", ["holder_hmac", "type_code"]
    )
    op.create_table(
        "signed_licences",
        sa.Column("licence_id", sa.String(120), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("cached_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("licence_id", name=op.f("pk_signed_licences")),
    )
    op.create_table(
        "status_lists",
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_code", name=op.f("pk_status_lists")),
    )
    op.create_table(
        "consents",
        sa.Column("consent_id", sa.String(100), nullable=False),
        sa.Column("holder_hmac", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("licence_types", sa.JSON(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_holder_hmac"), "consents", ["holder_hmac"])
    op.create_table(
        "access_records",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("caller_department", sa.String(200), nullable=False),
        sa.Column("operator_id", sa.String(64), nullable=True),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("licence_id", sa.String(200), nullable=True),
        sa.Column("type_code", sa.String(21), nullable=True),
        sa.Column("issuer_code", sa.String(18), nullable=True),
        sa.Column("holder_hmac", sa.String(64), nullable=False),
        sa.Column("holder_masked", sa.String(40), nullable=False),
        sa.Column("result", sa.String(64), nullable=False),
        sa.Column("result_class", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(10), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_access_records")),
        sa.UniqueConstraint("record_id", name=op.f("uq_access_records_record_id")),
    )
    op.create_index(op.f("ix_access_records_recorded_at"), "access_records", ["recorded_at"])
    op.create_index(op.f("ix_access_records_holder_hmac"), "access_records", ["holder_hmac"])
    head = op.create_table(
        "access_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_chain_head")),
    )
    op.bulk_insert(
        head,
        [{"id": 1, "seq": 0, "hash": GENESIS_HASH, "updated_at": EPOCH}],
    )
    op.create_table(
        "access_usages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("caller_department", sa.String(200), nullable=False),
        sa.Column("item_seq_no", sa.Integer(), nullable=True),
        sa.Column("licence_id", sa.String(200), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_usages")),
    )
    op.create_index(op.f("ix_access_usages_record_seq"), "access_usages", ["record_seq"])
    op.create_index("ix_access_usages_day_type", "access_usages", ["day", "type_code"])


def downgrade() -> None:
    for table in (
        "access_usages",
        "access_chain_head",
        "access_records",
        "consents",
        "status_lists",
        "signed_licences",
        "holder_licences",
        "issuer_routes",
        "rm_fields",
        "rm_items",
        "rm_licence_types",
        "rm_departments",
    ):
        op.drop_table(table)
