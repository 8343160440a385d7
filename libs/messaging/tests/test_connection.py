import pytest

from wuzheng.messaging import NatsConnection, NotConnected, mesh_topology
from wuzheng.messaging.server import NatsServerProcess, free_port
from wuzheng.messaging.testing import delete_namespace_streams, unique_namespace, wait_until


async def test_start_gives_up_with_a_clear_error_when_nats_is_unreachable() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    connection = NatsConnection(url, start_timeout=0.5)
    with pytest.raises(NotConnected, match="cannot connect"):
        await connection.start()
    with pytest.raises(NotConnected):
        await connection.check()


async def test_check_follows_the_server_and_the_connection_comes_back(
    private_nats_server: NatsServerProcess,
) -> None:
    connection = NatsConnection(
        private_nats_server.url, reconnect_backoff_cap=0.1, check_timeout=0.5
    )
    reconnects: list[bool] = []
    connection.on_reconnect(lambda: reconnects.append(True))
    await connection.start()
    try:
        await connection.check()
        private_nats_server.stop()
        with pytest.raises(NotConnected):
            await connection.check()
        private_nats_server.start()
        await wait_until(lambda: connection.is_connected, timeout=5)
        await connection.check()
        assert reconnects == [True]
    finally:
        await connection.stop()


def test_a_server_process_restarts_on_its_port_and_store(tmp_path) -> None:
    server = NatsServerProcess(store_dir=tmp_path / "store")
    with server:
        port, pid = server.port, server.pid
        assert server.running
        server.stop()
        assert not server.running
        server.start()
        assert server.port == port
        assert server.pid != pid
    assert not server.running
    assert (tmp_path / "store").is_dir()  # a store it was given is never removed


async def test_a_namespace_s_streams_are_deleted_and_only_those(nats_url: str) -> None:
    mine, other = unique_namespace(), unique_namespace()
    connection = NatsConnection(nats_url)
    await connection.start()
    try:
        await mesh_topology(namespace=mine).apply(connection.js)
        await mesh_topology(namespace=other).apply(connection.js)
        deleted = await delete_namespace_streams(nats_url, mine)
        assert sorted(deleted) == sorted(
            f"{mine}_{s}" for s in ("CATALOG", "CERTIFICATE", "VERIFICATION", "RESCODE", "DISPUTE")
        )
        assert await delete_namespace_streams(nats_url, other) != []
    finally:
        await connection.stop()
