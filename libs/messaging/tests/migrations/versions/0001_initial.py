"""initial: what a service's first migration looks like"""

import sqlalchemy as sa
from alembic import op

from wuzheng.messaging import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    # the handler's effect in the tests: one row per application of an event
    op.create_table(
        "effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effect")),
    )


def downgrade() -> None:
    op.drop_table("effect")
    drop_messaging_tables(op)
