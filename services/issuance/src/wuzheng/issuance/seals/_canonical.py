"""The canonical form a licence is signed in: RFC 8785 (JCS) for the JSON subset we use.

Supported values: ``str``, ``int`` (within ±(2**53 - 1), the range every JSON parser holds
exactly), ``bool``, ``None``, mappings with ``str`` keys and lists/tuples of these. Floats are
rejected rather than given JCS's ECMAScript number formatting: licence fields that look like
numbers (registered capital, areas) travel as strings, so a verifier never has to reproduce
a float's shortest round-trip form.

For that subset the output is byte-for-byte JCS: members sorted by their keys' UTF-16 code
units, no whitespace, strings escaped as ECMAScript's ``JSON.stringify`` does (only ``"``,
``\\``, and control characters; non-ASCII as literal UTF-8).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from wuzheng.issuance.seals._errors import CanonicalFormError

MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_DEPTH: Final = 64


def canonical_json(obj: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``obj``; :class:`CanonicalFormError` if it has none."""
    parts: list[str] = []
    _write(obj, parts, "$", 0)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalFormError("a string holds a lone surrogate: not valid Unicode") from exc


def _utf16_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as JCS's UTF-16 code-unit order.
    return key.encode("utf-16-be", "surrogatepass")


def _write(obj: object, out: list[str], path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalFormError(f"{path}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(obj, Mapping):
        _write_object(obj, out, path, depth)
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _write(item, out, f"{path}[{i}]", depth + 1)
        out.append("]")
    else:
        out.append(_scalar(obj, path))


def _write_object(obj: Mapping[object, object], out: list[str], path: str, depth: int) -> None:
    keys: list[str] = []
    for key in obj:
        if not isinstance(key, str):
            raise CanonicalFormError(f"{path}: object key {key!r} is not a string")
        keys.append(key)
    out.append("{")
    for i, key in enumerate(sorted(keys, key=_utf16_key)):
        if i:
            out.append(",")
        out.append(json.dumps(key, ensure_ascii=False))
        out.append(":")
        _write(obj[key], out, f"{path}.{key}", depth + 1)
    out.append("}")


def _scalar(obj: object, path: str) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False)
    if isinstance(obj, int):
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise CanonicalFormError(f"{path}: integer outside ±(2**53 - 1); send it as a string")
        return str(int(obj))
    if isinstance(obj, float):
        raise CanonicalFormError(f"{path}: floats have no canonical form here; send a string")
    raise CanonicalFormError(f"{path}: {type(obj).__name__} is not a JSON value")
