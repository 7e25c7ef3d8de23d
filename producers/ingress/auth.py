"""Who is calling: the bearer access token, verified.

`bearer_claims` is the one reading of the `Authorization` header: the routes' dependency
(`current_user`) and the command fast path both call it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from producers.ingress.context import IngressContext, context
from producers.ingress.problems import Problem
from producers.ingress.tokens import AccessClaims, InvalidToken, TokenService

# Declares the scheme in the OpenAPI document; the header itself is read by `bearer_claims`.
_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/login")


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="azora"'},
    )


def bearer_claims(tokens: TokenService, authorization: str | None) -> AccessClaims:
    """The verified caller an `Authorization: Bearer <token>` header names, or a 401 problem."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()  # as FastAPI's HTTPBearer reads it
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send an access token as 'Authorization: Bearer <token>'")
    try:
        return tokens.access(token)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from exc


async def current_user(
    request: Request,
    ctx: Annotated[IngressContext, Depends(context)],
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """The verified caller, or a 401 problem."""
    return bearer_claims(ctx.tokens, request.headers.get("authorization"))


CurrentUser = Annotated[AccessClaims, Depends(current_user)]
Ctx = Annotated[IngressContext, Depends(context)]
