"""`azora run` as a test starts it: the environment of a stack in a private world."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from azora.settings import Settings
from tests.support.processes import free_port_block, spawn

# Ports `azora run` may number from each base: more than its children, two instances each.
PORTS_PER_BASE = 32


def stack_ports() -> tuple[int, int, int]:
    """The ingress's port, then the bases `azora run` numbers its children's /metrics and
    probe ports from: one free block, so none of them can overlap another."""
    port = free_port_block(1 + 2 * PORTS_PER_BASE)
    return port, port + 1, port + 1 + PORTS_PER_BASE


def stack_env(
    settings: Settings,
    *,
    port: int,
    metrics_base: int,
    health_base: int,
    stripe_mock: str,
    model_server_url: str,
    **overrides: str,
) -> dict[str, str]:
    """The environment that points `azora run` at `settings`' world and the test doubles."""
    return {
        **os.environ,
        "AZORA_ENV": "test",
        "AZORA_SECRET_KEY": settings.required_secret("secret_key"),
        "AZORA_STRIPE_WEBHOOK_SECRET": settings.required_secret("stripe_webhook_secret"),
        "AZORA_PAYMENT_SEALING_KEY": settings.required_secret("payment_sealing_key"),
        "AZORA_PERSONAL_DATA_KEY": settings.required_secret("personal_data_key"),
        "AZORA_TOPIC_PREFIX": settings.topic_prefix,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(metrics_base),
        "AZORA_HEALTH_PORT_BASE": str(health_base),
        "AZORA_STRIPE_API_KEY": "sk_test_azoraStripeMock",
        "AZORA_STRIPE_API_BASE": stripe_mock,
        "AZORA_OPENAI_API_KEY": "test-key",
        "AZORA_OPENAI_BASE_URL": model_server_url,
        # Every test registers its users from this one address, hundreds a run.
        "AZORA_REGISTRATION_MAX_PER_ADDRESS": "1000000",
        "AZORA_REGISTRATIONS_PER_SECOND": "10000",
        "AZORA_REGISTRATION_BURST": "10000",
        **overrides,
    }


def start_stack(env: dict[str, str], log: Path, timeout: float = 120.0) -> subprocess.Popen[bytes]:
    """Start `azora run` with `env`, logging to `log`; return once /readyz answers 200."""
    with log.open("wb") as sink:
        process = spawn([sys.executable, "-m", "stack", "run"], env, sink)
    base = f"http://127.0.0.1:{env['AZORA_INGRESS_PORT']}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azora run exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"azora run not ready in {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def stop_stack(process: subprocess.Popen[bytes], timeout: float = 40.0) -> None:
    """SIGTERM `azora run` (it stops its children), SIGKILL if it takes too long."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
