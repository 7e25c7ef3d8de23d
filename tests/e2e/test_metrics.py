"""Every process serves Prometheus metrics: the ingress on its own port, the rest beside it."""

from __future__ import annotations

import os

import httpx
import pytest

from azora.cli import ROLES
from tests.e2e.helpers import an_email, outcome, register

pytestmark = pytest.mark.e2e


def metrics_port(child: str) -> int:
    """`azora run` numbers its children from the base: ingress, the roles, then the relay."""
    children = ["ingress", *ROLES, "relay"]
    return int(os.environ["AZORA_TEST_METRICS_PORT_BASE"]) + children.index(child)


async def test_consumers_and_the_relay_report_what_they_did(http: httpx.AsyncClient) -> None:
    assert (await outcome(http, await register(http, an_email())))["status"] == "succeeded"
    async with httpx.AsyncClient(timeout=5) as scrape:
        identity = (await scrape.get(f"http://127.0.0.1:{metrics_port('identity')}/metrics")).text
        relay = (await scrape.get(f"http://127.0.0.1:{metrics_port('relay')}/metrics")).text
        ingress = (await http.get("/metrics")).text

    assert 'azora_consumer_events_total{group="identity"' in identity
    assert "azora_consumer_batch_seconds_bucket" in identity
    sent = [line for line in relay.splitlines() if line.startswith("azora_outbox_sent_total ")]
    assert sent
    assert float(sent[0].split()[1]) >= 1
    assert "python_gc_objects_collected_total" in ingress
