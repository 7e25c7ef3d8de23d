"""Registration is throttled by the real ingress, before any password is hashed: past the
per-address allowance a sign-up gets 429 with Retry-After, and nothing is published."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from azora.crypto import REGISTRATION
from schemas import catalogue
from stack import composition
from tests.support.processes import free_port, spawn
from tests.support.world import World

pytestmark = pytest.mark.integration

ALLOWANCE = 3


@pytest.fixture
def ingress(world: World, tmp_path: Path) -> Iterator[str]:
    """The real ingress process on this world's topics, allowing three sign-ups an address."""
    port = free_port()
    settings = world.settings
    env = {
        **os.environ,
        "AZORA_SECRET_KEY": settings.required_secret("secret_key"),
        "AZORA_STRIPE_WEBHOOK_SECRET": settings.required_secret("stripe_webhook_secret"),
        "AZORA_TOPIC_PREFIX": settings.topic_prefix,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "AZORA_REGISTRATION_MAX_PER_ADDRESS": str(ALLOWANCE),
    }
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "ingress.log").open("wb") as sink:
        process = spawn([sys.executable, "-m", "stack", "ingress", "--port", str(port)], env, sink)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "ingress.log").read_text()[-2000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_up(base: str, email: str) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/auth/register",
        json={"email": email, "password": "a long enough passphrase", "display_name": "Ada"},
        timeout=30,
    )


async def test_sign_ups_past_an_addresss_allowance_get_429_and_publish_nothing(
    world: World, ingress: str
) -> None:
    run = uuid.uuid4().hex[:8]
    allowed = [sign_up(ingress, f"ok-{run}-{i}@example.org") for i in range(ALLOWANCE)]
    refused = sign_up(ingress, f"refused-{run}@example.org")

    assert [r.status_code for r in allowed] == [202] * ALLOWANCE
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Every 202 came after the broker's ack, and the 429 before any publish: all is there.
    published = await world.read_all(world.names.physical(catalogue.USER_REGISTRATION_REQUESTED_V3))
    assert len(published) == ALLOWANCE
    # Keyed by a keyed digest of each email: the allowed ones, and not the refused one.
    box = composition.secret_box(world.settings).for_purpose(REGISTRATION)
    expected = {box.digest(f"ok-{run}-{i}@example.org").encode() for i in range(ALLOWANCE)}
    assert {record.key for record in published} == expected
