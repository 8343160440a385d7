"""RFC 9457 problem details."""

from __future__ import annotations

from wuzheng.contracts.problems import (
    PROBLEM_TYPE_BASE,
    InvalidInput,
    NotFound,
    Problem,
    ProblemError,
)


def test_problem_of_an_error() -> None:
    error = InvalidInput("licence id: check character is wrong", segment="check")
    problem = error.to_problem(instance="/licences/x")
    assert problem.type == PROBLEM_TYPE_BASE + "invalid-input"
    assert problem.status == 422
    assert problem.title == "Invalid input"
    assert problem.detail == "licence id: check character is wrong"
    assert problem.instance == "/licences/x"
    assert problem.model_dump()["segment"] == "check"


def test_detail_defaults_to_title() -> None:
    error = NotFound()
    assert str(error) == "Not found"
    assert error.to_problem().detail is None
    assert isinstance(error, ProblemError)


def test_problem_allows_extension_members() -> None:
    problem = Problem.model_validate(
        {"type": "about:blank", "title": "t", "status": 400, "errors": [1]}
    )
    assert problem.model_dump(exclude_none=True)["errors"] == [1]
