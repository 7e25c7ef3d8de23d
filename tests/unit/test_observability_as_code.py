"""Alert rules and dashboards as code: they query only metrics the code exports, they parse,
the rules do what their unit tests (infra/prometheus/alerts_test.yml) say, and both keep the
conventions an on-call engineer relies on: a severity Alertmanager routes on, a runbook per
alert, dashboards that pick their datasource and namespace and link to each other."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from stack.lag.names import SAMPLE_NAMES
from tests.support.promql import (
    metric_names,
    rule_count,
    rule_file_expressions,
    selectors,
    variable_query_metric_names,
)

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "infra" / "prometheus"
PROMTOOL_SH = PROMETHEUS / "promtool.sh"
ALERTS = PROMETHEUS / "alerts.yml"
DASHBOARDS = REPO / "infra" / "grafana" / "dashboards"
DASHBOARD_UIDS = {
    "consumer-lag.json": "azora-consumer-lag",
    "services.json": "azora-services",
    "ingress.json": "azora-ingress",
}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
NAMESPACE_MATCHER = 'namespace=~"$namespace"'
RUNBOOKS = REPO / "docs" / "runbooks"
# Where runbook_url points until a deployment says where its docs are served.
RUNBOOK_BASE = "https://azora.invalid/"
ALERTMANAGER = REPO / "infra" / "alertmanager" / "alertmanager.yml"

# The modules that register the processes' metrics in prometheus_client's default registry.
METRIC_MODULES = ("azora.metrics", "producers.ingress.http_metrics", "consumers.tutor.gateway")
# The sample names each metric type writes, as exposed to Prometheus.
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "info": ("_info",),
    "stateset": ("",),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "unknown": ("",),
}
# Grafana's built-in interval variables, and a stand-in for every dashboard variable.
GRAFANA_INTERVALS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


# ------------------------------------------------------------------------------- helpers


def exported_sample_names() -> set[str]:
    """Every sample name Azora's processes expose, plus Prometheus's own `up`."""
    for module in METRIC_MODULES:
        importlib.import_module(module)
    names = {"up", *SAMPLE_NAMES}
    for family in REGISTRY.collect():
        names.update(f"{family.name}{suffix}" for suffix in SAMPLE_SUFFIXES[family.type])
        names.update(sample.name for sample in family.samples)
    return names


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DASHBOARDS.glob("*.json"))
    }


def panels(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those inside rows."""
    for panel in container.get("panels", []):
        yield panel
        yield from panels(panel)


def variable_queries(dashboard: dict[str, Any]) -> Iterator[str]:
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        yield query["query"] if isinstance(query, dict) else str(query)


def dashboard_queries() -> dict[str, list[str]]:
    """Per dashboard: the PromQL of every panel target, then of every variable query."""
    found: dict[str, list[str]] = {}
    for name, dashboard in dashboards().items():
        exprs = [
            target["expr"]
            for panel in panels(dashboard)
            for target in panel.get("targets", [])
            if target.get("expr")
        ]
        found[name] = exprs + [f"label_values:{q}" for q in variable_queries(dashboard)]
    return found


def names_in(query: str) -> set[str]:
    if query.startswith("label_values:"):
        return variable_query_metric_names(query.removeprefix("label_values:"))
    return metric_names(query)


def queried_metric_names() -> dict[str, set[str]]:
    """Per file (each dashboard and alerts.yml): the metric names its queries select."""
    per_file = {
        name: set().union(*(names_in(q) for q in queries))
        for name, queries in dashboard_queries().items()
    }
    per_file["alerts.yml"] = set().union(
        *(metric_names(e) for e in rule_file_expressions(ALERTS.read_text(encoding="utf-8")))
    )
    return per_file


def promtool() -> Path:
    located = subprocess.run(
        ["bash", str(PROMTOOL_SH), "path"], capture_output=True, text=True, check=True
    )
    binary = Path(located.stdout.strip())
    if not binary.is_file():
        pytest.fail(
            f"promtool is not installed at {binary}: `make promtool` installs it "
            "(taken from Debian's prometheus package)"
        )
    return binary


def as_promql(query: str) -> str:
    """A dashboard query as plain PromQL: Grafana's variables replaced by sample values."""
    if query.startswith("label_values:"):
        query = query.removeprefix("label_values:")
        inner = query[query.index("(") + 1 : query.rindex(")")]
        query = inner.rpartition(",")[0] if "," in inner else "up"
    for variable, value in GRAFANA_INTERVALS.items():
        query = query.replace(variable, value)
    for variable, value in (("$replay", "false"), ("$namespace", ".*"), ("$group", ".*")):
        query = query.replace(variable, value)
    return query.replace("$route", ".*")


# ---------------------------------------------------------------------- the metric check


def test_every_metric_a_dashboard_or_rule_queries_is_one_the_code_exports() -> None:
    per_file = queried_metric_names()
    exported = exported_sample_names()

    missing = {
        name: sorted(names - exported) for name, names in per_file.items() if names - exported
    }

    assert missing == {}
    assert set(per_file) == {*DASHBOARD_UIDS, "alerts.yml"}
    queried = set().union(*per_file.values())
    assert len(queried) >= 30, sorted(queried)
    for prefix in (
        "azora_consumergroup_",
        "azora_lag_exporter_",
        "azora_consumer_",
        "azora_outbox_",
        "azora_http_",
        "azora_ingress_",
        "azora_tutor_",
        "process_",
    ):
        assert any(name.startswith(prefix) for name in queried), prefix
    assert "up" in queried


def test_every_query_selects_at_least_one_metric() -> None:
    rules = rule_file_expressions(ALERTS.read_text(encoding="utf-8"))
    queries = [q for qs in dashboard_queries().values() for q in qs] + rules

    assert [q for q in queries if not names_in(q)] == []
    assert len(rules) == rule_count(ALERTS.read_text(encoding="utf-8")) >= 12


def test_the_exported_names_come_from_the_registry_and_the_lag_exporter() -> None:
    exported = exported_sample_names()

    assert {
        "azora_consumer_events_total",
        "azora_consumer_handler_seconds_bucket",
        "azora_outbox_depth",
        "azora_http_requests_total",
        "azora_tutor_model_seconds_count",
        "azora_consumergroup_lag_seconds",
        "process_resident_memory_bytes",
        "up",
    } <= exported
    assert "azora_consumer_events" not in exported  # a counter is exposed as _total


# ------------------------------------------------------------------------- the extractor


@pytest.mark.parametrize(
    ("promql", "names"),
    [
        (
            "histogram_quantile(0.99, sum by (le, group) "
            '(rate(azora_consumer_handler_seconds_bucket{group=~"$group"}[5m])))',
            {"azora_consumer_handler_seconds_bucket"},
        ),
        (
            'sum by (job) (rate(azora_http_requests_total{status=~"5.."}[5m]))\n'
            "  / sum by (job) (rate(azora_http_requests_total[$__rate_interval])) > 0.05",
            {"azora_http_requests_total"},
        ),
        ('up{job="azora-lag-exporter"} == 0 or absent(up{job="azora-lag-exporter"})', {"up"}),
        (
            "sum(increase(a_total[10m]) > 0 or (a_total > 0 unless a_total offset 10m)) by (g)",
            {"a_total"},
        ),
        (
            "time() - azora_lag_exporter_last_poll_timestamp_seconds > 1e3",
            {"azora_lag_exporter_last_poll_timestamp_seconds"},
        ),
        (
            "rate(x_total[5m]) * on (instance) group_left (role) info_metric",
            {"x_total", "info_metric"},
        ),
        ('label_replace(y, "dst", "$1", "src", "(.*)")', {"y"}),
        ("max_over_time(deriv(z[15m])[30m:1m])", {"z"}),
    ],
)
def test_the_extractor_finds_the_metric_names_of_a_query(promql: str, names: set[str]) -> None:
    assert metric_names(promql) == names


def test_the_extractor_reads_grafana_variable_queries() -> None:
    query = 'label_values(azora_consumergroup_total_lag_messages{replay=~"$replay"}, group)'

    assert variable_query_metric_names(query) == {"azora_consumergroup_total_lag_messages"}
    assert variable_query_metric_names("label_values(group)") == set()
    assert variable_query_metric_names("query_result(topk(5, foo_total))") == {"foo_total"}


def test_the_extractor_reads_every_expr_shape_of_a_rule_file() -> None:
    rules = """\
groups:
  - name: g
    rules:
      - alert: Block
        expr: |
          a_total > 0
          and
          b > 1
        for: 5m
      - record: job:c:sum
        expr: sum by (job) (c)  # a comment
      - alert: Quoted
        expr: 'd{x="y"} > 0'
"""
    assert rule_file_expressions(rules) == [
        "a_total > 0\nand\nb > 1",
        "sum by (job) (c)",
        'd{x="y"} > 0',
    ]
    assert rule_count(rules) == 3


# --------------------------------------------------------------------------- promtool


def test_promtool_checks_and_rule_tests_pass() -> None:
    promtool()

    result = subprocess.run(
        ["bash", str(PROMTOOL_SH), "check"], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    queries = [q for qs in dashboard_queries().values() for q in qs]
    rules = "groups:\n  - name: dashboard-queries\n    rules:\n" + "".join(
        f"      - record: azora:dashboard_query_{n}\n        expr: {json.dumps(as_promql(q))}\n"
        for n, q in enumerate(queries)
    )
    (tmp_path / "queries.yml").write_text(rules, encoding="utf-8")

    result = subprocess.run(
        [str(promtool()), "check", "rules", "queries.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


# ------------------------------------------------------------------------- dashboards


def test_every_dashboard_parses_with_a_stable_uid_and_an_azora_title() -> None:
    boards = dashboards()

    assert {name: board["uid"] for name, board in boards.items()} == DASHBOARD_UIDS
    for name, board in boards.items():
        assert board["title"].startswith("Azora — "), name
        assert board["schemaVersion"] == 39, name


def test_every_dashboard_has_unique_panel_ids() -> None:
    for name, board in dashboards().items():
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids)), name
        assert len(ids) >= 10, name


def test_every_panel_and_query_uses_the_prometheus_datasource() -> None:
    for name, board in dashboards().items():
        for panel in panels(board):
            assert panel.get("datasource") == DATASOURCE, (name, panel.get("title"))
            for target in panel.get("targets", []):
                assert target.get("datasource") == DATASOURCE, (name, panel["title"])
        for variable in board["templating"]["list"]:
            if variable["type"] == "query":
                assert variable["datasource"] == DATASOURCE, (name, variable["name"])


def test_the_consumer_lag_dashboard_has_group_and_replay_variables_and_named_statuses() -> None:
    board = dashboards()["consumer-lag.json"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    status_panels = [
        panel
        for panel in panels(board)
        if any("status_code" in t.get("expr", "") for t in panel.get("targets", []))
    ]

    assert set(variables) == {"datasource", "namespace", "group", "replay"}
    assert variables["replay"]["current"]["value"] == "false"  # replay groups hidden at first
    assert status_panels
    for panel in status_panels:
        (mapping,) = panel["fieldConfig"]["defaults"]["mappings"]
        texts = {value: option["text"] for value, option in mapping["options"].items()}
        assert texts == {"0": "OK", "1": "WARN", "2": "STALL", "3": "STOP", "4": "ERR"}


def test_every_dashboard_asks_for_its_datasource_and_namespace_and_the_group_where_it_has_one() -> (
    None
):
    wanted = {
        "consumer-lag.json": {"datasource", "namespace", "group"},
        "services.json": {"datasource", "namespace", "group"},
        "ingress.json": {"datasource", "namespace"},
    }
    for name, board in dashboards().items():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert wanted[name] <= set(variables), name
        assert variables["datasource"]["type"] == "datasource", name
        assert variables["datasource"]["query"] == "prometheus", name
        namespace = variables["namespace"]
        # All must also match series without the label (compose, a local Prometheus).
        assert (namespace["includeAll"], namespace["allValue"]) == (True, ".*"), name
        for variable in variables.values():
            if variable["type"] == "query" and variable["name"] != "namespace":
                query = variable["query"]["query"]
                assert NAMESPACE_MATCHER in query, (name, variable["name"])


def test_every_series_a_dashboard_selects_is_filtered_by_the_namespace_variable() -> None:
    unfiltered = [
        (name, metric, matchers)
        for name, queries in dashboard_queries().items()
        for query in queries
        if not query.startswith("label_values:")
        for metric, matchers in selectors(query)
        if NAMESPACE_MATCHER not in matchers
    ]
    counted = sum(
        len(selectors(query))
        for queries in dashboard_queries().values()
        for query in queries
        if not query.startswith("label_values:")
    )

    assert unfiltered == []
    assert counted >= 50


def test_the_dashboards_link_to_each_other_keeping_the_variables_and_the_time_range() -> None:
    boards = dashboards()
    for name, board in boards.items():
        (link,) = [link for link in board["links"] if link["type"] == "dashboards"]
        assert link["tags"] == ["azora"], name
        assert (link["includeVars"], link["keepTime"]) == (True, True), name
        assert "azora" in board["tags"], name
    data_links = [
        (name, link["url"])
        for name, board in boards.items()
        for panel in panels(board)
        for link in panel.get("fieldConfig", {}).get("defaults", {}).get("links", [])
    ]
    targets = {re.match(r"/d/([\w-]+)/", url).group(1) for _, url in data_links}  # type: ignore[union-attr]
    assert targets == {"azora-services", "azora-consumer-lag"}
    assert targets <= set(DASHBOARD_UIDS.values())
    for name, url in data_links:
        assert "${datasource:queryparam}&${namespace:queryparam}" in url, (name, url)
        assert url.endswith("&${__url_time_range}"), (name, url)
    assert {name for name, _ in data_links} == set(DASHBOARD_UIDS)


def test_a_selector_check_finds_a_series_without_the_namespace_matcher() -> None:
    query = 'sum by (le) (rate(a_bucket{namespace=~"$namespace"}[5m])) / b_total{job="x"}'

    missing = [m for m, matchers in selectors(query) if NAMESPACE_MATCHER not in matchers]

    assert missing == ["b_total"]


# ---------------------------------------------------------------------- alert conventions


def alert_rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


def test_every_alert_is_critical_or_warning_and_has_a_runbook_page_of_its_own() -> None:
    alerts = alert_rules()
    pages = {path.name for path in RUNBOOKS.glob("*.md")} - {"README.md"}

    for rule in alerts:
        name = rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}, name
        assert rule["annotations"]["runbook_url"] == f"{RUNBOOK_BASE}docs/runbooks/{name}.md"
    assert pages == {f"{rule['alert']}.md" for rule in alerts}
    assert len(alerts) >= 13


def test_every_runbook_says_what_the_alert_means_how_to_confirm_it_and_how_to_fix_it() -> None:
    index = (RUNBOOKS / "README.md").read_text(encoding="utf-8")

    for rule in alert_rules():
        name = rule["alert"]
        page = (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")
        headings = re.findall(r"^## (.+)$", page, flags=re.MULTILINE)
        assert page.startswith(f"# {name}\n"), name
        assert headings == ["What it means", "How to confirm", "How to fix"], name
        assert f"**Severity:** {rule['labels']['severity']}." in page, name
        assert f"[{name}.md]({name}.md)" in index, name


def test_alertmanager_has_a_route_for_every_severity_the_rules_use() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text(encoding="utf-8"))
    routed = {
        re.fullmatch(r'severity="(\w+)"', matcher).group(1): route["receiver"]  # type: ignore[union-attr]
        for route in config["route"]["routes"]
        for matcher in route["matchers"]
    }
    used = {rule["labels"]["severity"] for rule in alert_rules()}

    assert used == set(routed) == {"critical", "warning"}
    assert {r["name"] for r in config["receivers"]} == set(routed.values())
