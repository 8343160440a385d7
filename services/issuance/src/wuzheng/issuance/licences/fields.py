"""Licence fields checked against the type's schema from the catalog read model.

The caller gives the fields printed on the licence (holder name, jurisdiction, the type's
own fields); the GB/T 36903 metadata the issuer knows better — name, number, type code,
issuer, dates, holder code — are filled in by :func:`system_fields` and may not be given.

Values by field type: ``string`` a non-empty string; ``code`` a non-empty string without
whitespace; ``date`` an ISO date ``YYYY-MM-DD``; ``integer`` a JSON integer; ``boolean``
``true``/``false``; ``number`` a JSON number or a decimal string, stored as the decimal
string (floats have no canonical form to sign, see :mod:`wuzheng.issuance.seals`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from wuzheng.contracts import HolderCode
from wuzheng.contracts.events.catalog import LicenceFieldSpec
from wuzheng.issuance.errors import FieldError
from wuzheng.issuance.readmodel.service import DepartmentView, LicenceTypeView

SYSTEM_FIELDS: Final = frozenset(
    {
        "licence_name",
        "licence_number",
        "licence_type_code",
        "issuer_name",
        "issuer_code",
        "issue_date",
        "holder_code",
        "holder_code_type",
        "valid_from",
        "valid_until",
    }
)
MAX_STRING: Final = 2000
MAX_CODE: Final = 64
MAX_SAFE_INTEGER: Final = 2**53 - 1
_CODE = re.compile(r"^\S+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FieldValue = str | int | bool


class _Bad(ValueError):
    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _coerce(spec: LicenceFieldSpec, value: Any) -> FieldValue:  # noqa: PLR0912
    kind = spec.type
    if kind in ("string", "code"):
        if not isinstance(value, str):
            raise _Bad(f"must be a string ({kind})", "string_type")
        text = value.strip()
        if not text:
            raise _Bad("must not be empty", "string_too_short")
        if kind == "code":
            if len(text) > MAX_CODE or not _CODE.match(text):
                raise _Bad(f"must be a code: 1–{MAX_CODE} characters, no spaces", "code_format")
        elif len(text) > MAX_STRING:
            raise _Bad(f"must be at most {MAX_STRING} characters", "string_too_long")
        return text
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise _Bad("must be a date YYYY-MM-DD", "date_type")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise _Bad("is not a real date", "date_from_datetime_parsing") from None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad("must be an integer", "int_type")
        if abs(value) > MAX_SAFE_INTEGER:
            raise _Bad("is out of range (±2**53 - 1)", "int_range")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _Bad("must be true or false", "bool_type")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _Bad("must be a number or a decimal string", "decimal_type")
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise _Bad("must be a number or a decimal string", "decimal_parsing") from None
        if not number.is_finite():
            raise _Bad("must be a finite number", "finite_number")
        return format(number, "f")
    raise _Bad(f"has a field type ({kind}) this service cannot check", "unsupported_type")


def check_fields(
    licence_type: LicenceTypeView, given: Mapping[str, Any], location: str
) -> tuple[dict[str, FieldValue], list[FieldError]]:
    """The given fields validated against the schema (``None`` means absent), and every
    problem found, each naming ``<location>.<key>``."""
    values: dict[str, FieldValue] = {}
    errors: list[FieldError] = []
    for key, value in given.items():
        where = f"{location}.{key}"
        spec = licence_type.field(key)
        if spec is None:
            errors.append(
                FieldError(
                    where,
                    f"{key!r} is not a field of licence type {licence_type.code} "
                    f"({licence_type.name})",
                    "unknown_field",
                )
            )
        elif key in SYSTEM_FIELDS:
            errors.append(
                FieldError(
                    where, f"{key!r} ({spec.label}) is filled in by the issuer", "issuer_assigned"
                )
            )
        elif value is not None:
            try:
                values[key] = _coerce(spec, value)
            except _Bad as bad:
                errors.append(FieldError(where, f"{spec.label}: {bad}", bad.kind))
    for spec in licence_type.fields:
        if spec.required and spec.key not in SYSTEM_FIELDS and spec.key not in values:
            if spec.key in given and given[spec.key] is not None:
                continue  # already reported as malformed
            errors.append(
                FieldError(
                    f"{location}.{spec.key}", f"{spec.label} ({spec.key}) is required", "missing"
                )
            )
    return values, errors


def user_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The caller-given part of a licence's fields."""
    return {k: v for k, v in fields.items() if k not in SYSTEM_FIELDS}


def system_fields(
    licence_type: LicenceTypeView,
    *,
    licence_no: str,
    issuer: DepartmentView,
    issuer_code: str,
    issued_on: date,
    holder: HolderCode,
    valid_from: date,
    valid_until: date | None,
) -> dict[str, FieldValue]:
    """The metadata fields the issuer fills in, those of them the type's schema has."""
    values: dict[str, FieldValue | None] = {
        "licence_name": licence_type.name,
        "licence_number": licence_no,
        "licence_type_code": str(licence_type.code),
        "issuer_name": issuer.name,
        "issuer_code": issuer_code,
        "issue_date": issued_on.isoformat(),
        "holder_code": str(holder.code),
        "holder_code_type": holder.code_type.value,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
    }
    return {
        key: value
        for key, value in values.items()
        if value is not None and licence_type.field(key) is not None
    }


def holder_errors(
    licence_type: LicenceTypeView, holder: HolderCode, location: str
) -> list[FieldError]:
    """A person's licence is held under a 公民身份号码 (111), an organisation's under a
    统一社会信用代码 (001)."""
    wanted = "111" if licence_type.holder_kind == "person" else "001"
    if holder.code_type.value == wanted:
        return []
    what = (
        "a person (111:<公民身份号码>)"
        if wanted == "111"
        else "an organisation (001:<统一社会信用代码>)"
    )
    return [
        FieldError(
            location,
            f"licence type {licence_type.code} ({licence_type.name}) is held by {what}",
            "holder_kind",
        )
    ]


def date_errors(
    valid_from: date, valid_until: date | None, today: date, location: str
) -> list[FieldError]:
    if valid_until is None:
        return []
    if valid_until < valid_from:
        return [FieldError(f"{location}.valid_until", "is before valid_from", "date_order")]
    if valid_until < today:
        return [
            FieldError(
                f"{location}.valid_until",
                f"is already past ({today.isoformat()}): the licence would be born expired",
                "date_past",
            )
        ]
    return []
