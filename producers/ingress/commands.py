"""Submitting commands (202 + where to look) and reading their outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel

from azora import logs
from producers.ingress import queries
from producers.ingress.auth import Ctx
from producers.ingress.context import IngressContext
from producers.ingress.http_metrics import COMMANDS, labelled
from producers.ingress.links import links_for
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from schemas.api import CommandStatus

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retry with the same key and body: same command, nothing new published",
    ),
]

log = logging.getLogger(__name__)
router = APIRouter(tags=["commands"])


def status_url(command_id: uuid.UUID) -> str:
    """Where a command's outcome is read."""
    return f"/v1/commands/{command_id}"


def accepted(response: Response, command_id: uuid.UUID, **created: Any) -> dict[str, Any]:
    """The 202 body (and Location header) for `command_id`, naming what it creates."""
    response.status_code = 202
    response.headers["Location"] = status_url(command_id)
    return {"command_id": command_id, "status_url": status_url(command_id), **created}


async def submit(
    ctx: IngressContext,
    *,
    route: str,
    actor: str,
    request: BaseModel,
    idempotency_key: str | None,
    build: Callable[[uuid.UUID], Awaitable[BaseModel]],
    scope: str | None = None,
) -> uuid.UUID:
    """Publish the command `build` makes, once per Idempotency-Key; return its id.

    `route` names the command in the metrics, so it is one of a fixed few names and never
    holds an id; an Idempotency-Key is scoped to the caller and `scope` (the route unless
    the command is about one resource, such as the payment a refund is for).
    """
    command = ctx.bus.command_id(
        actor=actor, route=scope or route, request=request, idempotency_key=idempotency_key
    )
    # The rest of the request's lines (a publish failure, the access line) name the command.
    logs.bind(command_id=str(command.id))
    if command.from_idempotency_key:
        seen = await _recorded(ctx, command.id)
        if seen is not None:
            if seen["fingerprint"] and seen["fingerprint"] != command.fingerprint:
                raise Problem(
                    422,
                    "idempotency_key_reused",
                    "Idempotency-Key reused",
                    "this Idempotency-Key was already used with a different request body",
                )
            labelled(COMMANDS, route, "replayed").inc()
            return command.id
    payload = await build(command.id)
    try:
        await _acknowledged(
            ctx.bus.send_command(payload, command=command, actor=actor),
            "Commands cannot be accepted right now",
            "Kafka did not acknowledge the command; nothing was published. Retry later "
            "(with the same Idempotency-Key).",
        )
    except Problem:
        labelled(COMMANDS, route, "unavailable").inc()
        raise
    labelled(COMMANDS, route, "accepted").inc()
    return command.id


async def publish_fact(
    ctx: IngressContext, payload: BaseModel, *, actor: str, event_id: uuid.UUID | None = None
) -> None:
    """Publish a fact the ingress establishes; 503 with Retry-After if Kafka does not ack."""
    await _acknowledged(
        ctx.bus.send_fact(payload, actor=actor, event_id=event_id),
        "Try again shortly",
        "Kafka did not acknowledge the event; nothing was published",
    )


async def _acknowledged(sending: Awaitable[Any], title: str, detail: str) -> None:
    try:
        await sending
    except Exception as exc:
        log.warning("publish failed: %r", exc)
        raise Problem(
            503, "broker_unavailable", title, detail, headers={"Retry-After": "5"}
        ) from exc


async def _recorded(ctx: IngressContext, command_id: uuid.UUID) -> Any:
    # A command already recorded is not published again; if Postgres is down we publish
    # anyway (same event id), and every consumer's inbox drops the repeat.
    try:
        return await queries.command(ctx, command_id)
    except Problem:
        return None


async def outcome(ctx: IngressContext, command_id: uuid.UUID, wait: float) -> Any:
    """The command's recorded status, waiting up to `wait` seconds (at most 30) while it is
    unknown or pending."""
    row = await queries.command(ctx, command_id)
    if wait > 0 and (row is None or row["status"] == "pending"):
        async with ctx.waiter.watch(command_id) as settled:
            row = await queries.command(ctx, command_id)
            if row is None or row["status"] == "pending":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(settled.wait(), timeout=min(wait, 30.0))
                row = await queries.command(ctx, command_id)
    return row


@router.get(
    "/v1/commands/{command_id}",
    response_model=CommandStatus,
    responses={
        404: documented("Unknown command"),
        422: PROBLEM_RESPONSES[422],
        503: PROBLEM_RESPONSES[503],
    },
)
async def get_command(
    command_id: uuid.UUID,
    ctx: Ctx,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=30,
            description="Seconds to hold the answer while the command is pending (at most 30)",
        ),
    ] = 0,
) -> CommandStatus:
    """A command's status; with `wait`, answers as soon as it settles (LISTEN/NOTIFY)."""
    row = await outcome(ctx, command_id, wait)
    if row is None:
        raise Problem(
            404,
            "unknown_command",
            "Unknown command",
            "no command with this id has been recorded (a command is recorded moments after "
            "its 202; use ?wait= to wait for it)",
        )
    return CommandStatus(
        command_id=row["command_id"],
        status=row["status"],
        reason=row["reason"],
        links=links_for(row["settled_by"], row["settled_ids"]),
    )
