"""The alerting test renders the shipped configuration with shorter durations and its own
addresses, and changes nothing else: the rules, routes and scrape jobs it runs are the ones
compose and Helm ship."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import alerting

REPO = Path(__file__).resolve().parents[2]
DURATION = re.compile(r"\b\d+(?:ms|[smhdwy])\b")


def tool(script: str, command: str = "path") -> Path:
    located = subprocess.run(
        ["bash", str(REPO / script), command], capture_output=True, text=True, check=True
    )
    binary = Path(located.stdout.strip())
    if not binary.exists():
        pytest.fail(f"{binary} is missing: `make promtool` / `make alerting` install it")
    return binary


def rules_of(text: str) -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]


@pytest.mark.parametrize(
    ("duration", "factor", "expected"),
    [
        ("5m", 60, "5s"),
        ("15m", 60, "15s"),
        ("30s", 60, "1s"),
        ("0m", 60, "0s"),
        ("1h30m", 60, "90s"),
    ],
)
def test_a_duration_is_divided_into_whole_seconds(
    duration: str, factor: int, expected: str
) -> None:
    assert alerting.scaled(duration, factor) == expected


def test_something_that_is_not_a_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        alerting.seconds("5 minutes")


def test_the_rendered_rules_differ_from_the_shipped_ones_only_in_their_durations() -> None:
    shipped = alerting.ALERTS.read_text(encoding="utf-8")

    rendered = alerting.scaled_rules(shipped, 60)

    before, after = rules_of(shipped), rules_of(rendered)
    assert [r["alert"] for r in after] == [r["alert"] for r in before]
    for old, new in zip(before, after, strict=True):
        assert new["labels"] == old["labels"]
        assert new["annotations"] == old["annotations"]
        assert DURATION.sub("D", new["expr"]) == DURATION.sub("D", old["expr"])
        assert alerting.seconds(new["for"]) * 60 == alerting.seconds(old["for"])
    assert "[15s]" in rendered
    assert "offset 10s" in rendered


def test_the_rendered_rules_pass_promtool(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yml"
    rules.write_text(alerting.scaled_rules(alerting.ALERTS.read_text(encoding="utf-8"), 60))

    checked = subprocess.run(
        [str(tool("infra/prometheus/promtool.sh")), "check", "rules", str(rules)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_rendered_alertmanager_config_routes_as_shipped_to_one_webhook_each(
    tmp_path: Path,
) -> None:
    shipped = yaml.safe_load(alerting.ALERTMANAGER.read_text(encoding="utf-8"))
    text = alerting.scaled_alertmanager(
        alerting.ALERTMANAGER.read_text(encoding="utf-8"), 60, "http://127.0.0.1:1"
    )
    (tmp_path / "alertmanager.yml").write_text(text)

    rendered = yaml.safe_load(text)
    amtool = tool("infra/alertmanager/alertmanager.sh", "amtool")
    checked = subprocess.run(
        [str(amtool), "check-config", str(tmp_path / "alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert rendered["inhibit_rules"] == shipped["inhibit_rules"]
    assert rendered["route"]["group_by"] == shipped["route"]["group_by"]
    assert [(r["receiver"], r["matchers"]) for r in rendered["route"]["routes"]] == [
        (r["receiver"], r["matchers"]) for r in shipped["route"]["routes"]
    ]
    assert (rendered["route"]["group_wait"], rendered["route"]["group_interval"]) == ("1s", "5s")
    assert [r["webhook_configs"] for r in rendered["receivers"]] == [
        [{"url": f"http://127.0.0.1:1/{r['name']}", "send_resolved": True}]
        for r in shipped["receivers"]
    ]


def test_the_rendered_prometheus_config_keeps_the_jobs_and_moves_the_ports(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "alerts.yml"
    rules.write_text(alerting.ALERTS.read_text(encoding="utf-8"))
    shipped = yaml.safe_load(alerting.PROMETHEUS.read_text(encoding="utf-8"))
    text = alerting.prometheus_config(
        alerting.PROMETHEUS.read_text(encoding="utf-8"),
        rules=rules,
        ingress_port=18000,
        metrics_base=30000,
        alertmanager_port=19093,
    )
    (tmp_path / "prometheus.yml").write_text(text)

    rendered = yaml.safe_load(text)
    checked = subprocess.run(
        [str(tool("infra/prometheus/promtool.sh")), "check", "config", "prometheus.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    jobs = {job["job_name"]: job["static_configs"] for job in rendered["scrape_configs"]}
    assert set(jobs) == {job["job_name"] for job in shipped["scrape_configs"]}
    assert jobs["azora-ingress"][0]["targets"] == ["127.0.0.1:18000"]
    assert {g["labels"]["role"]: g["targets"] for g in jobs["azora-consumer"]}["identity"] == [
        "127.0.0.1:30001"
    ]
    assert jobs["azora-lag-exporter"][0]["targets"] == ["127.0.0.1:30008"]
    (manager,) = rendered["alerting"]["alertmanagers"]
    assert manager["static_configs"] == [{"targets": ["127.0.0.1:19093"]}]
    assert rendered["global"]["evaluation_interval"] == "1s"


def test_a_shipped_target_the_renderer_cannot_place_is_refused(tmp_path: Path) -> None:
    text = alerting.PROMETHEUS.read_text(encoding="utf-8").replace("127.0.0.1:9104", "10.0.0.1:7")

    with pytest.raises(ValueError, match=re.escape("10.0.0.1:7")):
        alerting.prometheus_config(
            text, rules=tmp_path / "r.yml", ingress_port=1, metrics_base=2, alertmanager_port=3
        )
