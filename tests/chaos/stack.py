"""The whole stack under `azora run`, in a private world, with hands to hurt it.

`azora run` restarts a child that dies, so SIGKILLing a consumer or the relay is a crash
the platform must absorb; the Kafka broker and Postgres are the repo's own, restarted
with their scripts (every service reconnects on its own). With `instances` = 2, every
consumer role and the relay run twice: a kill then takes one member of a group away while
the other carries on.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.model_server import ModelServer
from tests.support.stack import stack_env, stack_ports, start_stack, stop_stack
from tests.support.world import World

REPO = Path(__file__).resolve().parents[2]
VICTIMS = ("identity", "learning", "wallet", "payments", "tutor", "projections", "relay")


@dataclass
class ChaosStack:
    """`azora run` on free ports, and what was done to it."""

    world: World
    stripe_mock: str
    model_server: ModelServer
    log: Path
    instances: int = 1
    process: subprocess.Popen[bytes] | None = None
    base_url: str = ""
    kills: list[str] = field(default_factory=list)
    broker_restarts: int = 0
    postgres_restarts: int = 0

    def start(self) -> None:
        port, metrics_base, health_base = stack_ports()
        env = stack_env(
            self.world.settings,
            port=port,
            metrics_base=metrics_base,
            health_base=health_base,
            stripe_mock=self.stripe_mock,
            model_server_url=self.model_server.base_url,
            AZORA_TUTOR_QUESTIONS_PER_HOUR="1000000",
            # A run outlives the default 15 minutes of an access token.
            AZORA_ACCESS_TOKEN_TTL_S="14400",
            # A killed member is noticed within seconds, so its partitions move on.
            AZORA_CONSUMER_SESSION_TIMEOUT_MS="6000",
            AZORA_CONSUMER_HEARTBEAT_MS="1000",
            AZORA_RETRY_BACKOFF_MAX_S="2",
            AZORA_LOG_LEVEL="WARNING",
            AZORA_RUN_INSTANCES=f"{self.instances} relay={self.instances}",
        )
        # Fifteen processes importing at once on a busy machine: give them time.
        self.process = start_stack(env, self.log, timeout=600)
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.process is not None:
            stop_stack(self.process)

    def child_pids(self, victim: str) -> list[int]:
        """The pids of the children running `victim` (a consumer role or the relay)."""
        assert self.process is not None
        listed = subprocess.run(
            ["pgrep", "-a", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        wanted = ["relay"] if victim == "relay" else ["consume", victim]
        pids = []
        for line in listed.splitlines():
            pid, _, command = line.partition(" ")
            words = command.split()
            if words[-len(wanted) :] == wanted:
                pids.append(int(pid))
        return pids

    def kill(self, victim: str, rng: random.Random | None = None) -> bool:
        """SIGKILL one instance of `victim` (azora run starts it again); False if none runs."""
        pids = self.child_pids(victim)
        if len(pids) < self.instances:
            return False  # one is still coming back from an earlier kill
        os.kill((rng or random).choice(pids), signal.SIGKILL)
        self.kills.append(victim)
        return True

    def restart_broker(self) -> None:
        script = str(REPO / "infra" / "kafka" / "kafka.sh")
        subprocess.run([script, "stop"], check=True, capture_output=True)
        subprocess.run([script, "start"], check=True, capture_output=True)
        self.broker_restarts += 1

    def restart_postgres(self) -> None:
        script = str(REPO / "infra" / "postgres" / "postgres.sh")
        subprocess.run([script, "stop"], check=True, capture_output=True)
        subprocess.run([script, "start"], check=True, capture_output=True)
        self.postgres_restarts += 1
