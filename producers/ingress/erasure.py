"""Erasing one's own account (`DELETE /v1/me`): re-authenticated, then a command to identity.

Identity forgets the user (credentials, MFA, provider links, account, personal-data keys)
and publishes `user.erased`; every read model drops or anonymises their rows. The money
they moved stays, under their pseudonymous id (docs/security.md#erasure).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.commands import IdempotencyKey, accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.credential_store import credentials_row
from producers.ingress.credentials import (
    CREDENTIALS_OF,
    LOCKED_RESPONSE,
    login_attempt,
    second_factor_used,
)
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.reauthentication import first_factor_proven
from schemas.api import Accepted, AccountErasureRequest
from schemas.erasure import UserErasureRequested

router = APIRouter(prefix="/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.delete(
    "/me",
    status_code=202,
    response_model=Accepted,
    responses={
        403: documented(
            "The password (or re-authentication) is wrong, or MFA is on and the code is "
            "missing, wrong or used already"
        ),
        404: documented("No account for this token (erased already, or not projected yet)"),
        **LOCKED_RESPONSE,
    },
)
async def delete_account(
    body: AccountErasureRequest,
    user: CurrentUser,
    ctx: Ctx,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Erase the caller's account for good: the password (or a `reauthentication_token`)
    and, when MFA is on, a current `totp_code` (or a `recovery_code`) are checked first.

    Wrong guesses count toward the login lockout. The outcome appears at `status_url`.
    """
    await _proven(ctx, request, user.user_id, body)
    requested_at = datetime.now(UTC)

    async def build(_: uuid.UUID) -> UserErasureRequested:
        return UserErasureRequested(user_id=user.user_id, requested_at=requested_at)

    command_id = await submit(
        ctx,
        route="account.erase",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id)


async def _proven(
    ctx: IngressContext, request: Request, user_id: uuid.UUID, body: AccountErasureRequest
) -> None:
    """The caller proved who they are again, or a 403 saying what was wrong."""
    row = await credentials_row(ctx, CREDENTIALS_OF, user_id)
    if row is None:
        raise Problem(404, "not_found", "No such account", "no account for this token")
    attempt = login_attempt(ctx, row["email"], request)
    used = None
    try:
        if not await first_factor_proven(
            ctx, row, user_id, body.password, body.reauthentication_token
        ):
            attempt.failed()
            raise _refused("the password (or the re-authentication) is wrong")
        if row["mfa_secret"]:
            if body.totp_code is None and body.recovery_code is None:
                raise _refused("MFA is on: send a current totp_code (or a recovery_code) too")
            used = second_factor_used(ctx, row, body.totp_code, body.recovery_code)
            if used is None:
                attempt.failed()
                raise _refused("the code is wrong, or was used already (each code works once)")
        attempt.succeeded()
    finally:
        attempt.abandoned()
    if used is not None:
        await publish_fact(ctx, used, actor=str(user_id))


def _refused(detail: str) -> Problem:
    return Problem(403, "reauthentication_failed", "Re-authentication failed", detail)
