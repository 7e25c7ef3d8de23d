"""`azora projections list|rebuild`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from azora.aio import stop_on_signals
from azora.runtime import tune_gc_for_batches
from azora.settings import Settings

projections_app = typer.Typer(
    help="Projections: their versions, positions, and rebuilds.", no_args_is_help=True
)


@projections_app.command("list")
def list_command() -> None:
    """Each projection's live version, position and lag (and a rebuild under way)."""
    from stack import composition
    from stack.rebuild.listing import list_projections

    settings = Settings()
    states = asyncio.run(
        list_projections(
            settings, list(composition.projections(settings).values()), composition.names(settings)
        )
    )
    table = Table(title="Projections", title_justify="left")
    for column in ("projection", "tables", "live", "applied", "lag", "rebuilding", "its lag"):
        table.add_column(column, justify="right" if column in ("applied", "lag") else "left")
    for state in states:
        table.add_row(
            state.name,
            ", ".join(state.tables),
            f"v{state.live_version}",
            f"{state.live.applied:,}",
            f"{state.live.lag:,}",
            f"v{state.building_version} ({state.building.group})" if state.building else "",
            f"{state.building.lag:,}" if state.building else "",
        )
    Console().print(table)


@projections_app.command("rebuild")
def rebuild_command(
    name: Annotated[str, typer.Argument(help="The projection (see `azora projections list`)")],
    verify: Annotated[
        bool, typer.Option(help="Compare row checksums with the live tables before swapping")
    ] = False,
    restart: Annotated[
        bool, typer.Option(help="Drop a rebuild under way and start from scratch")
    ] = False,
    allow_truncated: Annotated[
        bool, typer.Option(help="Rebuild even if retention removed a topic's first records")
    ] = False,
    final_gap: Annotated[
        int, typer.Option(help="Swap once a pass leaves at most this many events", min=0)
    ] = 2_000,
    swap: Annotated[
        bool,
        typer.Option(
            help="--no-swap: build up to the live offsets and leave the shadow tables to "
            "inspect (the live ones stay; --restart or the next rebuild drops them)"
        ),
    ] = True,
) -> None:
    """Rebuild a projection into fresh tables from the earliest offsets, then swap them in.

    Queries are answered from the live tables throughout; the swap is one transaction.
    Interrupted (Ctrl-C), it resumes where it stopped when run again.
    """
    from stack import composition
    from stack.rebuild.progress import Progress as RebuildProgress
    from stack.rebuild.reading import TruncatedHistory
    from stack.rebuild.runner import ProjectionRebuild
    from stack.rebuild.swapping import ChecksumMismatch

    settings = Settings()
    available = composition.projections(settings)
    if name not in available:
        raise typer.BadParameter(f"unknown projection {name!r}; choose from {', '.join(available)}")
    console = Console(stderr=True)
    bar = Progress(
        TextColumn(f"[bold]{name}[/]"),
        BarColumn(),
        TextColumn("{task.completed:,} applied, {task.fields[remaining]:,} to go"),
        TextColumn("{task.fields[rate]:,.0f} ev/s"),
        TimeRemainingColumn(),
        console=console,
    )
    task = bar.add_task(name, total=None, remaining=0, rate=0.0)

    def show(progress: RebuildProgress) -> None:
        bar.update(
            task,
            completed=progress.applied,
            total=progress.applied + progress.remaining,
            remaining=progress.remaining,
            rate=progress.rate,
        )

    async def main() -> None:
        runner = ProjectionRebuild(
            settings,
            available[name],
            composition.names(settings),
            verify=verify,
            restart=restart,
            allow_truncated=allow_truncated,
            final_gap=final_gap,
            swap=swap,
            on_progress=show,
        )
        # A rebuild holds batches of thousands of events, as a consumer does.
        tune_gc_for_batches(runner.max_batch)
        with bar:
            outcome = await runner.run(stop_on_signals())
        if outcome is None:
            console.print("stopped; run the same command again to resume")
            raise typer.Exit(1)
        if not outcome.swapped:
            console.print(
                f"{name}: version {outcome.shadow.version} built in schema "
                f"{outcome.shadow.schema}, not swapped ({outcome.applied:,} events in "
                f"{outcome.seconds:.1f}s)"
            )
            return
        console.print(
            f"{name}: version {outcome.shadow.version} is live "
            f"({outcome.applied:,} events in {outcome.seconds:.1f}s)"
        )
        for table, (live, rebuilt) in outcome.checksums.items():
            console.print(f"  {table}: live {live} = rebuilt {rebuilt}")

    try:
        asyncio.run(main())
    except (ChecksumMismatch, TruncatedHistory) as exc:
        console.print(f"[red]not swapped:[/] {exc}")
        raise typer.Exit(2) from exc
