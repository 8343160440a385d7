import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wuzheng.messaging import messaging_metadata


def _diff(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        change
        for change in compare_metadata(context, messaging_metadata)
        # the test migration's own table is not part of the lib's metadata
        if not (isinstance(change, tuple) and change[0] == "remove_table")
    ]


async def test_one_call_in_a_migration_creates_the_tables_the_metadata_describes(
    database,
) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        names = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert {"outbox", "inbox", "dead_letter"} <= names


async def test_outbox_add_stages_a_row_and_flags_the_session(harness) -> None:
    envelope = harness.envelope(1)
    async with harness.database.transaction() as session:
        await harness.outbox.add(session, envelope)
        assert session.info["wuzheng.messaging.outbox_written"] is True
    [row] = await harness.outbox_rows()
    assert row.id == envelope.id
    assert row.subject == f"{harness.topology.namespace}.mtest.thing.happened"
    assert row.payload == envelope.to_bytes()
    assert row.headers == envelope.nats_headers()
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("pending", 0, None, None)
    assert row.created_at.tzinfo is not None
