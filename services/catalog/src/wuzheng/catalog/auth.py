"""Who may change the catalogue: callers holding the ``catalog:write`` scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from wuzheng.auth import Caller, require_scopes

CatalogWriter = Annotated[Caller, Depends(require_scopes("catalog:write"))]
"""An operator allowed to change the catalogue (401 without a token, 403 without the scope)."""

Responses = dict[int | str, dict[str, Any]]
"""The ``responses=`` documentation of an endpoint."""

WRITE_RESPONSES: Responses = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "The token lacks the catalog:write scope"},
}
