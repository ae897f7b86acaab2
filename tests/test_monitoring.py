"""deploy/monitoring/: the alert rules and the dashboard load, parse as PromQL (promql-parser,
a port of Prometheus' own parser) and only use metrics the app exports, so they cannot drift
from bot/metrics.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from bot.metrics import Metrics

MONITORING = Path(__file__).resolve().parents[1] / "deploy" / "monitoring"
# docs/operations.md says what each means and what to do, under these names.
ALERT_NAMES = frozenset(
    {
        "ReadinessDeadLetters",
        "ReadinessRateLimitLow",
        "ReadinessQueueGrowing",
        "ReadinessNoDeliveries",
    }
)
# The fields Prometheus accepts (it refuses a rule file with any other).
GROUP_KEYS = frozenset({"name", "interval", "limit", "query_offset", "rules"})
ALERT_KEYS = frozenset({"alert", "expr", "for", "keep_firing_for", "labels", "annotations"})
SEVERITIES = frozenset({"critical", "warning", "info"})
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")


def sample_names(metrics: Metrics) -> frozenset[str]:
    """Name every series a scrape of this registry can hold (`_total`, `_bucket`… included)."""
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum")}
    return frozenset(
        f"{family.name}{suffix}"
        for family in metrics.registry.collect()
        for suffix in suffixes.get(family.type, ("",))
    )


EXPORTED = sample_names(Metrics())


def metric_names(expr: str) -> set[str]:
    """Parse one PromQL expression (raising ValueError when it is invalid); name what it reads."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"a selector without a metric name: {node}"
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    board = json.loads((MONITORING / "dashboard.json").read_text(encoding="utf-8"))
    return [t["expr"] for p in board["panels"] for t in p.get("targets", ())]


def test_alert_rules_have_prometheus_structure() -> None:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    groups = document["groups"]
    assert groups and len({g["name"] for g in groups}) == len(groups)
    for group in groups:
        assert set(group) <= GROUP_KEYS and isinstance(group["name"], str) and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= ALERT_KEYS and {"alert", "expr"} <= set(rule), rule
            assert DURATION.match(str(rule.get("for", "0s"))), rule["alert"]
            assert all(isinstance(v, str) for v in rule["labels"].values())
            assert rule["labels"]["severity"] in SEVERITIES
            assert {"summary", "description"} <= set(rule["annotations"])
    assert {rule["alert"] for rule in rules()} == ALERT_NAMES


@pytest.mark.parametrize("rule", rules(), ids=lambda r: str(r["alert"]))
def test_each_alert_parses_and_reads_exported_metrics(rule: dict[str, Any]) -> None:
    used = metric_names(rule["expr"])
    assert used and used <= EXPORTED, used - EXPORTED


def test_the_dashboard_queries_parse_and_cover_every_metric() -> None:
    """Every panel reads exported metrics, and every readiness_ metric has a panel."""
    board = json.loads((MONITORING / "dashboard.json").read_text(encoding="utf-8"))
    assert board["title"] and board["uid"] and board["panels"]
    ids = [p["id"] for p in board["panels"]]
    assert len(set(ids)) == len(ids)
    used: set[str] = set()
    for query in dashboard_queries():
        names = metric_names(query)
        assert names and names <= EXPORTED, (query, names - EXPORTED)
        used |= names
    families = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in used}
    exported = {n for n in EXPORTED if n.startswith("readiness_") and not n.endswith("_created")}
    missing = {n for n in exported if re.sub(r"_(total|bucket|count|sum)$", "", n) not in families}
    assert not missing


def test_a_metric_the_app_does_not_export_is_caught() -> None:
    """The check above would fail on a typo, and on a query Prometheus could not parse."""
    assert not metric_names("rate(readiness_delivery_total[5m])") <= EXPORTED
    with pytest.raises(ValueError):
        metric_names("sum(rate(readiness_deliveries_total[5m])")
