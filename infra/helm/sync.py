"""Copy what the chart carries from infra/ into helm/azora/files, and write the partitions
each consumer group can split between its members and the catalogue's topics. Helm reads
only files inside the chart, so the alert rules and the dashboards live there as copies, and
the Alertmanager routes of infra/alertmanager/alertmanager.yml as an AlertmanagerConfig's
spec (prometheus-operator's spelling of the same routes); tests/unit/test_deployment_as_code.py
holds them identical.

    python infra/helm/sync.py          (or `make helm-sync`)
"""

from __future__ import annotations

import re
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "azora"
FILES = CHART / "files"
ALERTS = REPO / "infra" / "prometheus" / "alerts.yml"
DASHBOARDS = REPO / "infra" / "grafana" / "dashboards"
ALERTMANAGER = REPO / "infra" / "alertmanager" / "alertmanager.yml"

PARTITIONS_HEADER = """\
# Written by `make helm-sync` (infra/helm/sync.py) from the topic catalogue
# (schemas/catalogue.py) and each consumer group's subscriptions: the fewest partitions of
# any topic the group works on (its dead-letter topics, one partition of failures each, left
# out). The chart refuses more replicas than this: a member beyond it would get no partition
# of that topic, so not every replica would share the work. Do not edit; a test compares it
# with the code.
"""


def copies() -> dict[Path, Path]:
    """Each file the chart carries, by its source in infra/."""
    pairs = {ALERTS: FILES / "alerts.yml"}
    for dashboard in sorted(DASHBOARDS.glob("*.json")):
        pairs[dashboard] = FILES / "dashboards" / dashboard.name
    return pairs


ALERTMANAGER_CONFIG_HEADER = """\
# Written by `make helm-sync` (infra/helm/sync.py) from infra/alertmanager/alertmanager.yml:
# its routes, inhibitions and receivers as an AlertmanagerConfig (monitoring.coreos.com/v1alpha1)
# spells them. templates/alertmanagerconfig.yaml gives the receivers their integrations from
# values. Do not edit; a test compares it with the source.
"""
# Alertmanager's matcher syntax: name, operator, quoted value.
_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:\\.|[^"\\])*)"\s*$')
_DURATIONS = {"group_wait": "groupWait", "group_interval": "groupInterval"}


def crd_matchers(matchers: list[str]) -> list[dict[str, str]]:
    """Alertmanager's `name="value"` matchers as AlertmanagerConfig's objects."""
    found = []
    for matcher in matchers:
        parsed = _MATCHER.match(matcher)
        if parsed is None:
            raise ValueError(f"cannot read the matcher {matcher!r}")
        name, operator, value = parsed.groups()
        found.append({"name": name, "value": value.replace('\\"', '"'), "matchType": operator})
    return found


def crd_route(route: dict[str, Any]) -> dict[str, Any]:
    """An alertmanager.yml route (and its children) as an AlertmanagerConfig route."""
    known = {"receiver", "group_by", "group_wait", "group_interval", "repeat_interval"}
    known |= {"matchers", "routes", "continue"}
    if set(route) - known:
        raise ValueError(f"no AlertmanagerConfig spelling for {sorted(set(route) - known)}")
    out: dict[str, Any] = {"receiver": route["receiver"]}
    if "group_by" in route:
        out["groupBy"] = list(route["group_by"])
    for key, crd_key in {**_DURATIONS, "repeat_interval": "repeatInterval"}.items():
        if key in route:
            out[crd_key] = route[key]
    if "matchers" in route:
        out["matchers"] = crd_matchers(route["matchers"])
    if route.get("continue"):
        out["continue"] = True
    if "routes" in route:
        out["routes"] = [crd_route(child) for child in route["routes"]]
    return out


def alertmanager_config_spec(config: dict[str, Any]) -> dict[str, Any]:
    """The spec of an AlertmanagerConfig that routes as `config` (alertmanager.yml) does."""
    return {
        "route": crd_route(config["route"]),
        "inhibitRules": [
            {
                "sourceMatch": crd_matchers(rule["source_matchers"]),
                "targetMatch": crd_matchers(rule["target_matchers"]),
                "equal": list(rule.get("equal", [])),
            }
            for rule in config.get("inhibit_rules", [])
        ],
        "receivers": [{"name": receiver["name"]} for receiver in config["receivers"]],
    }


def alertmanager_config_yaml() -> str:
    config = yaml.safe_load(ALERTMANAGER.read_text(encoding="utf-8"))
    body = yaml.safe_dump(alertmanager_config_spec(config), sort_keys=False, width=100)
    return ALERTMANAGER_CONFIG_HEADER + body


def group_partitions() -> dict[str, int]:
    """Per `azora consume <role>`: the fewest partitions of a topic its consumer group works on."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from azora.settings import Settings
    from stack import composition

    found: dict[str, int] = {}
    # Only the subscriptions are read: throwaway keys let identity and payments be built.
    settings = Settings(
        env="development",
        secret_key=secrets.token_urlsafe(48),
        payment_sealing_key=secrets.token_urlsafe(48),
    )
    for role, services in composition.services(settings).items():
        found[role] = min(spec.partitions for service in services for spec in service.topics)
    return found


TOPICS_HEADER = """\
# Written by `make helm-sync` (infra/helm/sync.py) from the topic catalogue
# (schemas/catalogue.py): every topic and dead-letter topic with its partitions and configs,
# as `azora topics apply` creates them. templates/kafkatopics.yaml renders them as Strimzi
# KafkaTopics (strimziTopics.enabled). Do not edit; a test compares it with the code.
"""


def topics_yaml() -> str:
    """The catalogue's topics (without the deployment's prefix) as the chart reads them."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from azora.topic_setup import desired_topics
    from azora.topics import TopicNames

    lines = [TOPICS_HEADER, "topics:\n"]
    for topic in desired_topics(TopicNames()):
        lines += [f"  - name: {topic.name}\n", f"    partitions: {topic.partitions}\n"]
        lines.append("    config:\n")
        lines += [f'      {key}: "{value}"\n' for key, value in sorted(topic.configs.items())]
    return "".join(lines)


def partitions_yaml() -> str:
    lines = [PARTITIONS_HEADER, "groups:\n"]
    lines += [f"  {role}: {count}\n" for role, count in sorted(group_partitions().items())]
    return "".join(lines)


def sync() -> list[str]:
    """Bring helm/azora/files up to date; return what changed."""
    changed = []
    wanted = copies()
    for stale in (FILES / "dashboards").glob("*.json"):
        if stale not in wanted.values():
            stale.unlink()
            changed.append(f"removed {stale.relative_to(REPO)}")
    for source, copy in wanted.items():
        if not copy.exists() or copy.read_bytes() != source.read_bytes():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
            changed.append(f"copied {source.relative_to(REPO)}")
    for written, text in (
        (FILES / "partitions.yaml", partitions_yaml()),
        (FILES / "alertmanagerconfig.yaml", alertmanager_config_yaml()),
        (FILES / "topics.yaml", topics_yaml()),
    ):
        if not written.exists() or written.read_text(encoding="utf-8") != text:
            written.write_text(text, encoding="utf-8")
            changed.append(f"wrote {written.relative_to(REPO)}")
    return changed


if __name__ == "__main__":
    for change in sync():
        print(f"helm-sync: {change}")
    print("helm-sync: helm/azora/files is up to date")
