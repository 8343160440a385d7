"""Who may do what: the ``licences:*`` scopes, and acting for one department.

A caller acts for the department named by its token's ``dept`` claim (a catalog department
code) and only on licences that department issued — or, for a joint seal, is asked to seal.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from wuzheng.auth import Caller, require_scopes
from wuzheng.issuance.errors import NoDepartment

IssueCaller = Annotated[Caller, Depends(require_scopes("licences:issue"))]
"""Issues, amends and seals licences as its department."""
ManageCaller = Annotated[Caller, Depends(require_scopes("licences:manage"))]
"""Suspends, reinstates, revokes, cancels its department's licences; rotates its seal keys."""
ReadCaller = Annotated[Caller, Depends(require_scopes("licences:read"))]
VerifyCaller = Annotated[Caller, Depends(require_scopes("licences:verify"))]

READ_SCOPE = "licences:read"
OWNER_SCOPES = ("licences:issue", "licences:manage")

Responses = dict[int | str, dict[str, Any]]

AUTH_RESPONSES: Responses = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "Missing scope, or the licence belongs to another department"},
}


def department_of(caller: Caller) -> str:
    """The department the caller acts for; 403 when its token names none."""
    if not caller.department_code:
        raise NoDepartment("the bearer token names no department (claim dept)")
    return caller.department_code


def actor_of(caller: Caller) -> tuple[str, str | None]:
    return department_of(caller), caller.operator_id
