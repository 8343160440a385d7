"""LicenceId (GB/T 36904) and LicenceTypeCode."""

from __future__ import annotations

import copy
import json
import pickle
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

from wuzheng.contracts import (
    LICENCE_ID_ROOT,
    IdentifierError,
    LenientLicenceId,
    LicenceId,
    LicenceIdError,
    LicenceTypeCode,
)
from wuzheng.contracts._identifiers import USCC_ALPHABET

UPPER_ALNUM = string.digits + string.ascii_uppercase


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


credit_codes = st.builds(
    lambda head, region, org: credit_code(head + region + org),
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(string.digits, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)
type_codes = st.text(UPPER_ALNUM, min_size=21, max_size=21)
serials = st.text(UPPER_ALNUM, min_size=1, max_size=32)
versions = st.integers(min_value=0, max_value=999)
licence_ids = st.builds(LicenceId.build, type_codes, credit_codes, serials, versions)

DEFINER = credit_code("11370000MB2851000")  # a defining department (made up, valid check)
ISSUER = credit_code("11370784MB2851345")  # an issuing department in 安丘 (made up)
TYPE_CODE = DEFINER + "001"
EXAMPLE = LicenceId.build(TYPE_CODE, ISSUER, "2024000123")


def replace(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


# --------------------------------------------------------------------------- properties


@given(licence_ids)
def test_build_parse_round_trip(licence_id: LicenceId) -> None:
    text = str(licence_id)
    assert text.startswith(LICENCE_ID_ROOT + ".")
    assert LicenceId.parse(text) == licence_id
    lenient = LicenceId.parse_lenient(text)
    assert lenient == licence_id
    assert lenient.warnings == ()
    assert lenient.is_valid
    # The check character is ISO 7064 MOD 37,36 over segments 2-5 without dots.
    joined = text.removeprefix(LICENCE_ID_ROOT + ".").replace(".", "")
    assert mod_37_36.is_valid(joined)


@given(licence_ids, st.data())
def test_any_single_char_change_fails_strict_parse(
    licence_id: LicenceId, data: st.DataObject
) -> None:
    text = str(licence_id)
    index = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    char = data.draw(
        st.sampled_from(UPPER_ALNUM + string.ascii_lowercase + ".-").filter(
            lambda c: c != text[index]
        )
    )
    with pytest.raises(LicenceIdError):
        LicenceId.parse(replace(text, index, char))


@given(licence_ids, st.data())
def test_lenient_parse_keeps_a_wrong_check_char_with_a_warning(
    licence_id: LicenceId, data: st.DataObject
) -> None:
    text = str(licence_id)
    wrong = data.draw(st.sampled_from(UPPER_ALNUM).filter(lambda c: c != licence_id.check))
    changed = text[:-1] + wrong
    with pytest.raises(LicenceIdError) as caught:
        LicenceId.parse(changed)
    assert caught.value.segment == "check"
    assert f"expected {licence_id.check}, got {wrong}" in caught.value.message
    lenient = LicenceId.parse_lenient(changed)
    assert str(lenient) == changed
    assert lenient.check == wrong
    assert not lenient.is_valid
    assert len(lenient.warnings) == 1
    assert "check character is wrong" in lenient.warnings[0]


@given(licence_ids, st.data())
def test_lenient_parse_of_a_changed_type_code_or_serial(
    licence_id: LicenceId, data: st.DataObject
) -> None:
    text = str(licence_id)
    start = len(LICENCE_ID_ROOT) + 1
    index = data.draw(st.integers(min_value=start, max_value=start + 20))  # in the type code
    changed = replace(text, index, data.draw(st.sampled_from(UPPER_ALNUM)))
    lenient = LicenceId.parse_lenient(changed)
    assert str(lenient) == changed
    assert lenient.is_valid == (changed == text)


@given(licence_ids)
def test_next_version(licence_id: LicenceId) -> None:
    if licence_id.version == 999:
        with pytest.raises(LicenceIdError) as caught:
            licence_id.next_version()
        assert caught.value.segment == "version"
        return
    following = licence_id.next_version()
    assert following.version == licence_id.version + 1
    assert (following.type_code, following.issuer_code, following.serial) == (
        licence_id.type_code,
        licence_id.issuer_code,
        licence_id.serial,
    )
    assert LicenceId.parse(str(following)) == following


# --------------------------------------------------------------------------- examples


def test_example_shape() -> None:
    text = str(EXAMPLE)
    root, rest = text[: len(LICENCE_ID_ROOT)], text[len(LICENCE_ID_ROOT) + 1 :]
    assert root == "1.2.156.3005.2"
    type_code, issuer, serial, version, check = rest.split(".")
    assert (type_code, issuer, serial, version) == (TYPE_CODE, ISSUER, "2024000123", "001")
    assert check == mod_37_36.calc_check_digit(type_code + issuer + serial + version)
    assert EXAMPLE.root == LICENCE_ID_ROOT
    assert EXAMPLE.version == 1
    assert EXAMPLE.issuer == ISSUER
    assert repr(EXAMPLE) == f"LicenceId({text!r})"


def test_stdnum_mod_37_36_reference_value() -> None:
    # The doctest of stdnum.iso7064.mod_37_36, so the algorithm is the standard one.
    assert mod_37_36.calc_check_digit("A12425GABC1234002") == "M"


def test_construction_is_strict_parsing() -> None:
    wrong = str(EXAMPLE)[:-1] + ("0" if EXAMPLE.check != "0" else "1")
    with pytest.raises(LicenceIdError) as caught:
        LicenceId(wrong)
    assert caught.value.segment == "check"
    assert LicenceId(str(EXAMPLE)) == EXAMPLE
    assert LicenceId(EXAMPLE) is EXAMPLE
    with pytest.raises(LicenceIdError):
        LicenceId(LicenceId.parse_lenient(wrong))


def test_it_is_an_immutable_string() -> None:
    assert isinstance(EXAMPLE, str)
    assert str(EXAMPLE) == EXAMPLE
    assert json.dumps({"id": EXAMPLE}) == json.dumps({"id": str(EXAMPLE)})
    by_text: dict[str, int] = {EXAMPLE: 1}
    assert by_text[str(EXAMPLE)] == 1
    with pytest.raises(AttributeError, match="immutable"):
        EXAMPLE.serial = "1"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del EXAMPLE.serial


def test_lenient_upper_cases_with_a_warning() -> None:
    lower = LicenceId.parse_lenient(str(EXAMPLE).lower())
    assert lower.warnings == ("licence identifier was not upper case",)
    assert lower == EXAMPLE
    assert hash(lower) == hash(EXAMPLE)


def test_lenient_parse_keeps_a_wrong_issuer_check_char() -> None:
    bad_issuer = ISSUER[:-1] + ("0" if ISSUER[-1] != "0" else "1")
    text = str(EXAMPLE).replace(ISSUER, bad_issuer)
    with pytest.raises(LicenceIdError) as caught:
        LicenceId.parse(text)
    assert caught.value.segment == "issuer_code"
    lenient = LicenceId.parse_lenient(text)
    assert lenient.issuer_code == bad_issuer
    assert any(w.startswith("issuer code:") for w in lenient.warnings)
    with pytest.raises(IdentifierError):
        _ = lenient.issuer
    with pytest.raises(LicenceIdError) as caught:
        lenient.next_version()
    assert caught.value.segment == "issuer_code"


def _segments(**changes: str) -> str:
    parts = {
        "type_code": TYPE_CODE,
        "issuer_code": ISSUER,
        "serial": "2024000123",
        "version": "001",
        "check": EXAMPLE.check,
    } | changes
    return ".".join([LICENCE_ID_ROOT, *parts.values()])


@pytest.mark.parametrize(
    ("text", "segment", "words"),
    [
        ("1.2.156.3005.1." + _segments().split(".", 5)[5], "root", "must start with"),
        ("", "root", "must start with"),
        (_segments() + ".X", "structure", "got 6"),
        (LICENCE_ID_ROOT + "." + TYPE_CODE, "structure", "got 1"),
        (_segments(type_code=TYPE_CODE[:20]), "type_code", "21 characters [0-9A-Z], got 20"),
        (_segments(type_code=TYPE_CODE[:20] + "a"), "type_code", "invalid character 'a'"),
        (_segments(issuer_code=ISSUER[:17]), "issuer_code", "18 characters, got 17"),
        (_segments(issuer_code=ISSUER.lower()), "issuer_code", "upper-case"),
        (_segments(issuer_code="91370784MA3C4K7LI0"), "issuer_code", "credit code must be"),
        (_segments(serial=""), "serial", "1–32 characters [0-9A-Z], got 0"),
        (_segments(serial="A" * 33), "serial", "got 33"),
        (_segments(serial="20-1"), "serial", "invalid character '-'"),
        (_segments(version="1"), "version", "3 digits, got '1'"),
        (_segments(version="00A"), "version", "3 digits"),
        (_segments(check="AB"), "check", "one character"),
        (_segments(check="a"), "check", "one character"),
    ],
)
def test_structural_errors_name_the_segment(text: str, segment: str, words: str) -> None:
    parsers = [LicenceId.parse]
    if text == text.upper():  # lenient parsing upper-cases first
        parsers.append(LicenceId.parse_lenient)
    for parse in parsers:
        with pytest.raises(LicenceIdError) as caught:
            parse(text)
        assert caught.value.segment == segment
        assert words in caught.value.message
        assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("args", "segment"),
    [
        ((TYPE_CODE[:-1], ISSUER, "1", 1), "type_code"),
        ((TYPE_CODE, ISSUER[:-1] + "?", "1", 1), "issuer_code"),
        ((TYPE_CODE, ISSUER, "", 1), "serial"),
        ((TYPE_CODE, ISSUER, "1", 1000), "version"),
        ((TYPE_CODE, ISSUER, "1", -1), "version"),
    ],
)
def test_build_validates_segments(args: tuple[str, str, str, int], segment: str) -> None:
    with pytest.raises(LicenceIdError) as caught:
        LicenceId.build(*args)
    assert caught.value.segment == segment


def test_pickle_and_copy_keep_the_parts_and_warnings() -> None:
    wrong = LicenceId.parse_lenient(str(EXAMPLE)[:-1] + ("0" if EXAMPLE.check != "0" else "1"))
    for value in (EXAMPLE, wrong):
        for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
            assert type(clone) is LicenceId
            assert clone == value
            assert (clone.serial, clone.version, clone.warnings) == (
                value.serial,
                value.version,
                value.warnings,
            )


# --------------------------------------------------------------------------- pydantic


class Licence(BaseModel):
    licence_id: LicenceId
    type_code: LicenceTypeCode
    received: LenientLicenceId | None = None


def test_licence_id_field_is_strict_and_serialises_as_string() -> None:
    wrong = str(EXAMPLE)[:-1] + ("0" if EXAMPLE.check != "0" else "1")
    model = Licence.model_validate(
        {"licence_id": str(EXAMPLE), "type_code": TYPE_CODE, "received": wrong}
    )
    assert model.licence_id == EXAMPLE
    assert isinstance(model.type_code, LicenceTypeCode)
    assert model.received is not None
    assert not model.received.is_valid
    dumped = json.loads(model.model_dump_json())
    assert dumped == {"licence_id": str(EXAMPLE), "type_code": TYPE_CODE, "received": wrong}
    assert model.model_dump()["licence_id"] == str(EXAMPLE)
    assert Licence.model_validate_json(model.model_dump_json()) == model
    assert Licence(licence_id=EXAMPLE, type_code=LicenceTypeCode(TYPE_CODE)).licence_id is EXAMPLE

    with pytest.raises(ValidationError) as caught:
        Licence.model_validate({"licence_id": wrong, "type_code": TYPE_CODE})
    error = caught.value.errors()[0]
    assert error["type"] == "licence_id"
    assert error["ctx"] == {"segment": "check"}
    # A leniently read identifier is not accepted where a strict one is required.
    with pytest.raises(ValidationError):
        Licence(licence_id=model.received, type_code=LicenceTypeCode(TYPE_CODE))


def test_structural_error_in_a_lenient_field_still_fails() -> None:
    with pytest.raises(ValidationError) as caught:
        Licence.model_validate(
            {"licence_id": str(EXAMPLE), "type_code": TYPE_CODE, "received": "1.2.3"}
        )
    assert caught.value.errors()[0]["ctx"] == {"segment": "root"}


def test_licence_id_json_schema() -> None:
    schema = TypeAdapter(LicenceId).json_schema()
    assert schema["type"] == "string"
    assert "GB/T 36904" in schema["description"]
    for example in schema["examples"]:
        assert str(LicenceId.parse(example)) == example
    assert TypeAdapter(LicenceId).json_schema(mode="serialization")["type"] == "string"


# --------------------------------------------------------------------------- type code


@given(type_codes)
def test_licence_type_code(text: str) -> None:
    code = LicenceTypeCode(text)
    assert code == text
    assert code.definer_code + code.sequence == text
    assert len(code.sequence) == 3


@pytest.mark.parametrize("text", [TYPE_CODE[:20], TYPE_CODE + "1", TYPE_CODE.lower(), "-" * 21])
def test_bad_licence_type_codes(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        LicenceTypeCode(text)
    assert caught.value.segment == "type_code"
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(LicenceTypeCode).validate_python(text)
    assert raised.value.errors()[0]["type"] == "licence_type_code"


def test_licence_type_code_json_schema() -> None:
    schema = TypeAdapter(LicenceTypeCode).json_schema()
    assert schema["pattern"] == "^[0-9A-Z]{21}$"
    assert all(LicenceTypeCode(e) == e for e in schema["examples"])
