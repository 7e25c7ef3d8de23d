"""Text Postgres cannot store (a NUL) is refused at the ingress, in every string of every
command body, with a 422 naming the field, on the fast path as on FastAPI's routes.

The cases are generated from the valid body of every POST route (`VALID_BODIES`, which the
fast path's parity test keeps complete): a NUL in each string the body holds, nested
ones included.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from schemas import api
from schemas.api import requests as api_requests
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.unit.test_fast_path import BEARER, KEY, SECRET, VALID_BODIES

# Where a string sits in a body: keys and list positions.
Path = tuple[str | int, ...]


def strings_in(value: Any, at: Path = ()) -> list[Path]:
    """The paths of every string in a JSON value."""
    if isinstance(value, str):
        return [at]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in strings_in(v, (*at, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in strings_in(v, (*at, i))]
    return []


def with_nul(body: Any, at: Path, nul: str = "\u0000") -> Any:
    """`body` with `nul` in the middle of the string at `at`."""
    changed = copy.deepcopy(body)
    *parents, last = at
    holder = changed
    for step in parents:
        holder = holder[step]
    text = holder[last]
    holder[last] = text[: len(text) // 2] + nul + text[len(text) // 2 :]
    return changed


def field_of(at: Path) -> list[str | int]:
    """The `loc` that names the field holding the string at `at` (a list of strings is
    named as the field; a nested model's field by its full path)."""
    loc = list(at)
    while loc and isinstance(loc[-1], int):
        loc.pop()
    return ["body", *loc]


# Bodies whose bytes someone else signed: the signature is checked before the body is read,
# so an unsigned body is refused with 400 whatever it holds (tests of the webhook cover it).
SIGNED_BODIES = {"/v1/webhooks/stripe"}
CASES = {
    f"{route} {'.'.join(map(str, at))}": (route, body, at)
    for route, body in VALID_BODIES.items()
    if route not in SIGNED_BODIES
    for at in strings_in(body)
}
APPS = {
    fast: in_memory_client(RecordingTransport(), SECRET, fast_path=fast) for fast in (True, False)
}


def post(fast: bool, path: str, body: Any) -> httpx.Response:
    """`body` to `path` on the app with the fast path (`fast`) or without it."""
    headers = {**BEARER, **KEY, "Content-Type": "application/json"}
    # A route's path parameter gets a valid value: only the body is under test.
    path = path.replace("{provider}", "google")
    return APPS[fast].post(path, content=json.dumps(body).encode(), headers=headers)


def test_every_route_with_a_body_has_a_string_to_probe() -> None:
    assert {route for route, _, _ in CASES.values()} == set(VALID_BODIES) - SIGNED_BODIES


@pytest.mark.parametrize("case", CASES)
def test_a_nul_in_any_string_of_a_command_is_refused_naming_its_field(case: str) -> None:
    path, valid, at = CASES[case]
    body = with_nul(valid, at)
    fast, routed = post(True, path, body), post(False, path, body)
    assert fast.status_code == 422, fast.text
    assert fast.json() == routed.json()
    assert fast.headers["content-type"] == routed.headers["content-type"]
    (error,) = fast.json()["errors"]
    assert error["loc"] == field_of(at)
    # Free text says why; a typed field (an id, an enum, a code) refuses any odd text.
    free_text = post(False, path, with_nul(valid, at, nul="~")).status_code != 422
    assert (api.NUL_REFUSED in error["msg"]) == free_text, error["msg"]


def test_the_registration_with_a_nul_in_its_display_name_is_refused() -> None:
    body = {**VALID_BODIES["/v1/auth/register"], "display_name": "a\u0000b"}
    for fast in (True, False):
        answer = APPS[fast].post("/v1/auth/register", json=body, headers=KEY)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["loc"] == ["body", "display_name"]


def test_every_request_model_of_the_contract_carries_the_rule() -> None:
    requests = [
        model
        for model in vars(api).values()
        if isinstance(model, type) and model.__name__.endswith(("Request", "In"))
    ]
    assert requests
    assert all(issubclass(model, api_requests._Request) for model in requests)
