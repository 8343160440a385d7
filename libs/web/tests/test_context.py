from __future__ import annotations

import re
from typing import Any

import pytest
from httpx import AsyncClient

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def test_a_valid_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/items/1", headers={"X-Request-ID": "counter-7:2024/01"})
    assert response.headers["x-request-id"] == "counter-7:2024/01"
    assert response.json()["request_id"] == "counter-7:2024/01"


@pytest.mark.parametrize("sent", [None, "", "a" * 129, "has space", "<script>", "行".encode()])
async def test_a_missing_or_unsafe_request_id_is_replaced(
    client: AsyncClient, sent: str | bytes | None
) -> None:
    headers: dict[str, Any] = {"X-Request-ID": sent} if sent is not None else {}
    response = await client.get("/items/1", headers=headers)
    generated = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert response.json()["request_id"] == generated


async def test_the_incoming_trace_is_continued(client: AsyncClient) -> None:
    response = await client.get("/items/1", headers={"traceparent": PARENT})
    assert response.json()["trace_id"] == TRACE_ID
    version, trace_id, span_id, flags = response.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert span_id != "00f067aa0ba902b7"  # our own span, child of the caller's


@pytest.mark.parametrize("sent", [None, "garbage", "01-xyz"])
async def test_a_new_trace_starts_without_a_valid_traceparent(
    client: AsyncClient, sent: str | None
) -> None:
    headers = {"traceparent": sent} if sent is not None else {}
    response = await client.get("/items/1", headers=headers)
    traceparent = response.headers["traceparent"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", traceparent)
    assert response.json()["trace_id"] == traceparent.split("-")[1]


async def test_error_responses_carry_the_ids_too(client: AsyncClient) -> None:
    response = await client.get("/nowhere", headers={"traceparent": PARENT})
    assert response.status_code == 404
    assert response.headers["x-request-id"]
    assert TRACE_ID in response.headers["traceparent"]
