"""`azora run`'s children: which processes, how many of each, on which metrics ports, and
the loop that restarts any that dies.

Several instances of a consumer role are several members of its one consumer group: Kafka
splits the group's partitions between them, and moves a dead member's partitions to the
others within the session timeout. Several relays are one leader and standbys (a Postgres
advisory lock).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from azora.runtime import die_with_parent

log = logging.getLogger("azora.run")

CONSUMER_ROLES = ("identity", "learning", "wallet", "payments", "tutor", "projections")
# What may run more than once: the consumers and the relay (one HTTP port: one ingress).
SCALABLE = (*CONSUMER_ROLES, "relay")
# Enough for any group on one machine; the catalogue's partitions are the real ceiling.
MOST_INSTANCES = 16


class InstancesError(ValueError):
    """An `--instances` value that names no scalable process or no sensible count."""


@dataclass(frozen=True)
class Child:
    """One process `azora run` keeps running."""

    # The role, with the instance number from the second instance on ("wallet#2").
    name: str
    args: tuple[str, ...]
    metrics_port: int | None
    # Where its /healthz and /readyz answer (the ingress answers them on its HTTP port).
    health_port: int | None = None


def parse_instances(values: Iterable[str]) -> dict[str, int]:
    """`["2", "wallet=3"]` → 2 of every consumer role, then 3 wallets (later values win)."""
    counts: dict[str, int] = {}
    for value in values:
        role, _, count = value.rpartition("=")
        roles = [role] if role else list(CONSUMER_ROLES)
        if role and role not in SCALABLE:
            raise InstancesError(f"{role!r} cannot be scaled; choose from {', '.join(SCALABLE)}")
        if not count.isdigit() or not 1 <= int(count) <= MOST_INSTANCES:
            raise InstancesError(
                f"{value!r}: an instance count is a whole number from 1 to {MOST_INSTANCES}"
            )
        counts |= dict.fromkeys(roles, int(count))
    return counts


def plan(
    ingress_args: Sequence[str],
    instances: dict[str, int],
    metrics_base: int,
    health_base: int | None = None,
) -> list[Child]:
    """Every child, the first instance of each on the port it always had.

    The ingress serves /metrics on its HTTP port; the others get `metrics_base` + their place
    in the order ingress, the consumer roles, relay, lag exporter (the ingress's own slot
    unused), and further instances the ports after the last of those. Probe ports are
    numbered alike from `health_base`.
    """

    def health(metrics_port: int) -> int | None:
        return None if health_base is None else health_base + metrics_port - metrics_base

    firsts = {
        "ingress": ("ingress", *ingress_args),
        **{role: ("consume", role) for role in CONSUMER_ROLES},
        "relay": ("relay",),
        "lag-exporter": ("lag-exporter",),
    }
    children = [
        Child(name, args, metrics_base + n, health(metrics_base + n))
        if name != "ingress"
        else Child(name, args, None)
        for n, (name, args) in enumerate(firsts.items())
    ]
    next_port = metrics_base + len(firsts)
    for name, args in firsts.items():
        for number in range(2, instances.get(name, 1) + 1):
            children.append(Child(f"{name}#{number}", args, next_port, health(next_port)))
            next_port += 1
    return children


class Supervisor:
    """Starts the children, restarts any that exits, and stops them all on SIGTERM/SIGINT."""

    def __init__(self, children: Sequence[Child]) -> None:
        self.children = {child.name: child for child in children}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for name, child in self.children.items():
            self.processes[name] = _spawn(child)
        log.info("started %s", ", ".join(f"{n} (pid {p.pid})" for n, p in self.processes.items()))
        log.info(
            "metrics: %s",
            ", ".join(
                f"{c.name} :{c.metrics_port}/metrics"
                for c in self.children.values()
                if c.metrics_port is not None
            ),
        )
        while not self.stopping:
            time.sleep(0.5)
            for name, process in self.processes.items():
                if process.poll() is not None and not self.stopping:
                    log.warning("%s exited with %s; restarting", name, process.returncode)
                    time.sleep(1.0)
                    self.processes[name] = _spawn(self.children[name])
        self._stop_all()

    def _stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        log.info("stopped")


def _spawn(child: Child) -> subprocess.Popen[bytes]:
    # Children go down with `azora run`, even when it is SIGKILLed.
    env = dict(os.environ)
    if child.metrics_port is not None:
        env["AZORA_METRICS_PORT"] = str(child.metrics_port)
    if child.health_port is not None:
        env["AZORA_HEALTH_PORT"] = str(child.health_port)
    return subprocess.Popen(
        [sys.executable, "-m", "stack", *child.args], preexec_fn=die_with_parent, env=env
    )
