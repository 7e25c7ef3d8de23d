"""Metric labels stay bounded: a label value is a route template, a group, a topic or a word
from a fixed list, never an id, so however many users, payments or commands pass through, the
number of series stays the same (Prometheus keeps every series it has ever seen in memory)."""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from producers.ingress import dev_payments, payments, queries
from producers.ingress.app import routes
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
INGRESS_METRICS = (
    "azora_http_requests",
    "azora_http_request_seconds",
    "azora_ingress_commands",
    "azora_ingress_fast_path_requests",
)
# The modules that register Azora's metrics in the default registry.
METRIC_MODULES = ("azora.metrics", "producers.ingress.http_metrics", "consumers.tutor.gateway")
# Every label name an Azora metric may carry, and what bounds its values.
BOUNDED_LABELS = {
    "route": "a route template of the ingress, or the name of a command route",
    "method": "an HTTP method",
    "status": "an HTTP status code",
    "outcome": "a word from the metric's own list",
    "group": "a consumer group of the deployment",
    "topic": "a topic of the catalogue",
    "kind": "a word from the metric's own list",
    "direction": "in or out",
    "database": "a database the settings name (host:port/name, one per owner at most)",
}
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
COMMAND_OUTCOMES = {"accepted", "replayed", "unavailable"}
FAST_PATH_OUTCOMES = {"served", "declined"}
# A command route is a dotted name: lowercase words, no digits (ids have them).
COMMAND_ROUTE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


@pytest.fixture
def client() -> TestClient:
    return in_memory_client(RecordingTransport(), SECRET)


@pytest.fixture
def auth() -> dict[str, str]:
    tokens = TokenService(SECRET, 3600, 3600).issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
    return {"Authorization": f"Bearer {tokens.access_token}"}


@pytest.fixture
def every_payment_refundable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any payment id a caller names is one of theirs, succeeded (no Postgres needed)."""

    async def succeeded_payment(_ctx: Any, sql: str, *args: Any) -> dict[str, Any] | None:
        if sql != payments.PAYMENT:
            return None  # any other read model has nothing yet
        return {"payment_id": args[0], "status": "succeeded"}

    monkeypatch.setattr(queries, "fetch_one", succeeded_payment)


def ingress_samples() -> Iterator[tuple[str, dict[str, str]]]:
    """(metric, labels) of every sample of the ingress's own metrics."""
    for family in REGISTRY.collect():
        if family.name in INGRESS_METRICS:
            for sample in family.samples:
                yield family.name, sample.labels


def series_count() -> int:
    """How many distinct series the ingress's metrics hold (buckets counted once)."""
    return len(
        {(name, tuple(sorted(labels.items()))) for name, labels in ingress_samples() if labels}
    )


def drive_requests_with_fresh_ids(client: TestClient, auth: dict[str, str], count: int) -> None:
    """Requests whose paths, keys and bodies name ids no request has named before."""
    for _ in range(count):
        some_id = uuid.uuid4()
        refund = client.post(
            f"/v1/payments/{some_id}/refund",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert refund.status_code == 202, refund.text
        client.get(f"/v1/commands/{some_id}", headers=auth)
        client.get(f"/v1/courses/{some_id}", headers=auth)
        client.post("/v1/enrollments", headers=auth, json={"course_id": str(some_id)})
        client.get(f"/v1/no-such-thing/{some_id}")
        client.post(
            "/v1/wallet/transfers",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            json={"to_user_id": str(some_id), "amount_minor": 1, "currency": "EUR"},
        )


@pytest.mark.usefixtures("every_payment_refundable")
def test_requests_naming_new_ids_add_no_series_to_the_ingress_metrics(
    client: TestClient, auth: dict[str, str]
) -> None:
    drive_requests_with_fresh_ids(client, auth, 3)
    before = series_count()

    drive_requests_with_fresh_ids(client, auth, 40)

    assert series_count() == before
    refunds = [
        labels
        for name, labels in ingress_samples()
        if name == "azora_ingress_commands"
        and labels.get("route", "").startswith("payments.refund")
    ]
    assert {labels["route"] for labels in refunds} == {"payments.refund"}


@pytest.mark.usefixtures("every_payment_refundable")
def test_every_ingress_label_value_comes_from_its_fixed_set(
    client: TestClient, auth: dict[str, str]
) -> None:
    drive_requests_with_fresh_ids(client, auth, 5)
    # The development payment control is a route too when its setting is on (other tests in
    # the same process turn it on, and the registry is the process's).
    served = [*routes(), *dev_payments.router.routes]
    templates = {getattr(route, "path", None) for route in served} | {"unmatched"}

    seen = 0
    for name, labels in ingress_samples():
        for label, value in labels.items():
            seen += 1
            if label == "route" and name == "azora_ingress_commands":
                assert COMMAND_ROUTE.match(value), (name, value)
            elif label == "route":
                assert value in templates, (name, value)
            elif label == "method":
                assert value in HTTP_METHODS, (name, value)
            elif label == "status":
                assert re.fullmatch(r"[1-5][0-9]{2}", value), (name, value)
            elif label == "outcome" and name == "azora_ingress_commands":
                assert value in COMMAND_OUTCOMES, (name, value)
            elif label == "outcome":
                assert value in FAST_PATH_OUTCOMES, (name, value)
            else:
                assert label == "le", (name, label)  # a histogram's bucket bound
    assert seen > 20


def test_every_label_of_every_azora_metric_is_one_whose_values_are_bounded() -> None:
    for module in METRIC_MODULES:
        importlib.import_module(module)
    labels = {
        (family.name, label)
        for family in REGISTRY.collect()
        if family.name.startswith("azora_")
        for sample in family.samples
        for label in sample.labels
        if label != "le"
    }
    declared = {
        (collector._name, label)  # type: ignore[attr-defined]
        for collector in list(REGISTRY._collector_to_names)  # type: ignore[attr-defined]
        if getattr(collector, "_name", "").startswith("azora_")
        for label in collector._labelnames  # type: ignore[attr-defined]
    }

    unbounded = {pair for pair in labels | declared if pair[1] not in BOUNDED_LABELS}

    assert unbounded == set()
    assert {label for _, label in declared} == set(BOUNDED_LABELS)


@pytest.mark.usefixtures("every_payment_refundable")
def test_a_refunds_idempotency_key_is_still_scoped_to_its_payment(
    client: TestClient, auth: dict[str, str]
) -> None:
    """The route label lost the payment id; the Idempotency-Key's scope kept it."""
    key = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    first, second = uuid.uuid4(), uuid.uuid4()

    once = client.post(f"/v1/payments/{first}/refund", headers=key).json()["command_id"]
    again = client.post(f"/v1/payments/{first}/refund", headers=key).json()["command_id"]
    other = client.post(f"/v1/payments/{second}/refund", headers=key).json()["command_id"]

    assert once == again
    assert other != once
