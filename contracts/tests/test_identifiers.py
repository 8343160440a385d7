"""ResidentId (GB 11643), CreditCode (GB 32100) and HolderCode (GB/T 36903)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from stdnum.cn import ric, uscc

from wuzheng.contracts import (
    CreditCode,
    HolderCode,
    HolderCodeType,
    IdentifierError,
    ResidentId,
)
from wuzheng.contracts._identifiers import USCC_ALPHABET

DIGITS = "0123456789"


def resident_id(region: str, born: dt.date, sequence: str) -> str:
    body = f"{region}{born:%Y%m%d}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


resident_ids = st.builds(
    resident_id,
    st.text(DIGITS, min_size=6, max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)),
    st.text(DIGITS, min_size=3, max_size=3),
)
credit_codes = st.builds(
    lambda head, region, org: credit_code(head + region + org),
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)

ANQIU = resident_id("370784", dt.date(1990, 1, 1), "123")
ORG = credit_code("91370784MA3C4K7L2")


def other_char(alphabet: str, char: str) -> st.SearchStrategy[str]:
    return st.sampled_from([c for c in alphabet if c != char])


class Person(BaseModel):
    id_number: ResidentId
    employer: CreditCode | None = None
    holder: HolderCode | None = None


# --------------------------------------------------------------------------- ResidentId


@given(resident_ids)
def test_valid_resident_ids_are_accepted_and_agree_with_stdnum(number: str) -> None:
    rid = ResidentId(number)
    assert rid == number
    assert isinstance(rid, str)
    assert ric.calc_check_digit(rid) == rid[-1]
    assert rid.birth_date == ric.get_birth_date(number)
    assert rid.region_code == number[:6]


@given(resident_ids, st.data())
def test_any_other_check_char_is_rejected(number: str, data: st.DataObject) -> None:
    wrong = number[:-1] + data.draw(other_char(DIGITS + "X", number[-1]))
    with pytest.raises(IdentifierError) as caught:
        ResidentId(wrong)
    assert caught.value.segment == "check"
    assert "check character" in str(caught.value)


def test_resident_id_known_example() -> None:
    # stdnum's own doctest example.
    assert ResidentId("360426199101010071").birth_date == dt.date(1991, 1, 1)


def test_lower_case_x_is_normalised_and_whitespace_stripped() -> None:
    number = next(
        resident_id("370784", dt.date(1985, 6, 1), f"{n:03d}")
        for n in range(1000)
        if resident_id("370784", dt.date(1985, 6, 1), f"{n:03d}").endswith("X")
    )
    rid = ResidentId(f" {number.lower()} ")
    assert rid == number
    assert rid.endswith("X")


def test_region_codes_are_not_looked_up() -> None:
    # 安丘市 (370784) dates from 1994 in stdnum's table, so stdnum rejects someone born in
    # 1990 registered there; the check character is right, and we accept the number.
    assert not ric.is_valid(ANQIU)
    assert ResidentId(ANQIU).region_code == "370784"


def test_resident_id_properties_and_masking() -> None:
    rid = ResidentId(ANQIU)
    assert rid.birth_date == dt.date(1990, 1, 1)
    assert rid.masked() == ANQIU[:4] + "*" * 10 + ANQIU[-4:]
    assert len(rid.masked()) == 18
    assert ANQIU not in repr(rid)
    assert rid.masked() in repr(rid)
    assert str(rid) == ANQIU
    assert f"{rid}" == ANQIU


@pytest.mark.parametrize(
    ("text", "segment", "words"),
    [
        ("37078419900101123", "length", "got 17"),
        ("3707841990010112345", "length", "got 19"),
        ("3707841990010112A4", "format", "17 digits"),
        ("37078419900101123Y", "format", "17 digits"),
        ("３７０７８４１９９００１０１１２３４", "format", "17 digits"),
        (resident_id("370784", dt.date(1990, 1, 1), "123")[:-1] + "Z", "format", "17 digits"),
    ],
)
def test_malformed_resident_ids(text: str, segment: str, words: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        ResidentId(text)
    assert caught.value.segment == segment
    assert words in caught.value.message


def test_impossible_and_future_birth_dates_are_rejected() -> None:
    body = "37078419901301123"  # month 13, check char computed so only the date is wrong
    with pytest.raises(IdentifierError, match="invalid birth date") as caught:
        ResidentId(body + ric.calc_check_digit(body + "0"))
    assert caught.value.segment == "birth_date"
    future = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=400)
    with pytest.raises(IdentifierError, match="future"):
        ResidentId(resident_id("370784", future, "123"))


def test_non_string_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="must be a string"):
        ResidentId(370784199001011239)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CreditCode


@given(credit_codes)
def test_valid_credit_codes_are_accepted(code: str) -> None:
    cc = CreditCode(code)
    assert cc == code
    assert cc.region_code == code[2:8]
    if code[:2].isdigit():
        assert uscc.is_valid(code)


@given(credit_codes, st.data())
def test_any_other_credit_code_check_char_is_rejected(code: str, data: st.DataObject) -> None:
    wrong = code[:-1] + data.draw(other_char(USCC_ALPHABET, code[-1]))
    with pytest.raises(IdentifierError) as caught:
        CreditCode(wrong)
    assert caught.value.segment == "check"


def test_credit_code_known_example_and_letter_authority() -> None:
    assert CreditCode("91110000600037341L") == "91110000600037341L"  # stdnum's example
    # Registration authority Y (其他): stdnum.cn.uscc.validate wants digits there.
    other = credit_code("Y1370784MA3C4K7L2")
    assert not uscc.is_valid(other)
    assert CreditCode(other) == other


def test_credit_code_normalisation_and_masking() -> None:
    assert CreditCode(f" {ORG.lower()} ") == ORG
    assert CreditCode(ORG).masked() == ORG[:4] + "*" * 10 + ORG[-4:]


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("91370784MA3C4K7L2", "length"),
        ("91370784MA3C4K7LI" + "0", "format"),  # I is not in the alphabet
        ("91A70784MA3C4K7L20", "format"),  # region must be digits
    ],
)
def test_malformed_credit_codes(text: str, segment: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        CreditCode(text)
    assert caught.value.segment == segment


# --------------------------------------------------------------------------- HolderCode


def test_holder_code_of_a_person() -> None:
    holder = HolderCode(f"111:{ANQIU}")
    assert holder == f"111:{ANQIU}"
    assert holder.code_type is HolderCodeType.RESIDENT_ID
    assert isinstance(holder.code, ResidentId)
    assert holder.code == ANQIU
    assert holder.is_person
    assert holder.masked() == f"111:{ANQIU[:4]}**********{ANQIU[-4:]}"
    assert ANQIU not in repr(holder)


def test_holder_code_of_an_organisation() -> None:
    holder = HolderCode.of("001", ORG.lower())
    assert holder == f"001:{ORG}"
    assert holder.code_type is HolderCodeType.CREDIT_CODE
    assert isinstance(holder.code, CreditCode)
    assert not holder.is_person
    assert ORG in repr(holder)


def test_holder_code_constructors_agree() -> None:
    assert HolderCode.from_code(ResidentId(ANQIU)) == HolderCode(f"111:{ANQIU}")
    assert HolderCode.from_code(CreditCode(ORG)) == HolderCode.of(HolderCodeType.CREDIT_CODE, ORG)
    assert HolderCode(f" 111:{ANQIU.lower()} ") == f"111:{ANQIU}"


@pytest.mark.parametrize(
    ("text", "segment", "words"),
    [
        (ANQIU, "format", "'<code type>:<code>'"),
        (f"112:{ANQIU}", "code_type", "111 (公民身份号码) or 001"),
        (f"001:{ANQIU}", "code", "credit code"),
        (f"111:{ORG}", "code", "resident ID number"),
        (f"111:{ANQIU[:-1]}{'0' if ANQIU[-1] != '0' else '1'}", "code", "check character"),
    ],
)
def test_bad_holder_codes_name_the_problem(text: str, segment: str, words: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        HolderCode(text)
    assert caught.value.segment == segment
    assert words in caught.value.message


@given(st.one_of(resident_ids.map(lambda c: f"111:{c}"), credit_codes.map(lambda c: f"001:{c}")))
def test_holder_code_string_round_trip(text: str) -> None:
    holder = HolderCode(text)
    assert HolderCode(str(holder)) == holder
    assert HolderCode.of(holder.code_type, holder.code) == holder


# --------------------------------------------------------------------------- pydantic


def test_value_types_as_pydantic_fields() -> None:
    person = Person.model_validate(
        {
            "id_number": ANQIU.lower(),
            "employer": ORG,
            "holder": {"code_type": "111", "code": ANQIU},
        }
    )
    assert isinstance(person.id_number, ResidentId)
    assert isinstance(person.holder, HolderCode)
    dumped = json.loads(person.model_dump_json())
    assert dumped == {"id_number": ANQIU, "employer": ORG, "holder": f"111:{ANQIU}"}
    assert Person.model_validate_json(person.model_dump_json()) == person
    assert ANQIU not in repr(person)


def test_pydantic_errors_name_the_problem() -> None:
    wrong = ANQIU[:-1] + ("0" if ANQIU[-1] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        Person.model_validate({"id_number": wrong, "holder": f"111:{wrong}"})
    errors = {e["loc"][0]: e for e in caught.value.errors()}
    assert errors["id_number"]["type"] == "resident_id"
    assert errors["id_number"]["ctx"] == {"segment": "check"}
    assert "check character is wrong" in errors["id_number"]["msg"]
    assert errors["holder"]["type"] == "holder_code"
    assert "check character is wrong" in errors["holder"]["msg"]


@pytest.mark.parametrize(
    "value",
    [
        {"code_type": "111"},
        {"code_type": "111", "code": ANQIU, "extra": 1},
        {"code_type": 111, "code": ANQIU},
        111,
    ],
)
def test_holder_code_rejects_bad_shapes(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(HolderCode).validate_python(value)
    assert caught.value.errors()[0]["type"] == "holder_code"


def test_json_schemas_are_strings_with_patterns() -> None:
    for value_type in (ResidentId, CreditCode):
        schema = TypeAdapter(value_type).json_schema()
        assert schema["type"] == "string"
        assert schema["pattern"]
        assert schema["description"]
        for example in schema["examples"]:
            assert value_type(example) == example
    holder = TypeAdapter(HolderCode)
    assert holder.json_schema(mode="serialization")["type"] == "string"
    variants = holder.json_schema(mode="validation")["anyOf"]
    assert [v["type"] for v in variants] == ["string", "object"]
    for example in holder.json_schema()["examples"]:
        assert HolderCode(example) == example


def test_values_survive_pickle_and_copy() -> None:
    for value in (ResidentId(ANQIU), CreditCode(ORG), HolderCode(f"111:{ANQIU}")):
        for clone in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value), copy.copy(value)):
            assert clone == value
            assert type(clone) is type(value)
    holder = pickle.loads(pickle.dumps(HolderCode(f"001:{ORG}")))
    assert holder.code == ORG
