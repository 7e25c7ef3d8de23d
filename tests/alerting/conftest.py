"""The real thing: `azora run` in a world of its own, scraped by Prometheus evaluating the
shipped alert rules, which sends to an Alertmanager routing by the shipped configuration to a
webhook receiver in the test. Durations are divided by TIME_SCALE (`for: 5m` becomes 5 s)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from azora.settings import Settings
from tests.alerting.servers import Server, WebhookReceiver, tool
from tests.support import alerting
from tests.support.model_server import ModelServer
from tests.support.processes import free_port
from tests.support.stack import stack_env, stack_ports, start_stack, stop_stack
from tests.support.world import World, created, new_world

# A minute of the shipped configuration is a second here.
TIME_SCALE = 60


@dataclass
class Stack:
    """`azora run` and the ports the shipped prometheus.yml's targets move to."""

    process: subprocess.Popen[bytes]
    ingress_port: int
    metrics_base: int

    def child_pid(self, role: str) -> int | None:
        """The pid of the child running `azora consume <role>`."""
        listed = subprocess.run(
            ["pgrep", "-a", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        for line in listed.splitlines():
            pid, _, command = line.partition(" ")
            if command.split()[-2:] == ["consume", role]:
                return int(pid)
        return None

    def freeze(self, role: str) -> None:
        """SIGSTOP the role's process: it neither consumes nor heartbeats nor answers
        scrapes (a hung pod), and is no member of its group once its session times out."""
        pid = self.child_pid(role)
        assert pid is not None, f"no process runs {role}"
        os.kill(pid, signal.SIGSTOP)

    def restart(self, role: str) -> None:
        """SIGKILL the role's (frozen) process; `azora run` starts a new one."""
        pid = self.child_pid(role)
        assert pid is not None, f"no process runs {role}"
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
async def alert_world(base_settings: Settings) -> AsyncIterator[World]:
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="module")
def alert_stack(
    alert_world: World,
    stripe_mock: str,
    model_server: ModelServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    ingress_port, metrics_base, health_base = stack_ports()
    env = stack_env(
        alert_world.settings,
        port=ingress_port,
        metrics_base=metrics_base,
        health_base=health_base,
        stripe_mock=stripe_mock,
        model_server_url=model_server.base_url,
        AZORA_LAG_POLL_INTERVAL_S="1",
        AZORA_LAG_WINDOW="3",
        # A frozen member is out of its group within seconds.
        AZORA_CONSUMER_SESSION_TIMEOUT_MS="6000",
        AZORA_CONSUMER_HEARTBEAT_MS="1000",
        AZORA_LOG_LEVEL="WARNING",
    )
    log = tmp_path_factory.mktemp("alerting") / "azora-run.log"
    # Generous: nine processes start at once, on a machine that may be busy.
    process = start_stack(env, log, timeout=300)
    try:
        yield Stack(process, ingress_port, metrics_base)
    finally:
        stop_stack(process, timeout=30)


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    url = receiver.start()
    try:
        yield receiver, url
    finally:
        receiver.stop()


@pytest.fixture(scope="module")
def alertmanager(
    webhook: tuple[WebhookReceiver, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Alertmanager on the shipped routes, every receiver posting to the webhook."""
    folder = tmp_path_factory.mktemp("alertmanager")
    config = folder / "alertmanager.yml"
    shipped = alerting.ALERTMANAGER.read_text(encoding="utf-8")
    config.write_text(alerting.scaled_alertmanager(shipped, TIME_SCALE, webhook[1]))
    server = Server("alertmanager", free_port(), folder / "alertmanager.log")
    server.start(
        [
            str(tool("infra/alertmanager/alertmanager.sh")),
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{server.port}",
            "--cluster.listen-address=",  # one Alertmanager, no gossip port
        ]
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def prometheus(
    alert_stack: Stack, alertmanager: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Prometheus on the shipped scrape jobs and rules, pointed at the test's stack."""
    folder = tmp_path_factory.mktemp("prometheus")
    rules = folder / "alerts.yml"
    shipped_rules = alerting.ALERTS.read_text(encoding="utf-8")
    rules.write_text(alerting.scaled_rules(shipped_rules, TIME_SCALE))
    config = folder / "prometheus.yml"
    config.write_text(
        alerting.prometheus_config(
            alerting.PROMETHEUS.read_text(encoding="utf-8"),
            rules=rules,
            ingress_port=alert_stack.ingress_port,
            metrics_base=alert_stack.metrics_base,
            alertmanager_port=alertmanager.port,
        )
    )
    server = Server("prometheus", free_port(), folder / "prometheus.log")
    server.start(
        [
            str(tool("infra/prometheus/prometheus.sh")),
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{server.port}",
        ]
    )
    try:
        yield server
    finally:
        server.stop()
