"""RFC 9457 problem details: the one error shape every service answers with.

Domain code raises a :class:`ProblemError` subclass; the web kit renders it as
``application/problem+json``. Each subclass has a stable ``type`` URI so clients can branch
on it without parsing prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://wuzheng.dev/problems/"


class Problem(BaseModel):
    """The body of an error response (RFC 9457). Extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class ProblemError(Exception):
    """Base of every expected failure. Subclasses fix ``status``, ``slug`` and ``title``."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_TYPE_BASE + cls.slug

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=self.type_uri(),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            **self.extensions,
        )


class NotFound(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidInput(ProblemError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one input field (``body.materials.0.licence_type``)."""

    field: str
    message: str
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "type": self.type}


def invalid_fields(errors: Sequence[FieldError]) -> InvalidInput:
    """A 422 problem naming every bad field, in ``detail`` and in ``errors``."""
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors)
    return InvalidInput(detail, errors=[error.as_dict() for error in errors])


class Unauthenticated(ProblemError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(ProblemError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"
