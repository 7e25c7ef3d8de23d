"""The shipped alerting configuration, rendered for a test: the same rules, routes and
scrape jobs, with every duration divided by one factor (a rule's `for: 5m` and its `[15m]`
windows become `5s` and `[15s]` at 60) and addresses moved to the test's processes.

Only durations and addresses change: expressions, thresholds, labels, annotations, routes,
grouping and inhibitions are the files' own, so what fires here fires in production.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "infra" / "prometheus" / "alerts.yml"
PROMETHEUS = REPO / "infra" / "prometheus" / "prometheus.yml"
ALERTMANAGER = REPO / "infra" / "alertmanager" / "alertmanager.yml"

# The ports of the shipped prometheus.yml: `azora run`'s (ingress HTTP port, the metrics
# port base its other children count up from) and Alertmanager's.
SHIPPED_INGRESS_PORT = 8000
SHIPPED_METRICS_BASE = 9101
SHIPPED_ALERTMANAGER_PORT = 9093

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION = re.compile(r"(\d+)(ms|[smhdwy])")
# Where a rule file holds durations: `for:`, range selectors and subqueries, `offset`.
_FOR = re.compile(r"^(\s*for:\s*)(\S+)\s*$", re.MULTILINE)
_RANGE = re.compile(r"\[(\d+(?:ms|[smhdwy]))(?::(\d+(?:ms|[smhdwy])))?\]")
_OFFSET = re.compile(r"\boffset\s+(\d+(?:ms|[smhdwy]))")


def seconds(duration: str) -> float:
    """A Prometheus duration ("1h30m", "5m", "0s") in seconds."""
    parts = _DURATION.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def scaled(duration: str, factor: float) -> str:
    """`duration` divided by `factor`, in whole seconds (at least 1s unless it was 0)."""
    value = seconds(duration)
    if value == 0:
        return "0s"
    return f"{max(1, math.ceil(value / factor))}s"


def scaled_rules(text: str, factor: float) -> str:
    """A rule file with every `for:`, range and offset divided by `factor`."""
    text = _FOR.sub(lambda m: f"{m.group(1)}{scaled(m.group(2), factor)}", text)
    text = _RANGE.sub(lambda m: _scaled_range(m, factor), text)
    return _OFFSET.sub(lambda m: f"offset {scaled(m.group(1), factor)}", text)


def _scaled_range(match: re.Match[str], factor: float) -> str:
    window = scaled(match.group(1), factor)
    step = match.group(2)
    return f"[{window}:{scaled(step, factor)}]" if step else f"[{window}]"


def scaled_alertmanager(text: str, factor: float, webhook_url: str) -> str:
    """The Alertmanager config with its route timings divided by `factor` and every receiver
    given one webhook, `<webhook_url>/<receiver name>`, told about resolutions too."""
    config: dict[str, Any] = yaml.safe_load(text)
    _scale_route(config["route"], factor)
    for receiver in config["receivers"]:
        receiver["webhook_configs"] = [
            {"url": f"{webhook_url}/{receiver['name']}", "send_resolved": True}
        ]
    return yaml.safe_dump(config, sort_keys=False)


def _scale_route(route: dict[str, Any], factor: float) -> None:
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in route:
            route[key] = scaled(route[key], factor)
    for child in route.get("routes", []):
        _scale_route(child, factor)


def prometheus_config(
    text: str,
    *,
    rules: Path,
    ingress_port: int,
    metrics_base: int,
    alertmanager_port: int,
    scrape_interval: str = "2s",
    evaluation_interval: str = "1s",
) -> str:
    """The shipped prometheus.yml pointed at a stack started with `ingress_port` and
    `metrics_base`, an Alertmanager on `alertmanager_port`, the rendered `rules`, scraping
    every `scrape_interval` (each scrape may take as long: a busy machine answers slowly, and
    a failed scrape would reset every pending alert of its target) and evaluating every
    `evaluation_interval`."""
    config: dict[str, Any] = yaml.safe_load(text)
    config["global"] = {
        **config.get("global", {}),
        "scrape_interval": scrape_interval,
        "scrape_timeout": scrape_interval,
        "evaluation_interval": evaluation_interval,
    }
    config["rule_files"] = [str(rules)]
    for job in config["scrape_configs"]:
        for group in job["static_configs"]:
            group["targets"] = [
                _moved(t, ingress_port, metrics_base, alertmanager_port) for t in group["targets"]
            ]
    for manager in config["alerting"]["alertmanagers"]:
        for group in manager["static_configs"]:
            group["targets"] = [
                _moved(t, ingress_port, metrics_base, alertmanager_port) for t in group["targets"]
            ]
    return yaml.safe_dump(config, sort_keys=False)


def _moved(target: str, ingress_port: int, metrics_base: int, alertmanager_port: int) -> str:
    host, _, port_text = target.rpartition(":")
    port = int(port_text)
    if port == SHIPPED_INGRESS_PORT:
        return f"{host}:{ingress_port}"
    if port == SHIPPED_ALERTMANAGER_PORT:
        return f"{host}:{alertmanager_port}"
    if SHIPPED_METRICS_BASE < port <= SHIPPED_METRICS_BASE + 8:
        return f"{host}:{metrics_base + port - SHIPPED_METRICS_BASE}"
    raise ValueError(f"the shipped prometheus.yml has a target this test cannot move: {target}")
