"""The catalog's tables: departments, licence types, items and materials, 免证办 batches, the
field library.

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

MODES = "'direct_cancel', 'commitment', 'data_sharing', 'department_check', 'e_licence', 'paper'"


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("issuer_code", sa.String(18), nullable=False),
        sa.Column("issuer_code_placeholder", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('government', 'public_service')", name=op.f("ck_departments_kind")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departments")),
        sa.UniqueConstraint("issuer_code", name=op.f("uq_departments_issuer_code")),
    )
    op.create_table(
        "licence_types",
        sa.Column("code", sa.String(21), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("data_levels", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "holder_kind IN ('person', 'organisation')", name=op.f("ck_licence_types_holder_kind")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_licence_types")),
        sa.UniqueConstraint("seq_no", name=op.f("uq_licence_types_seq_no")),
    )
    op.create_table(
        "licence_type_issuers",
        sa.Column("licence_type_code", sa.String(21), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_licence_type_issuers_department_code_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["licence_type_code"],
            ["licence_types.code"],
            name=op.f("fk_licence_type_issuers_licence_type_code_licence_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "licence_type_code", "position", name=op.f("pk_licence_type_issuers")
        ),
    )
    op.create_index(
        op.f("ix_licence_type_issuers_department_code"),
        "licence_type_issuers",
        ["department_code"],
    )
    op.create_table(
        "standard_fields",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "type IN ('string', 'date', 'integer', 'number', 'boolean', 'code')",
            name=op.f("ck_standard_fields_type"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_standard_fields")),
    )
    op.create_table(
        "field_sources",
        sa.Column("field_key", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("licence_type_code", sa.String(21), nullable=False),
        sa.Column("licence_field", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_key"],
            ["standard_fields.key"],
            name=op.f("fk_field_sources_field_key_standard_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["licence_type_code"],
            ["licence_types.code"],
            name=op.f("fk_field_sources_licence_type_code_licence_types"),
        ),
        sa.PrimaryKeyConstraint("field_key", "position", name=op.f("pk_field_sources")),
    )
    op.create_index(
        op.f("ix_field_sources_licence_type_code"), "field_sources", ["licence_type_code"]
    )
    op.create_table(
        "items",
        sa.Column("seq_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("department_text", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("at_city_level", sa.Boolean(), nullable=False),
        sa.Column("at_county_level", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["departments.code"],
            name=op.f("fk_items_department_code_departments"),
        ),
        sa.PrimaryKeyConstraint("seq_no", name=op.f("pk_items")),
    )
    op.create_index(op.f("ix_items_department_code"), "items", ["department_code"])
    op.create_table(
        "item_materials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_seq_no", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("licence_type_code", sa.String(21), nullable=True),
        sa.Column("commitment_text", sa.Text(), nullable=True),
        sa.Column("provider_department_code", sa.String(64), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("form_fields", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "(mode = 'commitment') = (commitment_text IS NOT NULL)",
            name=op.f("ck_item_materials_commitment_text"),
        ),
        sa.CheckConstraint(
            "(mode = 'e_licence') = (licence_type_code IS NOT NULL)",
            name=op.f("ck_item_materials_licence_type"),
        ),
        sa.CheckConstraint(f"mode IN ({MODES})", name=op.f("ck_item_materials_mode")),
        sa.CheckConstraint(
            "origin IN ('plan', 'demo', 'operator')", name=op.f("ck_item_materials_origin")
        ),
        sa.ForeignKeyConstraint(
            ["item_seq_no"],
            ["items.seq_no"],
            name=op.f("fk_item_materials_item_seq_no_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["licence_type_code"],
            ["licence_types.code"],
            name=op.f("fk_item_materials_licence_type_code_licence_types"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_department_code"],
            ["departments.code"],
            name=op.f("fk_item_materials_provider_department_code_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_materials")),
        sa.UniqueConstraint(
            "item_seq_no", "position", name=op.f("uq_item_materials_item_seq_no_position")
        ),
    )
    op.create_index(
        op.f("ix_item_materials_licence_type_code"), "item_materials", ["licence_type_code"]
    )
    op.create_index(op.f("ix_item_materials_mode"), "item_materials", ["mode"])
    op.create_table(
        "exemption_lists",
        sa.Column("batch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("batch >= 1", name=op.f("ck_exemption_lists_batch_positive")),
        sa.PrimaryKeyConstraint("batch", name=op.f("pk_exemption_lists")),
    )
    op.create_table(
        "exemption_list_items",
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("item_seq_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch"],
            ["exemption_lists.batch"],
            name=op.f("fk_exemption_list_items_batch_exemption_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_seq_no"],
            ["items.seq_no"],
            name=op.f("fk_exemption_list_items_item_seq_no_items"),
        ),
        sa.PrimaryKeyConstraint("batch", "item_seq_no", name=op.f("pk_exemption_list_items")),
    )
    op.create_index(
        op.f("ix_exemption_list_items_item_seq_no"), "exemption_list_items", ["item_seq_no"]
    )


def downgrade() -> None:
    for table in (
        "exemption_list_items",
        "exemption_lists",
        "item_materials",
        "items",
        "field_sources",
        "standard_fields",
        "licence_type_issuers",
        "licence_types",
        "departments",
    ):
        op.drop_table(table)
