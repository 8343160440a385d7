"""W3C trace context."""

from __future__ import annotations

import pytest

from wuzheng.contracts.tracing import (
    TraceContext,
    current_or_new_trace,
    current_trace,
    reset_trace,
    set_trace,
)


def test_new_context_is_well_formed() -> None:
    context = TraceContext.new()
    assert TraceContext.parse(context.traceparent) == context
    assert len(context.trace_id) == 32


@pytest.mark.parametrize(
    "value", [None, "", "00-xyz", "01-" + "a" * 32 + "-" + "b" * 16 + "-01", "garbage"]
)
def test_malformed_headers_are_ignored(value: str | None) -> None:
    assert TraceContext.parse(value) is None


def test_parse_normalises_case_and_keeps_state() -> None:
    header = "00-" + "A" * 32 + "-" + "B" * 16 + "-01"
    context = TraceContext.parse(f" {header} ", "vendor=1")
    assert context is not None
    assert context.traceparent == header.lower()
    assert context.headers() == {"traceparent": header.lower(), "tracestate": "vendor=1"}


def test_child_keeps_the_trace_and_changes_the_span() -> None:
    parent = TraceContext.new()
    child = parent.child()
    assert child.trace_id == parent.trace_id
    assert child.traceparent != parent.traceparent
    assert child.traceparent.endswith("-01")


def test_context_variable() -> None:
    assert current_trace() is None
    fresh = current_or_new_trace()
    assert current_trace() is None
    token = set_trace(fresh)
    try:
        assert current_trace() is fresh
        assert current_or_new_trace() is fresh
    finally:
        reset_trace(token)
    assert current_trace() is None
