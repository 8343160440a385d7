"""Answering with a model serialised once.

FastAPI validates an endpoint's returned model against its response model before
serialising it; for a model built here from checked parts that is the same work twice, on
the hottest path of the service. Endpoints declare ``response_model`` (for the OpenAPI
document) and return :func:`model_response`.
"""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


class ModelResponse(Response):
    media_type = "application/json"


def model_response(model: BaseModel, status_code: int = 200) -> ModelResponse:
    return ModelResponse(model.model_dump_json(by_alias=True), status_code=status_code)
