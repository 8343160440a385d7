"""Route credentials: a registered HTTPS route may name the secret it presents (bearer token
or client certificate) by file name under the route secrets directory — never the secret.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = ("credential_kind", "credential_ref", "credential_key_ref")


def upgrade() -> None:
    with op.batch_alter_table("issuer_routes") as batch:
        batch.add_column(sa.Column("credential_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("credential_ref", sa.String(128), nullable=True))
        batch.add_column(sa.Column("credential_key_ref", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issuer_routes") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
