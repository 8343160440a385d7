"""Codes of licence holders: resident ID numbers (GB 11643), unified social credit codes
(GB 32100) and the typed holder code of GB/T 36903 (持证主体代码类型 + 持证主体代码).

Each code is a ``str`` subclass: construct it to validate (``ResidentId("...")`` raises
:class:`IdentifierError`), use it as a pydantic field, FastAPI path/query parameter or body
field, and it serialises as the plain string.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

# GB 32100 alphabet: digits and upper-case letters without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CLASS = "0-9A-HJ-NP-RTUW-Y"
_USCC_CLASS_ANY_CASE = "0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y"
# Registration authority and entity type (may be letters, e.g. Y = other authorities),
# 6-digit region code, 9-character organisation code, check character.
USCC_PATTERN = rf"^[{_USCC_CLASS}]{{2}}[0-9]{{6}}[{_USCC_CLASS}]{{10}}$"
_USCC_INPUT_PATTERN = rf"^[{_USCC_CLASS_ANY_CASE}]{{2}}[0-9]{{6}}[{_USCC_CLASS_ANY_CASE}]{{10}}$"
_USCC_RE = re.compile(USCC_PATTERN)
RESIDENT_ID_PATTERN = r"^[0-9]{17}[0-9X]$"
_RESIDENT_ID_INPUT_PATTERN = r"^[0-9]{17}[0-9Xx]$"
_RESIDENT_ID_RE = re.compile(RESIDENT_ID_PATTERN)


class IdentifierError(ValueError):
    """A code failed validation.

    ``kind`` is the pydantic error type it becomes (``resident_id``, ``credit_code``, ...),
    ``segment`` names the part that is wrong (``length``, ``format``, ``check``, ...).
    """

    def __init__(self, kind: str, segment: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.segment = segment
        self.message = message

    def to_pydantic(self) -> PydanticCustomError:
        # The message is passed as the template; pydantic only substitutes ``{segment}``.
        return PydanticCustomError(self.kind, self.message, {"segment": self.segment})


def str_value_schema(validate: Callable[[Any], Any]) -> core_schema.CoreSchema:
    """Core schema of a value type that is a validated ``str`` subclass: ``validate`` gets the
    raw input (an instance passes through without a copy), JSON Schema and serialisation are
    those of a string."""
    return core_schema.no_info_plain_validator_function(
        validate,
        json_schema_input_schema=core_schema.str_schema(),
        serialization=core_schema.to_string_ser_schema(),
    )


def _example_resident_id() -> str:
    body = "37078419900101123"
    return body + ric.calc_check_digit(body + "0")


def _example_credit_code() -> str:
    body = "91370784MA3C4K7L2"
    return body + uscc.calc_check_digit(body)


class _Code(str):
    """Base of the validated string codes."""

    __slots__ = ()

    kind: ClassVar[str]
    json_schema_extra: ClassVar[dict[str, Any]]

    def __new__(cls, value: str) -> Self:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise IdentifierError(cls.kind, "type", f"{cls.__name__} must be a string")
        return super().__new__(cls, cls._normalise(value))

    @classmethod
    def _normalise(cls, value: str) -> str:
        raise NotImplementedError

    @classmethod
    def _pydantic_validate(cls, value: Any) -> Self:
        try:
            return cls(value)
        except IdentifierError as exc:
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
        out.update(cls.json_schema_extra)
        return out

    def masked(self) -> str:
        """The code with all but the first 4 and last 4 characters replaced by ``*``."""
        return self[:4] + "*" * (len(self) - 8) + self[-4:]


class ResidentId(_Code):
    """公民身份号码 (GB 11643): 18 characters, the last one a check character (0-9 or X).

    Input is stripped and a lower-case ``x`` is normalised to ``X``. The birth date must be a
    real date, not in the future. The region code is not looked up (region tables go stale
    and a citizen must not be refused because of that).

    ``repr()`` is masked so that the number does not leak into logs by accident;
    ``str()`` is the full number.
    """

    __slots__ = ()

    kind = "resident_id"
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "pattern": _RESIDENT_ID_INPUT_PATTERN,
        "minLength": 18,
        "maxLength": 18,
        "description": "公民身份号码 (GB 11643): 17 digits and a check character 0-9 or X",
        "examples": [_example_resident_id()],
    }

    @classmethod
    def _normalise(cls, value: str) -> str:
        text = value.strip().upper()
        if len(text) != 18:
            raise IdentifierError(
                cls.kind, "length", f"resident ID number must be 18 characters, got {len(text)}"
            )
        if not _RESIDENT_ID_RE.fullmatch(text):
            raise IdentifierError(
                cls.kind,
                "format",
                "resident ID number must be 17 digits followed by a digit or X",
            )
        if ric.calc_check_digit(text) != text[-1]:
            raise IdentifierError(
                cls.kind, "check", "resident ID number check character is wrong (GB 11643)"
            )
        try:
            born = ric.get_birth_date(text)
        except StdnumValidationError:
            raise IdentifierError(
                cls.kind, "birth_date", "resident ID number contains an invalid birth date"
            ) from None
        if born > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
            raise IdentifierError(
                cls.kind, "birth_date", "resident ID number has a birth date in the future"
            )
        return text

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self[6:10]), int(self[10:12]), int(self[12:14]))

    @property
    def region_code(self) -> str:
        """The 6-digit administrative division code (GB/T 2260) of the registration."""
        return self[:6]

    def __repr__(self) -> str:
        return f"ResidentId({self.masked()!r})"


class CreditCode(_Code):
    """统一社会信用代码 (GB 32100): 18 characters, the last one a check character.

    Input is stripped and upper-cased. The check character is verified with
    ``stdnum.cn.uscc``; unlike ``stdnum.cn.uscc.validate`` the first two characters may be
    letters (registration authorities such as ``Y``, 其他).
    """

    __slots__ = ()

    kind = "credit_code"
    json_schema_extra: ClassVar[dict[str, Any]] = {
        "pattern": _USCC_INPUT_PATTERN,
        "minLength": 18,
        "maxLength": 18,
        "description": "统一社会信用代码 (GB 32100): 18 characters, the last a check character",
        "examples": [_example_credit_code()],
    }

    @classmethod
    def _normalise(cls, value: str) -> str:
        text = value.strip().upper()
        if len(text) != 18:
            raise IdentifierError(
                cls.kind, "length", f"credit code must be 18 characters, got {len(text)}"
            )
        if not _USCC_RE.fullmatch(text):
            raise IdentifierError(
                cls.kind,
                "format",
                "credit code must be 2 characters [0-9A-Y without I O S V Z], 6 digits, "
                "then 10 characters [0-9A-Y without I O S V Z]",
            )
        if uscc.calc_check_digit(text[:17]) != text[-1]:
            raise IdentifierError(
                cls.kind, "check", "credit code check character is wrong (GB 32100)"
            )
        return text

    @property
    def region_code(self) -> str:
        """The 6-digit administrative division code (GB/T 2260) of the registration."""
        return self[2:8]


class HolderCodeType(StrEnum):
    """持证主体代码类型 (GB/T 36903)."""

    RESIDENT_ID = "111"  # 公民身份号码
    CREDIT_CODE = "001"  # 统一社会信用代码


_HOLDER_CODE_CLASSES: dict[HolderCodeType, type[ResidentId] | type[CreditCode]] = {
    HolderCodeType.RESIDENT_ID: ResidentId,
    HolderCodeType.CREDIT_CODE: CreditCode,
}


HOLDER_CODE_PATTERN = (
    rf"^(111:[0-9]{{17}}[0-9X]|001:[{_USCC_CLASS}]{{2}}[0-9]{{6}}[{_USCC_CLASS}]{{10}})$"
)
_HOLDER_INPUT_PATTERN = (
    r"^(111:[0-9]{17}[0-9Xx]"
    rf"|001:[{_USCC_CLASS_ANY_CASE}]{{2}}[0-9]{{6}}[{_USCC_CLASS_ANY_CASE}]{{10}})$"
)


class HolderCode(str):
    """持证主体: the type of the holder's code and the code, canonically ``"{type}:{code}"``.

    ``HolderCode("111:370781199001011234")``, ``HolderCode.of("001", "9137...")`` or
    ``HolderCode.from_code(resident_id)``. As a pydantic field it also accepts the object
    ``{"code_type": "111", "code": "..."}`` and always serialises as the string.
    """

    kind: ClassVar[str] = "holder_code"
    _code: ResidentId | CreditCode

    def __new__(cls, value: str) -> Self:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise IdentifierError(cls.kind, "type", "holder code must be a string")
        code_type, sep, code = value.strip().partition(":")
        if not sep:
            raise IdentifierError(
                cls.kind,
                "format",
                "holder code must be '<code type>:<code>', e.g. '111:<resident ID number>'",
            )
        return cls._build(code_type, code)

    @classmethod
    def of(cls, code_type: HolderCodeType | str, code: str) -> Self:
        """The holder code of a code type (``"111"`` / ``"001"``) and a code."""
        return cls._build(str(code_type), code)

    @classmethod
    def from_code(cls, code: ResidentId | CreditCode) -> Self:
        code_type = (
            HolderCodeType.RESIDENT_ID
            if isinstance(code, ResidentId)
            else HolderCodeType.CREDIT_CODE
        )
        return cls._build(code_type.value, code)

    @classmethod
    def _build(cls, code_type: str, code: str) -> Self:
        try:
            kind = HolderCodeType(code_type.strip())
        except ValueError:
            raise IdentifierError(
                cls.kind,
                "code_type",
                "holder code type must be 111 (公民身份号码) or 001 (统一社会信用代码), "
                f"got {code_type.strip()[:10]!r}",
            ) from None
        try:
            validated = _HOLDER_CODE_CLASSES[kind](code)
        except IdentifierError as exc:
            raise IdentifierError(cls.kind, "code", exc.message) from None
        obj = super().__new__(cls, f"{kind.value}:{validated}")
        obj._code = validated
        return obj

    @property
    def code_type(self) -> HolderCodeType:
        return HolderCodeType(self[:3])

    @property
    def code(self) -> ResidentId | CreditCode:
        return self._code

    @property
    def is_person(self) -> bool:
        return self.code_type is HolderCodeType.RESIDENT_ID

    def masked(self) -> str:
        return f"{self.code_type.value}:{self._code.masked()}"

    def __repr__(self) -> str:
        shown = self.masked() if self.is_person else str(self)
        return f"HolderCode({shown!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))

    @classmethod
    def _pydantic_validate(cls, value: Any) -> Self:
        try:
            if isinstance(value, dict):
                if set(value) != {"code_type", "code"} or not all(
                    isinstance(v, str) for v in value.values()
                ):
                    raise IdentifierError(
                        cls.kind,
                        "format",
                        "holder code object must have exactly the string members "
                        "'code_type' and 'code'",
                    )
                return cls.of(value["code_type"], value["code"])
            return cls(value)
        except IdentifierError as exc:
            raise exc.to_pydantic() from None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        as_object = core_schema.typed_dict_schema(
            {
                "code_type": core_schema.typed_dict_field(
                    core_schema.literal_schema([t.value for t in HolderCodeType])
                ),
                "code": core_schema.typed_dict_field(core_schema.str_schema()),
            },
            extra_behavior="forbid",
        )
        as_string = core_schema.str_schema(pattern=_HOLDER_INPUT_PATTERN)
        return core_schema.no_info_plain_validator_function(
            cls._pydantic_validate,
            json_schema_input_schema=core_schema.union_schema([as_string, as_object]),
            serialization=core_schema.to_string_ser_schema(),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        if handler.mode == "serialization":
            out = {"type": "string", "pattern": HOLDER_CODE_PATTERN}
        out["description"] = (
            "持证主体代码类型 and 持证主体代码 (GB/T 36903) as '<type>:<code>': "
            "111 = 公民身份号码 (GB 11643), 001 = 统一社会信用代码 (GB 32100)"
        )
        out["examples"] = [f"111:{_example_resident_id()}", f"001:{_example_credit_code()}"]
        return out
