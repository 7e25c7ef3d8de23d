"""Admin endpoints: dead letters listed, shown and re-driven (what `azora dlq` does)."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from azora import dead_letter_records as records
from azora.messages import headers_from_json
from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.context import IngressContext
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.query_text import text_query
from producers.ingress.tokens import AccessClaims
from schemas.api import (
    DeadLetter,
    DeadLetterPage,
    DeadLetterSummary,
    RecordBytes,
    RecordHeader,
    RedriveAccepted,
)
from schemas.envelope import utcnow

log = logging.getLogger(__name__)

FORBIDDEN = documented("Only admins manage dead letters")
router = APIRouter(
    prefix="/v1/admin/dead-letters",
    tags=["admin"],
    responses={**PROBLEM_RESPONSES, 403: FORBIDDEN},
)


def require_admin(user: CurrentUser) -> AccessClaims:
    """The caller, if an admin; a 403 problem otherwise."""
    if "admin" not in user.roles:
        raise Problem(
            403,
            "forbidden",
            "Only admins manage dead letters",
            "this needs the admin role (`azora grant-role <user_id> admin`, then log in again)",
        )
    return user


Admin = Annotated[AccessClaims, Depends(require_admin)]


@router.get("", response_model=DeadLetterPage)
async def list_dead_letters(
    _: Admin,
    ctx: Ctx,
    topic: Annotated[
        str | None, text_query(300, "The topic they failed on (catalogue name)")
    ] = None,
    group: Annotated[str | None, text_query(300, "The consumer group that gave up")] = None,
    pending: Annotated[bool, Query(description="Only those not re-driven yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> DeadLetterPage:
    """This deployment's dead letters, newest first (admins only)."""
    names = ctx.bus.names
    origin = None
    if topic is not None:
        try:
            origin = records.origin_topic(names, topic)
        except ValueError as exc:
            raise Problem(
                422,
                "validation_error",
                "The request is not valid",
                str(exc),
            ) from exc
    wanted = records.groups(names, group)
    rows = await queries.fetch_all(
        ctx, records.LIST, records.dlq_topics(names), origin, wanted, pending, limit, offset
    )
    return DeadLetterPage(items=[_summary(dict(row)) for row in rows])


@router.get(
    "/{dead_letter_id}",
    response_model=DeadLetter,
    responses={404: documented("No such dead letter")},
)
async def show_dead_letter(dead_letter_id: uuid.UUID, _: Admin, ctx: Ctx) -> DeadLetter:
    """One dead letter with its original headers, key and value (admins only)."""
    row = await _one(ctx, dead_letter_id)
    headers = [
        RecordHeader(name=name, value=_text(value), value_base64=records.body_of(value).base64)
        for name, value in headers_from_json(row["headers"])
    ]
    return DeadLetter(
        **_summary(row).model_dump(),
        headers=headers,
        key=_bytes(row["key"]) if row["key"] is not None else None,
        value=_bytes(row["value"]),
    )


@router.post(
    "/{dead_letter_id}/redrive",
    status_code=202,
    response_model=RedriveAccepted,
    responses={
        404: documented("No such dead letter"),
        409: documented("This dead letter cannot be re-driven"),
    },
)
async def redrive_dead_letter(dead_letter_id: uuid.UUID, admin: Admin, ctx: Ctx) -> RedriveAccepted:
    """Publish the original record again to the topic it failed on (admins only).

    It goes back with its key, value and headers (without the `dlq.*` ones, plus
    `dlq.redriven_from`); `dead_letter.redriven` then marks the dead letter. An event its
    group already applied is dropped by the inbox; one that fails again becomes a new
    dead letter.
    """
    row = await _one(ctx, dead_letter_id)
    by = f"admin:{admin.user_id}"
    try:
        fact = await records.redrive(ctx.bus.transport.send, ctx.bus.names, row, by=by, at=utcnow())
    except records.CannotRedrive as exc:
        raise Problem(
            409, "cannot_redrive", "This dead letter cannot be re-driven", str(exc)
        ) from exc
    except Exception as exc:
        log.warning("re-drive of %s failed: %r", dead_letter_id, exc)
        raise Problem(
            503,
            "broker_unavailable",
            "Try again shortly",
            "Kafka did not acknowledge the re-drive",
            headers={"Retry-After": "5"},
        ) from exc
    return RedriveAccepted(
        dead_letter_id=fact.dead_letter_id,
        origin_topic=fact.origin_topic,
        redriven_at=fact.redriven_at,
        redriven_by=fact.redriven_by,
    )


async def _one(ctx: IngressContext, dead_letter_id: uuid.UUID) -> dict[str, Any]:
    row = await queries.fetch_one(
        ctx, records.ONE, dead_letter_id, records.dlq_topics(ctx.bus.names)
    )
    if row is None:
        raise Problem(404, "not_found", "No such dead letter", "no dead letter with this id")
    return dict(row)


def _summary(row: dict[str, Any]) -> DeadLetterSummary:
    return DeadLetterSummary(
        id=row["id"],
        dlq_topic=row["dlq_topic"],
        dlq_partition=row["dlq_partition"],
        dlq_offset=row["dlq_offset"],
        origin_topic=row["origin_topic"],
        origin_partition=row["origin_partition"],
        origin_offset=row["origin_offset"],
        group=row["group_id"],
        error=row["error"],
        error_kind=row["error_kind"],
        attempts=row["attempts"],
        failed_at=row["failed_at"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        redriven_at=row["redriven_at"],
        redriven_by=row["redriven_by"],
    )


def _bytes(value: bytes | None) -> RecordBytes:
    body = records.body_of(value)
    return RecordBytes(size=body.size, parsed=body.json, text=body.text, base64=body.base64)


def _text(value: bytes) -> str | None:
    try:
        return value.decode()
    except UnicodeDecodeError:
        return None
