from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

# Every scope a wuzheng service checks, with what it lets a caller do. A token may carry
# other scopes (an IdP adds its own, e.g. ``openid``); they are kept but grant nothing here.
SCOPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "catalog:write": "Maintain the catalogue: departments, licence types, service items, "
        "materials, 免证办 lists and the field library",
        "licences:issue": "Issue and amend electronic licences as the caller's department",
        "licences:manage": "Suspend, revoke and reinstate licences the caller's department issued",
        "licences:read": "Read licences and their status history",
        "licences:verify": "Answer verification requests as the issuer (谁制发、谁核验)",
        "verify:request": "Ask for a licence to be verified (a department system at the counter)",
        "evidence:request": "Request the evidence a service item needs for an applicant",
        "audit:read": "Read the access and verification log",
        "stats:read": "Read usage statistics",
        "routes:manage": "Register and change issuers' verification endpoints",
        "codes:issue": "Issue a resident or enterprise code for a holder (爱山东 backend)",
        "codes:resolve": "Resolve a scanned resident or enterprise code (service counter)",
        "consents:manage": "Grant and withdraw a holder's consents (授权)",
        "wallet:read": "Read a holder's licence wallet and who used their data",
        "disputes:file": "File an objection or complaint (异议投诉) about data",
        "disputes:handle": "Assign, process, resolve and reject objections",
        "reports:read": "Read dispute processing reports",
        "ops:admin": "Operate the mesh: dead letters, replays, maintenance endpoints",
    }
)


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes in ``scopes`` that no service knows, sorted."""
    if isinstance(scopes, str):
        raise TypeError("pass a collection of scopes, not one string")
    return sorted(set(scopes) - SCOPES.keys())
