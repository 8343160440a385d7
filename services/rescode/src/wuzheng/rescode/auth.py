"""Who may call what: one dependency per scope the rescode API checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from wuzheng.auth import Caller, require_scopes

CodeIssuer = Annotated[Caller, Depends(require_scopes("codes:issue"))]
"""The 爱山东 backend, issuing a code for a holder it authenticated."""

CodeResolver = Annotated[Caller, Depends(require_scopes("codes:resolve"))]
"""A counter system resolving a scanned code."""

ConsentManager = Annotated[Caller, Depends(require_scopes("consents:manage"))]
"""The 爱山东 backend, granting and withdrawing consents and mandates for a holder."""

WalletReader = Annotated[Caller, Depends(require_scopes("wallet:read"))]
"""The 爱山东 backend, reading a holder's wallet and access log."""

Responses = dict[int | str, dict[str, Any]]


def auth_responses(scope: str) -> Responses:
    return {
        401: {"description": "No or invalid bearer token"},
        403: {"description": f"The token lacks the {scope} scope"},
    }
