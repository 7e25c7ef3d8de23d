"""`azora lag` (a table for people) and `azora lag-exporter` (a Prometheus endpoint)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from azora.aio import stop_on_signals
from azora.settings import Settings
from stack.process import configure_logging, serve_metrics

if TYPE_CHECKING:
    from stack.lag.report import GroupReport


def lag_exporter(
    port: Annotated[
        int | None, typer.Option(help="Port of /metrics (AZORA_METRICS_PORT, else 9100)")
    ] = None,
) -> None:
    """Export consumer lag (offsets, seconds, Burrow-style status) to Prometheus."""
    from prometheus_client import REGISTRY

    from stack.lag.collector import LagCollector
    from stack.lag.exporter import watch_lag

    configure_logging()
    settings = Settings()
    collector = LagCollector()
    REGISTRY.register(collector)
    serve_metrics(settings, port or settings.metrics_port or settings.lag_exporter_port)

    async def main() -> None:
        await watch_lag(settings, stop_on_signals(), collector.update)

    asyncio.run(main())


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
) -> None:
    """Consumer lag as a table: offsets, seconds and status per group, coloured."""
    from rich.console import Console
    from rich.live import Live

    from stack.lag.exporter import watch_lag
    from stack.lag.table import lag_table

    settings = Settings().model_copy(
        update={"lag_poll_interval_s": interval, "lag_window": max(2, samples)}
        | ({"lag_groups": groups} if groups else {})
    )
    console = Console()

    async def main() -> None:
        stop = stop_on_signals()
        seen = 0
        if watch:
            with Live(console=console, auto_refresh=False) as live:

                def refresh(reports: Sequence[GroupReport]) -> None:
                    live.update(
                        lag_table(_shown(reports, every), partitions=partitions), refresh=True
                    )

                await watch_lag(settings, stop, refresh)
            return

        def keep_last(reports: Sequence[GroupReport]) -> None:
            nonlocal seen
            seen += 1
            if seen >= samples:
                console.print(lag_table(_shown(reports, every), partitions=partitions))
                stop.set()

        await watch_lag(settings, stop, keep_last)

    asyncio.run(main())


def _shown(reports: Sequence[GroupReport], every: bool) -> list[GroupReport]:
    # A group whose topics are gone and that nobody runs is history, not something to watch
    # (Kafka forgets it once its offsets expire).
    return [r for r in reports if every or r.members or r.partitions]
