"""`azora lag` (a table for people) and `azora lag-exporter` (a Prometheus endpoint)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from azora.aio import stop_on_signals
from azora.runtime import run_service
from azora.settings import Settings
from stack.output import Output
from stack.process import configure_logging, serve_metrics, serving_probes

if TYPE_CHECKING:
    from stack.lag.report import GroupReport


def lag_exporter(
    port: Annotated[
        int | None, typer.Option(help="Port of /metrics (AZORA_METRICS_PORT, else 9100)")
    ] = None,
) -> None:
    """Export consumer lag (offsets, seconds, Burrow-style status) to Prometheus."""
    from prometheus_client import REGISTRY

    from azora.health.probes import Probes
    from stack.lag.collector import LagCollector
    from stack.lag.exporter import watch_lag

    settings = Settings()
    configure_logging(settings, "lag-exporter")
    collector = LagCollector()
    REGISTRY.register(collector)
    serve_metrics(settings, port or settings.metrics_port or settings.lag_exporter_port)

    async def main() -> None:
        probes = Probes(settings.health_deadline_s)
        async with serving_probes(settings, probes):
            await watch_lag(settings, stop_on_signals(), collector.update, probes=probes)

    run_service(main())


def lag(
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Keep refreshing")] = False,
    partitions: Annotated[bool, typer.Option("--partitions", "-p", help="A row each")] = False,
    samples: Annotated[
        int, typer.Option(help="Samples to judge the status on before printing", min=1)
    ] = 3,
    interval: Annotated[float, typer.Option(help="Seconds between samples", min=0.1)] = 1.0,
    groups: Annotated[
        str | None, typer.Option(help="Regex of groups to show (AZORA_LAG_GROUPS)")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Also groups with no members and no offsets left")
    ] = False,
    output: Annotated[
        Output, typer.Option("--output", "-o", help="table (coloured) or json")
    ] = Output.TABLE,
    timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for Kafka and the samples; past it, exit 3 (not with --watch)",
            min=0.1,
        ),
    ] = 30.0,
) -> None:
    """Consumer lag per group: offsets, seconds and a Burrow-style status.

    Exit status: 0 all OK; 1 WARN; 2 STALL, STOP or ERR; 3 no answer within --timeout.
    Replay groups are shown but never decide it.
    """
    from rich.console import Console

    from stack.lag.verdict import Exit, as_json, exit_status

    settings = Settings().model_copy(
        update={"lag_poll_interval_s": interval, "lag_window": max(2, samples)}
        | ({"lag_groups": groups} if groups else {})
    )
    if watch:
        asyncio.run(_watch(settings, partitions=partitions, every=every))
        return
    try:
        reports = asyncio.run(_judged(settings, samples, timeout))
    except TimeoutError:
        typer.echo(
            f"azora lag: no judged sample within {timeout:g} s "
            f"(is Kafka at {settings.kafka_bootstrap_servers} up?)",
            err=True,
        )
        raise typer.Exit(Exit.UNKNOWN) from None
    shown = _shown(reports, every)
    if output is Output.JSON:
        typer.echo(as_json(shown, partitions=partitions))
    else:
        from stack.lag.table import lag_table

        Console().print(lag_table(shown, partitions=partitions))
    raise typer.Exit(exit_status(shown))


async def _judged(settings: Settings, samples: int, timeout: float) -> list[GroupReport]:
    """The reports once `samples` samples were judged; TimeoutError past `timeout`."""
    from stack.lag.exporter import watch_lag

    stop = stop_on_signals()
    last: list[GroupReport] = []
    seen = 0

    def keep_last(reports: Sequence[GroupReport]) -> None:
        nonlocal seen, last
        seen += 1
        last = list(reports)
        if seen >= samples:
            stop.set()

    async with asyncio.timeout(timeout):
        await watch_lag(settings, stop, keep_last)
    if seen < samples:  # stopped by a signal before the samples were in
        raise TimeoutError
    return last


async def _watch(settings: Settings, *, partitions: bool, every: bool) -> None:
    from rich.console import Console
    from rich.live import Live

    from stack.lag.exporter import watch_lag
    from stack.lag.table import lag_table

    with Live(console=Console(), auto_refresh=False) as live:

        def refresh(reports: Sequence[GroupReport]) -> None:
            live.update(lag_table(_shown(reports, every), partitions=partitions), refresh=True)

        await watch_lag(settings, stop_on_signals(), refresh)


def _shown(reports: Sequence[GroupReport], every: bool) -> list[GroupReport]:
    # A group whose topics are gone and that nobody runs is history, not something to watch
    # (Kafka forgets it once its offsets expire).
    return [r for r in reports if every or r.members or r.partitions]
