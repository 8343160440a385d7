"""Who may do what: the scopes the dispute service checks.

- ``disputes:file`` — the 爱山东 backend (for a holder it authenticated), a service counter
  or an operator files, follows and withdraws disputes. Seeing a holder's disputes needs the
  holder's context: the holder code in the request.
- ``disputes:handle`` — staff of the responsible department accept, process, resolve and
  reject, and list their department's disputes.
- ``reports:read`` — supervisors read the department reports and the processing report.
- ``ops:admin`` — operators change a department's SLA.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Depends

from wuzheng.auth import Caller, require_scopes

FILE: Final = "disputes:file"
HANDLE: Final = "disputes:handle"
REPORTS: Final = "reports:read"
ADMIN: Final = "ops:admin"

Filer = Annotated[Caller, Depends(require_scopes(FILE))]
Handler = Annotated[Caller, Depends(require_scopes(HANDLE))]
ReportReader = Annotated[Caller, Depends(require_scopes(REPORTS))]
Admin = Annotated[Caller, Depends(require_scopes(ADMIN))]

Responses = dict[int | str, dict[str, Any]]

AUTH_RESPONSES: Responses = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "The token lacks the scope, or the caller is not allowed here"},
}


def actor(caller: Caller) -> str:
    """``department/operator`` as history and events name who acted."""
    return f"{caller.department_code or '-'}/{caller.operator_id or caller.subject}"
