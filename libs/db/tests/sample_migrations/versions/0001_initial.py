"""initial"""

import sqlalchemy as sa
from alembic import op

import wuzheng.db

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", wuzheng.db.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_department")),
        sa.UniqueConstraint("name", name=op.f("uq_department_name")),
    )
    op.create_table(
        "licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["department.code"],
            name=op.f("fk_licence_department_code_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence")),
    )


def downgrade() -> None:
    op.drop_table("licence")
    op.drop_table("department")
