from __future__ import annotations

import logging
from typing import Any

import pytest
from httpx import AsyncClient, Response

PROBLEMS = "https://wuzheng.dev/problems/"


def assert_problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] == (kind if kind == "about:blank" else PROBLEMS + kind)
    assert problem["title"]
    return dict(problem)


async def test_a_problem_error_is_rendered_with_its_extensions(client: AsyncClient) -> None:
    problem = assert_problem(await client.get("/conflict"), 409, "conflict")
    assert problem["detail"] == "item 7 already exists"
    assert problem["item_id"] == 7
    assert problem["instance"] == "/conflict"


async def test_an_unknown_route_is_a_404_problem(client: AsyncClient) -> None:
    problem = assert_problem(await client.get("/nowhere"), 404, "not-found")
    assert problem["detail"] == "no resource at /nowhere"


async def test_a_wrong_method_is_a_405_problem(client: AsyncClient) -> None:
    response = await client.delete("/items/1")
    problem = assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"
    assert "DELETE" in problem["detail"]


async def test_a_bad_path_parameter_is_a_422_naming_it(client: AsyncClient) -> None:
    problem = assert_problem(await client.get("/items/seven"), 422, "invalid-input")
    assert [error["field"] for error in problem["errors"]] == ["path.item_id"]


async def test_unknown_and_invalid_fields_are_a_422_naming_each(client: AsyncClient) -> None:
    response = await client.post("/items", json={"name": "x", "quantity": "many", "colour": "red"})
    problem = assert_problem(response, 422, "invalid-input")
    errors = {error["field"]: error for error in problem["errors"]}
    assert set(errors) == {"body.quantity", "body.colour"}
    assert errors["body.colour"]["type"] == "extra_forbidden"
    assert errors["body.quantity"]["message"]
    assert "many" not in response.text  # the rejected input is not echoed
    assert problem["detail"] == "invalid input: body.quantity, body.colour"


async def test_request_models_strip_strings(client: AsyncClient) -> None:
    response = await client.post("/items", json={"name": "  印章  "})
    assert response.status_code == 201
    assert response.json() == {"name": "印章", "quantity": 1}


async def test_malformed_json_is_a_400_problem_saying_so(client: AsyncClient) -> None:
    response = await client.post(
        "/items", content=b'{"name": "x",', headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 400, "malformed-body")
    assert "not valid JSON" in problem["detail"]


async def test_an_unhandled_error_is_a_500_that_leaks_nothing(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="wuzheng.web"):
        response = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    problem = assert_problem(response, 500, "internal-error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert problem["request_id"] == "req-500"
    assert response.headers["x-request-id"] == "req-500"
    [record] = [r for r in caplog.records if r.name == "wuzheng.web"]
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])  # the operator gets the traceback
