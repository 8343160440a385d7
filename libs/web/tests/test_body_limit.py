from __future__ import annotations

from collections.abc import AsyncIterator

from httpx import AsyncClient


async def test_a_declared_oversized_body_is_refused_at_once(client: AsyncClient) -> None:
    response = await client.post("/upload", content=b"x" * 1025)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://wuzheng.dev/problems/payload-too-large"
    assert "1024" in problem["detail"]


async def test_a_streamed_oversized_body_is_refused(client: AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 200

    for path in ("/upload", "/items"):
        response = await client.post(
            path, content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, path
        assert response.json()["type"].endswith("/payload-too-large")


async def test_a_body_at_the_limit_passes(client: AsyncClient) -> None:
    response = await client.post("/upload", content=b"z" * 1024)
    assert response.json() == {"size": 1024}
