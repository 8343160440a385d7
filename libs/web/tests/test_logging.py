from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import pytest
from httpx import AsyncClient

from wuzheng.web import JsonFormatter, mask_personal_data

Logs = Callable[[], list[dict[str, Any]]]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("id 370724199001011234 ok", "id 3707**********1234 ok"),
        ("身份证号37072419900101123X，请核验", "身份证号3707**********123X，请核验"),
        ('{"id":"37072419900101123x"}', '{"id":"3707**********123x"}'),
        (
            "two: 370724199001011234/110101199003074477",
            "two: 3707**********1234/1101**********4477",
        ),
        ("card 6222021234567890123 is 19 digits", "card 6222021234567890123 is 19 digits"),
        ("A370724199001011234 is part of a word", "A370724199001011234 is part of a word"),
        ("trace 4bf92f3577b34da6a3ce929d0e0e4736", "trace 4bf92f3577b34da6a3ce929d0e0e4736"),
    ],
)
def test_mask_personal_data(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_the_formatter_writes_one_json_line_with_extras_and_masks_ids() -> None:
    import json

    try:
        raise ValueError("bad id 370724199001011234")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "wuzheng.demo", logging.WARNING, __file__, 1, "holder %s", ("110101199003074477",), exc_info
    )
    record.item_code = "1137xxxx"
    line = JsonFormatter("catalog").format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "holder 1101**********4477"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "wuzheng.demo"
    assert entry["service"] == "catalog"
    assert entry["item_code"] == "1137xxxx"
    assert entry["timestamp"].endswith("+00:00")
    assert "ValueError: bad id 3707**********1234" in entry["exc"]
    assert "request_id" not in entry  # outside a request


async def test_each_request_writes_an_access_line(
    client: AsyncClient, json_logs: Logs, token: Callable[..., str]
) -> None:
    await client.get(
        "/me",
        headers={
            "Authorization": f"Bearer {token()}",
            "X-Request-ID": "req-1",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
    )
    [access] = [entry for entry in json_logs() if entry["logger"] == "wuzheng.access"]
    assert access["message"] == "GET /me 200"
    assert access["level"] == "INFO"
    assert access["method"] == "GET"
    assert access["route"] == "/me"
    assert access["status"] == 200
    assert access["duration_ms"] >= 0
    assert access["department"] == "11370784004392988A"
    assert access["request_id"] == "req-1"
    assert access["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert access["service"] == "test-service"


async def test_the_access_line_names_the_route_not_the_raw_path(
    client: AsyncClient, json_logs: Logs
) -> None:
    await client.get("/items/370724199001011234")
    [access] = [entry for entry in json_logs() if entry["logger"] == "wuzheng.access"]
    assert access["route"] == "/items/{item_id}"
    assert "370724199001011234" not in str(json_logs())


async def test_probes_are_logged_at_debug(client: AsyncClient, json_logs: Logs) -> None:
    await client.get("/healthz")
    [access] = [entry for entry in json_logs() if entry["logger"] == "wuzheng.access"]
    assert access["level"] == "DEBUG"


async def test_an_unhandled_error_is_logged_masked_with_its_traceback(
    client: AsyncClient, json_logs: Logs
) -> None:
    await client.get("/boom", headers={"X-Request-ID": "req-boom"})
    [error] = [entry for entry in json_logs() if entry["level"] == "ERROR"]
    assert error["request_id"] == "req-boom"
    assert "Traceback" in error["exc"]
    assert "3707**********1234" in error["exc"]
    assert "370724199001011234" not in str(json_logs())
