"""The Grafana dashboard and the Prometheus alerts read only metrics the code defines (or
documents for the services to expose), every such metric is on the dashboard, and
docs/operations.md names each one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from wuzheng.service import _metrics as event_path
from wuzheng.service.metrics import DOMAIN_METRICS
from wuzheng.web import HTTP_LATENCY, HTTP_REQUESTS

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "wuzheng.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yaml"
OPERATIONS = ROOT / "docs" / "operations.md"

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("_sum", "_count", "_created", ""),
}
_METRIC = re.compile(r"\b(wuzheng_[a-z0-9_]+)\b")


def _families(collectors: Iterable[Collector]) -> dict[str, str]:
    """Family name → type of what these collectors expose."""
    found = {}
    for collector in collectors:
        describe = getattr(collector, "describe", None)
        for family in describe() if describe else collector.collect():
            found[family.name] = family.type
    return found


def code_families() -> dict[str, str]:
    """Every metric family the kit's code defines: requests, latency, event path."""
    defined = [
        value
        for value in vars(event_path).values()
        if isinstance(value, MetricWrapperBase | event_path.EventPathCollector)
    ]
    return _families([HTTP_REQUESTS, HTTP_LATENCY, *defined])


def documented_families() -> dict[str, str]:
    """The domain metrics services must expose (wuzheng.service.metrics.DOMAIN_METRICS)."""
    return {spec.base_name: spec.kind for spec in DOMAIN_METRICS}


def exposed_names() -> set[str]:
    names = set()
    for family, kind in {**code_families(), **documented_families()}.items():
        names |= {family + suffix for suffix in _SUFFIXES[kind]}
    return names


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panel_exprs() -> list[tuple[str, str]]:
    exprs = []
    for panel in dashboard()["panels"]:
        if panel["type"] == "row":
            continue
        assert panel.get("targets"), f"panel {panel['title']!r} queries nothing"
        exprs += [(panel["title"], target["expr"]) for target in panel["targets"]]
    return exprs


def test_the_metrics_the_code_defines_are_found() -> None:
    families = code_families()
    assert families["wuzheng_http_requests"] == "counter"
    assert families["wuzheng_http_request_duration_seconds"] == "histogram"
    for name in (
        "wuzheng_outbox_backlog",
        "wuzheng_outbox_publish_failures",
        "wuzheng_consumer_pending",
        "wuzheng_consumer_redeliveries",
        "wuzheng_dead_letters",
        "wuzheng_dead_letters_unreplayed",
    ):
        assert name in families, name
    assert "wuzheng_verification_results_total" in exposed_names()
    assert "wuzheng_dispute_sla_breaches_total" in exposed_names()


def test_dashboard_is_grafana_json_whose_panels_read_known_metrics() -> None:
    board = dashboard()
    assert board["uid"] == "wuzheng-mesh"
    assert board["schemaVersion"] >= 36
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    known = exposed_names()
    unknown = []
    for title, expr in panel_exprs():
        names = _METRIC.findall(expr)
        assert names, f"{title!r}: {expr} names no wuzheng metric"
        unknown += [f"{title!r}: {name}" for name in names if name not in known]
    assert not unknown, "\n".join(unknown)
    variables = {variable["name"] for variable in board["templating"]["list"]}
    for _, expr in panel_exprs():
        for used in re.findall(r"\$(\w+)", expr):
            assert used in variables or used.startswith("__"), used


def test_every_metric_is_on_the_dashboard() -> None:
    shown = {name for _, expr in panel_exprs() for name in _METRIC.findall(expr)}
    for family, kind in {**code_families(), **documented_families()}.items():
        candidates = {family + suffix for suffix in _SUFFIXES[kind]}
        assert candidates & shown, f"{family} is on no panel of {DASHBOARD.name}"


def test_alerts_read_known_metrics() -> None:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    known = exposed_names()
    count = 0
    for group in rules["groups"]:
        for rule in group["rules"]:
            names = _METRIC.findall(rule["expr"])
            assert names, rule["alert"]
            assert set(names) <= known, (rule["alert"], set(names) - known)
            assert rule["annotations"]["summary"]
            count += 1
    assert count >= 6


def test_operations_guide_documents_every_metric() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    for family, kind in {**code_families(), **documented_families()}.items():
        exposed = family + ("_total" if kind == "counter" else "")
        assert exposed in text, f"docs/operations.md does not document {exposed}"
    for spec in DOMAIN_METRICS:
        assert "{" + ",".join(spec.labels) + "}" in text, spec.name
