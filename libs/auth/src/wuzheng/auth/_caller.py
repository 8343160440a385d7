from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from wuzheng.auth._errors import InsufficientScope


class Caller(BaseModel):
    """Who is calling, as established by a validated bearer token.

    ``department_code`` is the calling department (claim ``dept``), ``operator_id`` the person
    at its counter (claim ``op``); both are what the access record names as "who".
    """

    model_config = ConfigDict(frozen=True)

    subject: str
    department_code: str | None = None
    operator_id: str | None = None
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None
    expires_at: datetime

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def missing(self, *scopes: str) -> list[str]:
        """The scopes among ``scopes`` this caller lacks, sorted."""
        return sorted(set(scopes) - self.scopes)

    def require(self, *scopes: str) -> None:
        """Raise :class:`InsufficientScope` (403) unless the caller has every scope."""
        if missing := self.missing(*scopes):
            raise InsufficientScope(missing)
