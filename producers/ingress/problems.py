"""Errors as RFC 9457 problem documents (`application/problem+json`)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from schemas.api import FieldError, ProblemDocument

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise to answer with a problem document; `kind` becomes the `type` URI's last part."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def problem_response(
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json answer."""
    body = ProblemDocument(
        type=f"/problems/{kind}",
        title=title,
        status=status,
        detail=detail,
        errors=[FieldError(**e) for e in errors or []],
    )
    return JSONResponse(
        body.model_dump(), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def install(app: FastAPI) -> None:
    """Make every error of `app` a problem document."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.kind, exc.title, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]], "msg": e["msg"]}
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "validation_error",
            "The request is not valid",
            f"{len(errors)} field(s) failed validation",
            errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem_response(
            500,
            "internal_error",
            "Internal error",
            "something went wrong on our side; it has been logged",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            # FastAPI's answer to a body it cannot even decode (not UTF-8, say): as invalid
            # as malformed JSON, which it answers 422, so the same documented 422 here.
            return problem_response(
                422,
                "validation_error",
                "The request is not valid",
                "the body could not be parsed",
                [{"loc": ["body"], "msg": str(exc.detail)}],
            )
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; list every one.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(exc.status_code, kind, str(exc.detail), headers=headers or None)


_UNPARSABLE_BODY = "There was an error parsing the body"  # fastapi.routing's wording
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    # Ask every route whether it would take the path with each method: routers included
    # into the app are not flattened, and each answers for the routes it holds.
    allowed = []
    for method in _METHODS:
        probe = {
            "type": "http",
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "method": method,
            "headers": [],
        }
        if any(route.matches(dict(probe))[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDocument"
# Marks an error every router declares: `openapi_document` keeps it only on the operations it
# can happen to ("authenticated", "body", "input" or "always").
APPLIES = "x-azora-applies"


def documented(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem document."""
    return {"model": ProblemDocument, "content": {PROBLEM_JSON: {}}, "description": description}


def _declared(description: str, applies: str) -> dict[str, Any]:
    return {**documented(description), APPLIES: applies}


# For OpenAPI: the errors any operation of a router may answer, each where it applies.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _declared("Not authenticated: no valid access token", "authenticated"),
    413: _declared("Request body too large (the reason names the limit)", "body"),
    422: _declared("Invalid request (`errors` says where and why)", "input"),
    503: _declared("A dependency is unavailable (Retry-After says when to try again)", "always"),
}
