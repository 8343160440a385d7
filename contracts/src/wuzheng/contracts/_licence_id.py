"""电子证照标识 (GB/T 36904) and the licence type code.

``1.2.156.3005.2.{type code}.{issuer code}.{serial}.{version}.{check}``:

- type code: 21 characters ``[0-9A-Z]`` (in practice the defining body's USCC + 3 digits);
- issuer code: the issuer's 18-character unified social credit code (GB 32100);
- serial: 1–32 characters ``[0-9A-Z]``;
- version: 3 digits;
- check: one character, ISO 7064 MOD 37,36 (alphabet ``0-9A-Z``) over type code + issuer
  code + serial + version joined without dots (the root OID is excluded).

Issue strictly (:meth:`LicenceId.build`, :meth:`LicenceId.parse`); read identifiers from
elsewhere with :meth:`LicenceId.parse_lenient`, which keeps a wrong check character (ours or
the issuer code's) and records a warning. Structural errors always raise
:class:`LicenceIdError` naming the segment.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Self

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from wuzheng.contracts._identifiers import (
    USCC_PATTERN,
    CreditCode,
    IdentifierError,
    _Code,
    str_value_schema,
)

LICENCE_ID_ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UPPER_ALNUM = re.compile(r"[0-9A-Z]+")
_VERSION = re.compile(r"[0-9]{3}")
_USCC_BODY = USCC_PATTERN.removeprefix("^").removesuffix("$")
LICENCE_TYPE_CODE_PATTERN = r"^[0-9A-Z]{21}$"
LICENCE_ID_PATTERN = (
    r"^1\.2\.156\.3005\.2\.[0-9A-Z]{21}\." + _USCC_BODY + r"\.[0-9A-Z]{1,32}\.[0-9]{3}\.[0-9A-Z]$"
)
_MAX_SERIAL = 32
_MAX_VERSION = 999


class LicenceIdError(IdentifierError):
    """A malformed licence identifier; ``segment`` is one of ``root``, ``structure``,
    ``type_code``, ``issuer_code``, ``serial``, ``version``, ``check``."""

    def __init__(self, segment: str, message: str) -> None:
        super().__init__("licence_id", segment, message)


def _bad_char(text: str) -> str:
    for position, char in enumerate(text, start=1):
        if char not in ALPHABET:
            return f"invalid character {char!r} at position {position}"
    return "an invalid character"


def _check_type_code(text: str) -> str:
    if len(text) != 21:
        raise LicenceIdError(
            "type_code", f"type code must be 21 characters [0-9A-Z], got {len(text)}"
        )
    if not _UPPER_ALNUM.fullmatch(text):
        raise LicenceIdError(
            "type_code", f"type code must be 21 characters [0-9A-Z], got {_bad_char(text)}"
        )
    return text


def _check_serial(text: str) -> str:
    if not 1 <= len(text) <= _MAX_SERIAL:
        raise LicenceIdError("serial", f"serial must be 1–32 characters [0-9A-Z], got {len(text)}")
    if not _UPPER_ALNUM.fullmatch(text):
        raise LicenceIdError(
            "serial", f"serial must be 1–32 characters [0-9A-Z], got {_bad_char(text)}"
        )
    return text


def _check_version(version: int) -> int:
    is_int = isinstance(version, int) and not isinstance(version, bool)
    if not is_int or not 0 <= version <= _MAX_VERSION:
        raise LicenceIdError("version", f"version must be 0–999, got {version}")
    return version


def _check_issuer(text: str, warnings: list[str] | None) -> str:
    """The issuer code; a wrong USCC check character raises, or is recorded in ``warnings``
    when given (lenient reading)."""
    if text != text.strip().upper():
        raise LicenceIdError(
            "issuer_code", "issuer code must be an upper-case credit code without spaces"
        )
    try:
        CreditCode(text)
    except IdentifierError as exc:
        if exc.segment == "check" and warnings is not None:
            warnings.append(f"issuer code: {exc.message}")
            return text
        raise LicenceIdError("issuer_code", f"issuer code: {exc.message}") from None
    return text


def _check_char_format(text: str) -> str:
    if len(text) != 1 or text not in ALPHABET:
        raise LicenceIdError(
            "check", f"check character must be one character [0-9A-Z], got {text!r}"
        )
    return text


def compute_check(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The ISO 7064 MOD 37,36 check character of the identifier's segments."""
    return str(mod_37_36.calc_check_digit(f"{type_code}{issuer_code}{serial}{version:03d}"))


class LicenceId(str):
    """A GB/T 36904 licence identifier: the dotted string, with its segments parsed.

    ``LicenceId(text)`` is :meth:`parse` (strict); :meth:`build` computes the check
    character; :meth:`parse_lenient` reads identifiers from other systems. Like the other
    value types it is an immutable ``str`` subclass, so it is a scalar FastAPI parameter,
    serialises as the string anywhere (pydantic, ``json.dumps``, SQL) and compares and
    hashes as the string. As a pydantic field it validates strictly; use
    :data:`LenientLicenceId` for identifiers received from other systems.
    """

    root: ClassVar[str] = LICENCE_ID_ROOT
    _parts: tuple[str, str, str, int, str]
    _warnings: tuple[str, ...]

    def __new__(cls, text: str) -> Self:
        if type(text) is cls and not text.warnings:
            return text
        return cls.parse(text)

    @classmethod
    def _make(cls, parts: tuple[str, str, str, int, str], warnings: tuple[str, ...]) -> Self:
        type_code, issuer_code, serial, version, check = parts
        text = f"{LICENCE_ID_ROOT}.{type_code}.{issuer_code}.{serial}.{version:03d}.{check}"
        obj = str.__new__(cls, text)
        object.__setattr__(obj, "_parts", parts)
        object.__setattr__(obj, "_warnings", warnings)
        return obj

    @classmethod
    def build(cls, type_code: str, issuer_code: str, serial: str, version: int = 1) -> Self:
        """A new identifier with its check character computed (all segments validated)."""
        _check_type_code(type_code)
        _check_issuer(issuer_code, None)
        _check_serial(serial)
        _check_version(version)
        check = compute_check(type_code, issuer_code, serial, version)
        return cls._make((type_code, issuer_code, serial, version, check), ())

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse the dotted form; any error, including a wrong check character, raises
        :class:`LicenceIdError`."""
        return cls._parse(text, lenient=False)

    @classmethod
    def parse_lenient(cls, text: str) -> Self:
        """Parse the dotted form, keeping a wrong check character (of the identifier or of
        the issuer code) and recording it in ``warnings``; lower case is upper-cased with a
        warning. Structural errors still raise :class:`LicenceIdError`."""
        return cls._parse(text, lenient=True)

    @classmethod
    def _parse(cls, text: str, *, lenient: bool) -> Self:
        if not isinstance(text, str):
            raise LicenceIdError("structure", "licence identifier must be a string")
        warnings: list[str] = []
        text = str(text).strip()
        if lenient and text != text.upper():
            warnings.append("licence identifier was not upper case")
            text = text.upper()
        prefix = LICENCE_ID_ROOT + "."
        if not text.startswith(prefix):
            raise LicenceIdError("root", f"licence identifier must start with {prefix!r}")
        parts = text.removeprefix(prefix).split(".")
        if len(parts) != 5:
            raise LicenceIdError(
                "structure",
                "licence identifier must have 5 dot-separated segments after the root "
                f"(type code, issuer code, serial, version, check), got {len(parts)}",
            )
        type_code, issuer_code, serial, version_text, check = parts
        _check_type_code(type_code)
        _check_issuer(issuer_code, warnings if lenient else None)
        _check_serial(serial)
        if not _VERSION.fullmatch(version_text):
            raise LicenceIdError("version", f"version must be 3 digits, got {version_text!r}")
        version = int(version_text)
        _check_char_format(check)
        expected = compute_check(type_code, issuer_code, serial, version)
        if check != expected:
            if not lenient:
                raise LicenceIdError("check", _check_mismatch(expected, check))
            warnings.append(_check_mismatch(expected, check))
        return cls._make((type_code, issuer_code, serial, version, check), tuple(warnings))

    @property
    def type_code(self) -> str:
        return self._parts[0]

    @property
    def issuer_code(self) -> str:
        """The issuer's unified social credit code (as written; see :attr:`issuer`)."""
        return self._parts[1]

    @property
    def serial(self) -> str:
        return self._parts[2]

    @property
    def version(self) -> int:
        return self._parts[3]

    @property
    def check(self) -> str:
        return self._parts[4]

    @property
    def warnings(self) -> tuple[str, ...]:
        """What was wrong when it was read leniently (empty when valid)."""
        return self._warnings

    @property
    def is_valid(self) -> bool:
        """False when it was read leniently and something was wrong."""
        return not self._warnings

    @property
    def issuer(self) -> CreditCode:
        """The issuer code as a :class:`CreditCode` (raises if its check character is wrong)."""
        return CreditCode(self.issuer_code)

    def next_version(self) -> Self:
        """The identifier of the next version, with a fresh check character."""
        if self.version >= _MAX_VERSION:
            raise LicenceIdError("version", f"version {self.version} is the last one")
        return type(self).build(self.type_code, self.issuer_code, self.serial, self.version + 1)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"LicenceId is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"LicenceId is immutable (cannot delete {name!r})")

    def __repr__(self) -> str:
        return f"LicenceId({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self._parts, self._warnings))

    @classmethod
    def _pydantic_validate(cls, value: str) -> Self:
        try:
            return cls(value)
        except LicenceIdError as exc:
            raise exc.to_pydantic() from None

    @classmethod
    def _pydantic_validate_lenient(cls, value: str) -> Self:
        if type(value) is cls:
            return value
        try:
            return cls.parse_lenient(value)
        except LicenceIdError as exc:
            raise exc.to_pydantic() from None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return str_value_schema(cls._pydantic_validate)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out.update(_licence_id_json_schema())
        return out


def _restore(
    cls: type[LicenceId], parts: tuple[str, str, str, int, str], warnings: tuple[str, ...]
) -> LicenceId:
    return cls._make(parts, warnings)


def _check_mismatch(expected: str, got: str) -> str:
    return f"check character is wrong: expected {expected}, got {got} (ISO 7064 MOD 37,36)"


def _licence_id_json_schema() -> dict[str, Any]:
    return {
        "pattern": LICENCE_ID_PATTERN,
        "description": (
            "电子证照标识 (GB/T 36904): 1.2.156.3005.2.<type code, 21 [0-9A-Z]>."
            "<issuer USCC, 18>.<serial, 1-32 [0-9A-Z]>.<version, 3 digits>."
            "<check char, ISO 7064 MOD 37,36>"
        ),
        "examples": [str(_example())],
    }


def _example() -> LicenceId:
    definer = "11100000000013127"
    definer += uscc.calc_check_digit(definer)
    issuer = "11370784MB2851345"
    issuer += uscc.calc_check_digit(issuer)
    return LicenceId.build(definer + "001", issuer, "2024000123", 1)


class _Lenient:
    """Annotated marker: validate a :class:`LicenceId` with :meth:`LicenceId.parse_lenient`."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return str_value_schema(LicenceId._pydantic_validate_lenient)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out.update(_licence_id_json_schema())
        out["description"] += "; a wrong check character is accepted with a warning"
        return out


LenientLicenceId = Annotated[LicenceId, _Lenient()]
"""A :class:`LicenceId` field that accepts a wrong check character (see ``warnings``)."""


class LicenceTypeCode(_Code):
    """证照类型代码: 21 characters ``[0-9A-Z]``; in GB/T 36904 practice the defining body's
    18-character USCC followed by a 3-digit sequence (exposed, not enforced)."""

    __slots__ = ()

    kind = "licence_type_code"
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "pattern": LICENCE_TYPE_CODE_PATTERN,
        "minLength": 21,
        "maxLength": 21,
        "description": (
            "证照类型代码: 21 characters [0-9A-Z], usually the defining body's "
            "USCC followed by a 3-digit sequence"
        ),
        "examples": [_example().type_code],
    }

    @classmethod
    def _normalise(cls, value: str) -> str:
        try:
            return _check_type_code(value)
        except LicenceIdError as exc:
            raise IdentifierError(cls.kind, "type_code", exc.message) from None

    @property
    def definer_code(self) -> str:
        """The first 18 characters: the USCC of the body that defined the licence type."""
        return self[:18]

    @property
    def sequence(self) -> str:
        return self[18:]
