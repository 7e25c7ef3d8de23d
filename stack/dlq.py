"""`azora dlq list|show|redrive`: dead letters from the `dead_letters` read model.

Commands import what they use when they run, like the rest of the CLI.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer

from azora import databases
from azora.settings import Settings
from stack.output import Output

if TYPE_CHECKING:
    from azora.topics import TopicNames

dlq_app = typer.Typer(
    help="Dead letters: list, show, and re-drive them after a fix.", no_args_is_help=True
)

TopicOption = Annotated[
    str | None,
    typer.Option("--topic", "-t", help="The topic they failed on (catalogue name, or its .dlq)"),
]
GroupOption = Annotated[
    str | None, typer.Option("--group", "-g", help="The consumer group that gave up on them")
]


@dlq_app.command("list")
def list_command(
    topic: TopicOption = None,
    group: GroupOption = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only those not re-driven yet")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first", min=1)] = 50,
    output: Annotated[Output, typer.Option("--output", "-o", help="table or json")] = Output.TABLE,
) -> None:
    """Dead letters, newest first: where each failed, in which group, and why."""
    from rich.console import Console
    from rich.table import Table

    from azora import dead_letter_records as records

    settings = Settings()
    names = _names(settings)
    filters = records.Filters(
        origin_topic=_origin(names, topic),
        groups=records.groups(names, group),
        pending=pending,
        limit=limit,
    )
    rows = asyncio.run(_with_connection(settings, records.list_dead_letters, names, filters))
    if output is Output.JSON:
        # One object per dead letter, the read model's columns as they are (ids and times
        # as text), for scripts: `azora dlq list -o json | jq '.[].id'`.
        typer.echo(json.dumps([dict(row) for row in rows], default=str, indent=2))
        return
    table = Table(title=f"Dead letters ({len(rows)})", title_justify="left")
    for column in ("id", "failed at", "origin", "group", "kind", "error", "re-driven"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["failed_at"].isoformat(timespec="seconds"),
            _origin_text(row),
            row["group_id"] or "",
            row["error_kind"] or "",
            _short(row["error"]),
            row["redriven_at"].isoformat(timespec="seconds") if row["redriven_at"] else "",
        )
    Console().print(table)


@dlq_app.command("show")
def show_command(
    dead_letter_id: Annotated[str, typer.Argument(help="The id `azora dlq list` shows")],
) -> None:
    """One dead letter: its reason, headers, key, and value (pretty JSON, else text or hex)."""
    from azora import dead_letter_records as records
    from azora.messages import headers_from_json

    settings = Settings()
    names = _names(settings)
    row = asyncio.run(
        _with_connection(settings, records.get_dead_letter, names, _id(dead_letter_id))
    )
    if row is None:
        typer.echo(f"no dead letter {dead_letter_id} in this deployment", err=True)
        raise typer.Exit(1)
    fields = {
        "id": row["id"],
        "error": row["error"],
        "error kind": row["error_kind"],
        "attempts": row["attempts"],
        "group": row["group_id"],
        "failed at": row["failed_at"].isoformat(),
        "origin": _origin_text(row),
        "dead letter": f"{row['dlq_topic']}[{row['dlq_partition']}]@{row['dlq_offset']}",
        "event": f"{row['event_type'] or '?'} {row['event_id'] or ''}".strip(),
        "re-driven": (
            f"{row['redriven_at'].isoformat()} by {row['redriven_by']}"
            if row["redriven_at"]
            else "no"
        ),
    }
    for name, value in fields.items():
        typer.echo(f"{name + ':':13} {value if value is not None else ''}")
    typer.echo("headers:")
    for key, value in headers_from_json(row["headers"]):
        typer.echo(f"  {key}: {records.header_text(value)}")
    key = row["key"]
    typer.echo(f"key:          {records.header_text(key) if key is not None else '(none)'}")
    size = len(row["value"] or b"")
    typer.echo(f"value ({size} bytes):")
    typer.echo(records.readable(row["value"]))


@dlq_app.command("redrive")
def redrive_command(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Dead letters to re-drive (ids from `list`)")
    ] = None,
    topic: TopicOption = None,
    group: GroupOption = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="With --topic: also those re-driven before"),
    ] = False,
) -> None:
    """Publish dead letters again to the topic they failed on, after a fix.

    By id, or with --topic every one of that topic not re-driven yet (--all: every one).
    Each goes back with its key, value and headers (without the dlq.* ones, plus
    dlq.redriven_from); an event its group already applied is dropped by the inbox, and
    one that fails again becomes a new dead letter.
    """
    from azora import dead_letter_records as records

    if bool(ids) == bool(topic):
        raise typer.BadParameter("name dead letters by id, or a --topic (not both)")
    if (every or group) and not topic:
        raise typer.BadParameter("--all and --group go with --topic")
    settings = Settings()
    names = _names(settings)
    wanted = [_id(given) for given in ids or ()]
    origin = _origin(names, topic)
    by = f"cli:{getpass.getuser()}"

    async def main() -> list[str]:
        from azora import db, kafka
        from azora.messages import OutgoingMessage
        from schemas.envelope import utcnow

        conn = await db.connect(databases.url_for(settings, "projections"))
        try:
            if origin is not None:
                rows = await records.dead_letters_of(
                    conn, names, origin, groups=records.groups(names, group), again=every
                )
            else:
                rows = []
                for dead_letter_id in wanted:
                    row = await records.get_dead_letter(conn, names, dead_letter_id)
                    if row is None:
                        raise typer.BadParameter(f"no dead letter {dead_letter_id}")
                    rows.append(row)
        finally:
            await conn.close()
        producer = kafka.make_producer(settings, "azora-dlq")
        await producer.start()
        done = []
        try:

            async def send(message: OutgoingMessage) -> None:
                await producer.send_and_wait(
                    message.topic, message.value, key=message.key, headers=list(message.headers)
                )

            for row in rows:
                await records.redrive(send, names, row, by=by, at=utcnow())
                done.append(f"re-drove {row['id']} to {row['origin_topic']}")
        finally:
            await producer.stop()
        return done

    try:
        done = asyncio.run(main())
    except records.CannotRedrive as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for line in done:
        typer.echo(line)
    typer.echo(f"{len(done)} dead letter(s) re-driven")


def _names(settings: Settings) -> TopicNames:
    from azora.topics import TopicNames

    return TopicNames(settings.topic_prefix)


def _origin(names: TopicNames, topic: str | None) -> str | None:
    from azora import dead_letter_records as records

    if topic is None:
        return None
    try:
        return records.origin_topic(names, topic)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _id(given: str) -> uuid.UUID:
    try:
        return uuid.UUID(given)
    except ValueError as exc:
        raise typer.BadParameter(f"{given!r} is not a dead letter id") from exc


async def _with_connection(settings: Settings, query: Any, *args: Any) -> Any:
    from azora import db

    conn = await db.connect(databases.url_for(settings, "projections"))
    try:
        return await query(conn, *args)
    finally:
        await conn.close()


def _origin_text(row: dict[str, Any]) -> str:
    if row["origin_topic"] is None:
        return "?"
    return f"{row['origin_topic']}[{row['origin_partition']}]@{row['origin_offset']}"


def _short(text: str, width: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"
