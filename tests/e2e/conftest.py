"""The mesh the end-to-end tests run against: the five services as real processes."""

from collections.abc import Iterator

import pytest

from wuzheng.cli._journey_mesh import TestMesh, shared_mesh


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestMesh]:
    """Started once for the session (shared with tests/sweep): SQLite files in a tmp var
    dir, or scratch PostgreSQL databases under WUZHENG_TEST_POSTGRES; a private nats-server,
    or NATS_URL's server in a namespace of its own."""
    with shared_mesh(tmp_path_factory.getbasetemp() / "mesh") as running:
        print(f"\nmesh up in {running.started_in:.1f}s at {running.urls}")
        yield running
