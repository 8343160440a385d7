"""The catalog's expected failures, each an RFC 9457 problem with a stable ``type``.

Unknown things named in the URL are 404 (:class:`NotFound`); unknown or inconsistent things
named in a request body or query are 422 (:class:`InvalidInput`) with an ``errors`` list of
``{"field", "message", "type"}`` — the same shape the web kit gives pydantic's validation
errors, so a client reads one format; state that forbids the change is 409.
"""

from __future__ import annotations

from wuzheng.contracts.problems import Conflict, FieldError, InvalidInput, NotFound
from wuzheng.contracts.problems import invalid_fields as invalid

__all__ = [
    "FieldError",
    "InvalidInput",
    "IssuerCodeTaken",
    "NotFound",
    "PublishedBatchImmutable",
    "invalid",
]


class PublishedBatchImmutable(Conflict):
    """A published 免证办 batch cannot be changed, replaced, deleted or published again."""

    slug = "published-batch-immutable"
    title = "Published batches are immutable"


class IssuerCodeTaken(Conflict):
    """Another department already issues under this unified social credit code."""

    slug = "issuer-code-taken"
    title = "Issuer code already in use"
