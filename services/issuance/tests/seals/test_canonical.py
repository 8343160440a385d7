"""canonical_json: RFC 8785 (JCS) for strings, ints, bools, null, objects and arrays."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzheng.issuance.seals import CanonicalFormError, canonical_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def test_no_whitespace_sorted_keys_utf8() -> None:
    obj = {"b": [1, True, None, "证照"], "a": {"d": -5, "c": False}}
    assert canonical_json(obj) == '{"a":{"c":false,"d":-5},"b":[1,true,null,"证照"]}'.encode()


def test_key_order_and_whitespace_do_not_change_the_output() -> None:
    compact = '{"holder":{"name":"张三","code":"110101"},"serial":"A-1","valid":true}'
    spread = """
        { "valid" : true,
          "serial": "A-1",
          "holder": { "code": "110101",   "name": "张三" } }
    """
    assert canonical_json(json.loads(compact)) == canonical_json(json.loads(spread))


def test_rfc8785_property_sorting_uses_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the emoji (surrogates D83D DE00) sorts before U+FB33, unlike
    # code-point order.
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(obj) == expected.encode("utf-8")


def test_rfc8785_string_escaping() -> None:
    # RFC 8785 §3.2.2.2 example: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    value = '\u20ac$\u000f\nA\'B"\\\\"/'
    assert canonical_json(value) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()


def test_rfc8785_literals() -> None:
    assert canonical_json([None, True, False, 0, -0, 9007199254740991]) == (
        b"[null,true,false,0,0,9007199254740991]"
    )


def test_tuples_are_arrays() -> None:
    assert canonical_json({"a": (1, 2)}) == b'{"a":[1,2]}'


@pytest.mark.parametrize(
    "bad",
    [
        1.5,
        1.0,
        float("nan"),
        {"amount": 12.5},
        2**53,
        -(2**53),
        {1: "int key"},
        "\ud800",
        {"when": datetime(2024, 1, 1, tzinfo=UTC)},
        b"bytes",
        {1, 2},
    ],
)
def test_values_without_a_canonical_form_are_rejected(bad: Any) -> None:
    with pytest.raises(CanonicalFormError):
        canonical_json(bad)


def test_error_names_the_path() -> None:
    with pytest.raises(CanonicalFormError, match=r"\$\.fields\.area\[1\]"):
        canonical_json({"fields": {"area": [1, 2.5]}})


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    deep: Any = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(CanonicalFormError, match="deeper"):
        canonical_json(deep)


@given(json_values)
def test_output_parses_back_to_the_same_value(value: Any) -> None:
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded  # idempotent


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6), st.randoms())
def test_insertion_order_is_irrelevant(obj: dict[str, Any], rnd: Any) -> None:
    items = list(obj.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(obj)
