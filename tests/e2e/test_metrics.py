"""Every process serves Prometheus metrics: the ingress on its own port, the rest beside it."""

from __future__ import annotations

import os
from collections.abc import Awaitable

import httpx
import pytest

from azora.databases import where
from stack.cli import ROLES
from tests.e2e.helpers import an_email, outcome, register
from tests.support.world import World, eventually

pytestmark = pytest.mark.e2e


def metrics_port(child: str) -> int:
    """`azora run` numbers its children from the base: ingress, roles, relay, lag exporter."""
    children = ["ingress", *ROLES, "relay", "lag-exporter"]
    return int(os.environ["AZORA_TEST_METRICS_PORT_BASE"]) + children.index(child)


async def test_consumers_and_the_relay_report_what_they_did(
    http: httpx.AsyncClient, stack_world: World, service_databases: dict[str, str]
) -> None:
    assert (await outcome(http, await register(http, an_email())))["status"] == "succeeded"
    async with httpx.AsyncClient(timeout=5) as scrape:
        identity = (await scrape.get(f"http://127.0.0.1:{metrics_port('identity')}/metrics")).text
        relay = (await scrape.get(f"http://127.0.0.1:{metrics_port('relay')}/metrics")).text
        ingress = (await http.get("/metrics")).text

    group = stack_world.names.group("identity")
    assert f'azora_consumer_events_total{{group="{group}"' in identity
    assert "azora_consumer_batch_seconds_bucket" in identity
    # A series per database whose outbox the relay publishes: the stack's four.
    sent = [line for line in relay.splitlines() if line.startswith("azora_outbox_sent_total{")]
    relayed = {stack_world.settings.database_url, *service_databases.values()}
    assert sorted(_label(line, "database") for line in sent) == sorted(map(where, relayed))
    assert sum(float(line.split()[-1]) for line in sent) >= 1
    assert "python_gc_objects_collected_total" in ingress
    assert (
        'azora_http_requests_total{method="POST",route="/v1/auth/register",status="202"}' in ingress
    )
    assert 'azora_ingress_commands_total{outcome="accepted",route="register"}' in ingress


async def test_the_lag_exporter_reports_every_consumer_group_of_the_stack(
    http: httpx.AsyncClient, stack_world: World
) -> None:
    assert (await outcome(http, await register(http, an_email())))["status"] == "succeeded"
    group = stack_world.names.group("projections")
    port = metrics_port("lag-exporter")

    async def exported() -> str:
        async with httpx.AsyncClient(timeout=5) as scrape:
            return (await scrape.get(f"http://127.0.0.1:{port}/metrics")).text

    # Once the group has committed, every partition it consumes has a lag series.
    await eventually(
        lambda: _contains(exported(), f'azora_consumergroup_lag_messages{{group="{group}",'),
        timeout=60,
    )
    text = await exported()
    assert f'azora_consumergroup_members{{group="{group}",replay="false"}} 1.0' in text
    assert "azora_lag_exporter_last_poll_timestamp_seconds" in text


async def _contains(text: Awaitable[str], needle: str) -> bool:
    return needle in await text


def _label(line: str, name: str) -> str:
    """A label's value in an exposition line (`metric{name="value",...} 1.0`)."""
    return line.split(f'{name}="', 1)[1].split('"', 1)[0]
