"""Alerts that really fire: Prometheus scrapes a running stack and evaluates the shipped
rules, Alertmanager routes what fires by the shipped configuration, and a webhook receiver
gets the notifications. A consumer group stopped under load goes pending, then firing,
reaches the on-call receiver, and resolves once the group runs again; so does the time-lag
SLO alert; a dead letter warns the working-hours receiver and resolves when none follow.

Every wait is on a condition read from Prometheus's or Alertmanager's API (or what the
webhook got), with deadlines far beyond what each step takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from azora import kafka
from azora.messages import build_envelope, encode, message_key
from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from tests.alerting.conftest import Stack
from tests.alerting.servers import Server, WebhookReceiver, wait_for
from tests.support.world import World

pytestmark = pytest.mark.alerting

CRITICAL, WARNING = "azora-critical", "azora-warning"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
# Generous: every step takes seconds to a minute and a half (the SLO is 60 s of real lag).
DEADLINE_S = 300


def active_alert(prometheus: Server, alertname: str, **labels: str) -> dict[str, Any] | None:
    """The alert as Prometheus holds it now (pending or firing), or None."""
    for alert in prometheus.get("/api/v1/alerts")["data"]["alerts"]:
        if alert["labels"].get("alertname") == alertname and all(
            alert["labels"].get(k) == v for k, v in labels.items()
        ):
            return dict(alert)
    return None


def firing_alert(prometheus: Server, alertname: str, **labels: str) -> dict[str, Any] | None:
    alert = active_alert(prometheus, alertname, **labels)
    return alert if alert is not None and alert["state"] == "firing" else None


def state_of(prometheus: Server, alertname: str, **labels: str) -> str | None:
    alert = active_alert(prometheus, alertname, **labels)
    return str(alert["state"]) if alert else None


def first_seen(prometheus: Server, alertname: str, group: str, since: float) -> dict[str, float]:
    """When the alert's ALERTS series was first seen in each state (pending, firing)."""
    answer = prometheus.get(
        "/api/v1/query_range",
        query=f'ALERTS{{alertname="{alertname}", group="{group}"}}',
        start=since,
        end=time.time(),
        step="1s",
    )
    return {
        series["metric"]["alertstate"]: min(float(t) for t, _ in series["values"])
        for series in answer["data"]["result"]
    }


def metric(prometheus: Server, query: str) -> float | None:
    result = prometheus.get("/api/v1/query", query=query)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def notified(webhook: WebhookReceiver, receiver: str, alertname: str, group: str) -> list[str]:
    """The statuses (firing, resolved) the receiver was told of for the alert, in order."""
    return [status for status, _ in webhook.alerts(receiver, alertname, group)]


@contextlib.asynccontextmanager
async def steady_registrations(world: World, per_second: float = 5) -> AsyncIterator[None]:
    """Registration requests published at a steady rate while the block runs (the load the
    identity group consumes)."""
    spec = catalogue.USER_REGISTRATION_REQUESTED
    producer = kafka.make_producer(world.settings, "alerting-load")
    await producer.start()

    async def publish() -> None:
        while True:
            payload = UserRegistrationRequested(
                user_id=uuid.uuid4(),
                email=f"load-{uuid.uuid4().hex[:12]}@example.org",
                display_name="Load",
                password_hash=HASH,
            )
            message = encode(
                spec,
                build_envelope(spec, payload, actor="alerting-load"),
                message_key(spec, payload),
                world.names,
            )
            await producer.send_and_wait(
                message.topic, message.value, key=message.key, headers=list(message.headers)
            )
            await asyncio.sleep(1 / per_second)

    task = asyncio.create_task(publish())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()


async def test_a_group_stopped_under_load_pages_through_alertmanager_and_resolves_on_restart(
    alert_world: World,
    alert_stack: Stack,
    prometheus: Server,
    alertmanager: Server,
    webhook: tuple[WebhookReceiver, str],
) -> None:
    receiver, _ = webhook
    group = alert_world.names.group("identity")
    paging = ("AzoraConsumerGroupStopped", "AzoraConsumerTimeLagAboveSLO")
    since = time.time()

    async with steady_registrations(alert_world):
        await wait_for(
            "Prometheus sees the identity group with its member",
            lambda: metric(prometheus, f'azora_consumergroup_members{{group="{group}"}}') == 1,
            DEADLINE_S,
        )
        alert_stack.freeze("identity")
        try:
            for alertname in paging:
                await wait_for(
                    f"{alertname} firing in Prometheus",
                    lambda a=alertname: state_of(prometheus, a, group=group) == "firing",
                    DEADLINE_S,
                )
                await wait_for(
                    f"{alertname} notified to {CRITICAL}",
                    lambda a=alertname: "firing" in notified(receiver, CRITICAL, a, group),
                    DEADLINE_S,
                )
        finally:
            alert_stack.restart("identity")

        for alertname in paging:
            await wait_for(
                f"{alertname} resolved in Prometheus",
                lambda a=alertname: state_of(prometheus, a, group=group) is None,
                DEADLINE_S,
            )
            await wait_for(
                f"{alertname} resolution notified to {CRITICAL}",
                lambda a=alertname: notified(receiver, CRITICAL, a, group)[-1:] == ["resolved"],
                DEADLINE_S,
            )

    for alertname in paging:
        seen = first_seen(prometheus, alertname, group, since)
        assert seen["pending"] < seen["firing"], (alertname, seen)
        # Critical alerts go to the paging receiver only.
        assert notified(receiver, WARNING, alertname, group) == []
    # Alertmanager holds the resolved alerts no more.
    active = alertmanager.get("/api/v2/alerts", active="true")
    assert [
        a
        for a in active
        if a["labels"].get("group") == group and a["labels"]["alertname"] in paging
    ] == []


async def test_a_dead_letter_warns_through_alertmanager_and_resolves_when_none_follow(
    alert_world: World,
    alert_stack: Stack,
    prometheus: Server,
    alertmanager: Server,
    webhook: tuple[WebhookReceiver, str],
) -> None:
    receiver, _ = webhook
    group = alert_world.names.group("learning")
    spec = catalogue.COURSE_PUBLISH_REQUESTED
    topic = alert_world.names.physical(spec)
    alertname = "AzoraDeadLettersArriving"
    await wait_for(
        "Prometheus sees the learning group with its member",
        lambda: metric(prometheus, f'azora_consumergroup_members{{group="{group}"}}') == 1,
        DEADLINE_S,
    )

    await alert_world.produce([(spec, b"some-key", b"this is not an event")])

    alert = await wait_for(
        f"{alertname} firing in Prometheus",
        lambda: firing_alert(prometheus, alertname, group=group),
        DEADLINE_S,
    )
    assert alert["labels"]["topic"] == topic
    assert alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["runbook_url"].endswith(f"docs/runbooks/{alertname}.md")
    await wait_for(
        f"{alertname} notified to {WARNING}",
        lambda: "firing" in notified(receiver, WARNING, alertname, group),
        DEADLINE_S,
    )
    await wait_for(
        f"{alertname} resolved in Prometheus once no dead letter follows",
        lambda: active_alert(prometheus, alertname, group=group) is None,
        DEADLINE_S,
    )
    await wait_for(
        f"{alertname} resolution notified to {WARNING}",
        lambda: notified(receiver, WARNING, alertname, group)[-1:] == ["resolved"],
        DEADLINE_S,
    )
    assert notified(receiver, CRITICAL, alertname, group) == []
