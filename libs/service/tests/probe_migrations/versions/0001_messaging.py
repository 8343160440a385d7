"""The outbox, inbox and dead-letter tables every service has.

Revision ID: 0001
Revises:
"""

from alembic import op

from wuzheng.messaging import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
