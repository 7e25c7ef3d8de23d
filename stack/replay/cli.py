"""`azora replay export`: topics for a window of time, filtered, to JSONL, CSV or Parquet."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from azora.settings import Settings
from azora.topics import TopicNames
from stack.replay.audit import AuditUnavailable, Disclosure, DisclosureRefused
from stack.replay.export import ExportRequest, Summary, export
from stack.replay.filters import Filters
from stack.replay.formats import Format, MissingExtraError, format_for, require_support
from stack.replay.redaction import PersonalFilterRefused
from stack.replay.selection import MissingTopicsError, select_topics
from stack.replay.window import parse_bound

replay_app = typer.Typer(
    help="Read topics back for analysis, without joining any consumer group.",
    no_args_is_help=True,
)

STDOUT = "-"


@replay_app.command("export")
def export_command(
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for JSON Lines on stdout")
    ],
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", help="Catalogue topic, e.g. payment.succeeded (repeatable)"),
    ] = None,
    raw_topic: Annotated[
        list[str] | None,
        typer.Option("--raw-topic", help="Topic as the broker names it, no prefix (repeatable)"),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every catalogue topic")] = False,
    include_dlq: Annotated[
        bool, typer.Option("--include-dlq", help="Also each chosen topic's dead letters")
    ] = False,
    start: Annotated[
        str,
        typer.Option(
            "--from", help="earliest, an offset, or an ISO 8601 time with offset or Z (included)"
        ),
    ] = "earliest",
    stop: Annotated[
        str,
        typer.Option("--to", help="latest (as the export starts), an offset, or a time (excluded)"),
    ] = "latest",
    event_type: Annotated[
        list[str] | None,
        typer.Option("--type", help="Keep events of this envelope type (repeatable)"),
    ] = None,
    key: Annotated[
        list[str] | None, typer.Option("--key", help="Keep records with this key (repeatable)")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Keep events whose payload field equals, e.g. currency=EUR"),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Default: from the file's suffix"),
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", min=0.001, help="Read at most N events per second")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Write personal fields in clear (default: redacted); needs --reason, audited",
        ),
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why personal data is exported in clear (recorded)"),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option("--operator", help="Who asks for it, if not the OS user (recorded)"),
    ] = None,
) -> None:
    """Export events of a time window; the file appears only when the export completes.

    Personal fields (schemas.personal) are written as "[redacted]" unless
    --include-personal-data --reason TEXT is given; such an export is recorded first.
    """
    settings = Settings()
    try:
        disclosure = _disclosure(include_personal_data, reason, operator)
    except DisclosureRefused as exc:
        typer.echo(f"azora replay export: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        request = ExportRequest(
            topics=tuple(
                select_topics(
                    TopicNames(settings.topic_prefix),
                    logical=topic or [],
                    every=every,
                    include_dlq=include_dlq,
                    raw=raw_topic or [],
                )
            ),
            start=parse_bound(start),
            stop=parse_bound(stop),
            filters=Filters.build(event_type or [], key or [], where or []),
            format=_format(output, fmt),
            output=None if output == STDOUT else Path(output),
            rate=rate,
            progress=not quiet,
            disclosure=disclosure,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        require_support(request.format)
    except MissingExtraError as exc:
        typer.echo(f"azora replay export: {exc}", err=True)
        raise typer.Exit(2) from None
    summary = _run(settings, request, output)
    typer.echo(summary.line(), err=True)


def _disclosure(include: bool, reason: str | None, operator: str | None) -> Disclosure | None:
    if not include:
        if reason is not None or operator is not None:
            raise DisclosureRefused(
                "--reason and --operator go with --include-personal-data; without it "
                "personal fields are redacted and nothing is recorded"
            )
        return None
    return Disclosure.asked(reason, operator)


def _format(output: str, fmt: Format | None) -> Format:
    if output == STDOUT:
        if fmt not in (None, Format.JSONL):
            raise ValueError(f"only jsonl streams to stdout, not {fmt}")
        return Format.JSONL
    guessed = fmt or format_for(Path(output))
    if guessed is None:
        raise ValueError(f"cannot tell the format of {output!r}: add --format jsonl|csv|parquet")
    return guessed


def _run(settings: Settings, request: ExportRequest, output: str) -> Summary:
    async def main() -> Summary:
        # SIGTERM cancels the export like Ctrl-C does, so the temporary file is removed.
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await export(settings, request)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    unfinished = "stdout is incomplete" if output == STDOUT else f"{output} was not written"
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {unfinished}", err=True)
        raise typer.Exit(130) from None
    except asyncio.CancelledError:
        typer.echo(f"terminated: {unfinished}", err=True)
        raise typer.Exit(143) from None
    except PersonalFilterRefused as exc:
        typer.echo(f"azora replay export: {exc}", err=True)
        raise typer.Exit(2) from None
    except BrokenPipeError:
        # `... -o - | head`: the reader left. Point stdout at /dev/null so the interpreter's
        # final flush does not complain, and stop quietly as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(141) from None
    except (MissingTopicsError, FileNotFoundError, AuditUnavailable) as exc:
        typer.echo(f"azora replay export: {exc}", err=True)
        raise typer.Exit(1) from None
