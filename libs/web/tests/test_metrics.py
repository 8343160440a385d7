from __future__ import annotations

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import REGISTRY, Gauge

from wuzheng.settings import ServiceSettings
from wuzheng.web import create_app


def requests_count(route: str, status: str, method: str = "GET") -> float:
    labels = {"method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("wuzheng_http_requests_total", labels) or 0.0


async def test_requests_are_counted_by_route_template(client: AsyncClient) -> None:
    before = requests_count("/items/{item_id}", "200")
    await client.get("/items/1")
    await client.get("/items/2")
    assert requests_count("/items/{item_id}", "200") == before + 2
    text = (await client.get("/metrics")).text
    assert 'wuzheng_http_requests_total{method="GET",route="/items/{item_id}",status="200"}' in text
    assert (
        'wuzheng_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/{item_id}"'
        in text
    )
    assert "/items/1" not in text


async def test_unmatched_paths_and_odd_methods_share_labels(client: AsyncClient) -> None:
    before = requests_count("<unmatched>", "404")
    await client.get("/a/b/c")
    await client.get("/d")
    assert requests_count("<unmatched>", "404") == before + 2
    before = requests_count("/items/{item_id}", "405", "OTHER")
    await client.request("BREW", "/items/1")
    assert requests_count("/items/{item_id}", "405", "OTHER") == before + 1


async def test_errors_and_refusals_are_counted(client: AsyncClient) -> None:
    before_500 = requests_count("/boom", "500")
    before_413 = requests_count("<unmatched>", "413", "POST")
    await client.get("/boom")
    await client.post("/upload", content=b"x" * 5000)
    assert requests_count("/boom", "500") == before_500 + 1
    # refused before routing, so no route template is known
    assert requests_count("<unmatched>", "413", "POST") == before_413 + 1


BACKLOG = Gauge("wuzheng_test_outbox_backlog", "A service's own metric, for the test.")


async def test_service_metrics_and_scrape_hooks(settings: ServiceSettings) -> None:
    async def refresh_backlog() -> None:
        BACKLOG.set(42)

    app: FastAPI = create_app(settings, title="t", version="1", metrics_hooks=[refresh_backlog])
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://t") as client,
    ):
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert "wuzheng_test_outbox_backlog 42.0" in response.text
