"""The sweep runs against the same running mesh as tests/e2e (one per session)."""

from collections.abc import Iterator

import pytest

from wuzheng.cli._journey_mesh import TestMesh, shared_mesh


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestMesh]:
    with shared_mesh(tmp_path_factory.getbasetemp() / "mesh") as running:
        yield running
