"""Who is calling: the bearer access token, verified."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from producers.ingress.context import IngressContext, context
from producers.ingress.problems import Problem
from producers.ingress.tokens import AccessClaims, InvalidToken

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login")


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="azora"'},
    )


async def current_user(
    ctx: Annotated[IngressContext, Depends(context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """The verified caller, or a 401 problem."""
    if credentials is None:
        raise _unauthorized("send an access token as 'Authorization: Bearer <token>'")
    try:
        return ctx.tokens.access(credentials.credentials)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc


CurrentUser = Annotated[AccessClaims, Depends(current_user)]
Ctx = Annotated[IngressContext, Depends(context)]
