"""Copy what the chart carries from infra/ into helm/azora/files, and write the partitions
each consumer group reads. Helm reads only files inside the chart, so the alert rules and the
dashboards live there as copies; tests/unit/test_deployment_as_code.py holds them identical.

    python infra/helm/sync.py          (or `make helm-sync`)
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "azora"
FILES = CHART / "files"
ALERTS = REPO / "infra" / "prometheus" / "alerts.yml"
DASHBOARDS = REPO / "infra" / "grafana" / "dashboards"

PARTITIONS_HEADER = """\
# Written by `make helm-sync` (infra/helm/sync.py) from the topic catalogue
# (schemas/catalogue.py) and each consumer group's subscriptions: the most partitions of any
# topic the group reads. The chart refuses more replicas than this: a member beyond it would
# get no partition at all. Do not edit; a test compares it with the code.
"""


def copies() -> dict[Path, Path]:
    """Each file the chart carries, by its source in infra/."""
    pairs = {ALERTS: FILES / "alerts.yml"}
    for dashboard in sorted(DASHBOARDS.glob("*.json")):
        pairs[dashboard] = FILES / "dashboards" / dashboard.name
    return pairs


def group_partitions() -> dict[str, int]:
    """Per `azora consume <role>`: the most partitions of a topic its consumer group reads."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from azora.kafka import desired_topics
    from azora.settings import Settings
    from azora.topics import TopicNames
    from stack import composition

    names = TopicNames()
    partitions = {topic.name: topic.partitions for topic in desired_topics(names)}
    found: dict[str, int] = {}
    # Only the subscriptions are read: a throwaway key lets identity be built.
    settings = Settings(env="development", secret_key=secrets.token_urlsafe(48))
    for role, services in composition.services(settings).items():
        topics: list[str] = []
        for service in services:
            if hasattr(service, "physical_topics"):
                topics += service.physical_topics(names)
            else:
                topics += [names.physical(spec) for spec in service.topics]
        found[role] = max(partitions[topic] for topic in topics)
    return found


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
    partitions = FILES / "partitions.yaml"
    text = partitions_yaml()
    if not partitions.exists() or partitions.read_text(encoding="utf-8") != text:
        partitions.write_text(text, encoding="utf-8")
        changed.append(f"wrote {partitions.relative_to(REPO)}")
    return changed


if __name__ == "__main__":
    for change in sync():
        print(f"helm-sync: {change}")
    print("helm-sync: helm/azora/files is up to date")
