"""The ports tests give the stacks they start: a block no outgoing connection can be handed."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.support.processes import BLOCKS_FROM, free_port_block
from tests.support.stack import PORTS_PER_BASE, stack_ports


def first_ephemeral_port() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_a_block_of_ports_lies_below_the_ephemeral_range_and_every_port_in_it_binds() -> None:
    base = free_port_block(40)

    assert base >= BLOCKS_FROM
    assert base + 40 <= first_ephemeral_port()
    for port in range(base, base + 40):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))


def test_a_stack_s_ingress_metrics_and_probe_ports_never_overlap() -> None:
    ingress, metrics_base, health_base = stack_ports()

    metrics = set(range(metrics_base, metrics_base + PORTS_PER_BASE))
    probes = set(range(health_base, health_base + PORTS_PER_BASE))
    assert ingress not in metrics | probes
    assert not metrics & probes
