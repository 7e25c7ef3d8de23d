"""`azora run --instances`: how many processes of each role, and on which metrics ports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stack import composition
from stack.supervisor import CONSUMER_ROLES, InstancesError, parse_instances, plan

PROMETHEUS = Path(__file__).resolve().parents[2] / "infra" / "prometheus" / "prometheus.yml"


def test_a_number_alone_gives_every_consumer_role_that_many_instances() -> None:
    assert parse_instances(["2"]) == dict.fromkeys(CONSUMER_ROLES, 2)


def test_a_role_may_have_its_own_count_and_later_values_win() -> None:
    counts = parse_instances(["2", "wallet=3", "relay=2", "tutor=1"])

    assert counts["wallet"] == 3
    assert counts["relay"] == 2
    assert counts["tutor"] == 1
    assert counts["identity"] == 2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ingress=2", "cannot be scaled"),
        ("lag-exporter=2", "cannot be scaled"),
        ("walet=2", "cannot be scaled"),
        ("wallet=0", "from 1 to 16"),
        ("wallet=17", "from 1 to 16"),
        ("wallet=two", "whole number"),
        ("", "whole number"),
    ],
)
def test_an_instance_count_that_makes_no_sense_is_refused(value: str, reason: str) -> None:
    with pytest.raises(InstancesError, match=reason):
        parse_instances([value])


def test_the_consumer_roles_run_starts_are_the_roles_the_composition_root_knows() -> None:
    assert set(CONSUMER_ROLES) == set(composition.ROLES)


def test_one_instance_of_each_runs_when_nothing_is_asked() -> None:
    children = plan([], {}, 9101)

    assert [c.name for c in children] == [
        "ingress",
        *CONSUMER_ROLES,
        "relay",
        "lag-exporter",
    ]


def test_the_first_instances_keep_the_ports_the_sample_prometheus_config_scrapes() -> None:
    scraped: dict[str, int] = {}
    for job in yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]:
        for static in job["static_configs"]:
            for target in static["targets"]:
                name = static.get("labels", {}).get("role") or job["job_name"].removeprefix(
                    "azora-"
                )
                scraped[name] = int(target.rpartition(":")[2])

    children = {c.name: c for c in plan([], parse_instances(["3", "relay=2"]), 9101)}

    for name, port in scraped.items():
        if name != "ingress":
            assert children[name].metrics_port == port, name


def test_further_instances_share_the_command_and_get_ports_of_their_own() -> None:
    children = plan(["--port", "8001"], parse_instances(["wallet=3", "relay=2"]), 9101)
    by_name = {c.name: c for c in children}

    assert by_name["wallet#2"].args == by_name["wallet#3"].args == ("consume", "wallet")
    assert by_name["relay#2"].args == ("relay",)
    assert by_name["ingress"].args == ("ingress", "--port", "8001")
    assert by_name["ingress"].metrics_port is None
    ports = [c.metrics_port for c in children if c.metrics_port is not None]
    assert len(ports) == len(set(ports)) == len(children) - 1
    assert min(by_name[n].metrics_port or 0 for n in ("wallet#2", "wallet#3", "relay#2")) > max(
        c.metrics_port or 0 for c in children if "#" not in c.name
    )
