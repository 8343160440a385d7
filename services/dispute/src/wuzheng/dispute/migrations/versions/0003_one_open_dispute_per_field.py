"""One open dispute per licence field, kept by the database: a partial unique index.

Filing checked for an open dispute before inserting, which two filings at once both pass.
A database holding such doubles cannot take the index: the upgrade stops and names them,
for an operator to withdraw or merge, rather than picking one to drop.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OPEN = "kind = 'licence' AND state IN ('accepted', 'processing', 'submitted')"


def upgrade() -> None:
    doubles = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT target_ref, field, count(*) AS n FROM disputes WHERE {_OPEN} "  # noqa: S608 - constant text
                "GROUP BY target_ref, field HAVING count(*) > 1 ORDER BY target_ref, field"
            )
        )
        .all()
    )
    if doubles:
        listed = "; ".join(f"{row.target_ref} {row.field} ({row.n} open)" for row in doubles[:20])
        raise RuntimeError(
            f"{len(doubles)} licence fields have more than one open dispute: {listed}. "
            "Withdraw or reject all but one of each, then migrate again."
        )
    op.create_index(
        "uq_disputes_open_licence_field",
        "disputes",
        ["target_ref", "field"],
        unique=True,
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_disputes_open_licence_field", table_name="disputes")
