from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are a 422 naming them (a typo must not be
    silently ignored) and surrounding whitespace is stripped from strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
