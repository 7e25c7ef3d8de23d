"""What a provider sign-in keeps between its requests (the sealed flow cookie) and the short
tokens it hands around: each is refused when tampered with, late, reused or of another kind."""

from __future__ import annotations

import uuid

import pytest

from producers.ingress.oidc.flow import Flow, FlowCookies, FlowRejected, cookie_name, new_flow
from producers.ingress.oidc.tickets import AUDIENCES, OneTime, TicketInvalid, Tickets
from producers.ingress.tokens import InvalidToken, TokenService
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
NOW = 1_800_000_000.0


def flow(**changes: object) -> Flow:
    started = new_flow("google", "https://app.example/done", "sign_in", None, now=NOW, ttl_s=600)
    return Flow(**{**started.__dict__, **changes})  # type: ignore[arg-type]


def test_the_pkce_challenge_is_rfc_7636s_s256_of_the_verifier() -> None:
    # RFC 7636, appendix B.
    example = flow(verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")

    assert example.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_every_flow_has_its_own_state_nonce_and_verifier() -> None:
    first, second = flow(), flow()

    assert len({first.state, second.state, first.nonce, second.nonce}) == 4
    assert first.verifier != second.verifier
    assert 43 <= len(first.verifier) <= 128


def test_a_sealed_flow_opens_for_its_own_state_and_provider() -> None:
    cookies = FlowCookies(SECRET)
    started = flow()

    assert cookies.open(cookies.seal(started), started.state, "google", now=NOW) == started


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (lambda value, state: (value[:-4] + "AAAA", state, "google", NOW), "invalid_state"),
        (lambda value, state: (value, state + "x", "google", NOW), "invalid_state"),
        (lambda value, state: (value, state, "github", NOW), "invalid_state"),
        (lambda value, state: (value, state, "google", NOW + 601), "flow_expired"),
        (lambda value, state: (None, state, "google", NOW), "unknown_state"),
    ],
    ids=["tampered cookie", "another state", "another provider", "too late", "no cookie"],
)
def test_a_callback_that_does_not_match_its_flow_is_refused(tamper: object, kind: str) -> None:
    cookies = FlowCookies(SECRET)
    started = flow()
    value, state, provider, now = tamper(cookies.seal(started), started.state)  # type: ignore[operator]

    with pytest.raises(FlowRejected) as refused:
        cookies.open(value, state, provider, now=now)

    assert refused.value.kind == kind


def test_a_flow_sealed_under_another_deployments_key_does_not_open() -> None:
    started = flow()
    sealed = FlowCookies(random_secret_key()).seal(started)

    with pytest.raises(FlowRejected):
        FlowCookies(SECRET).open(sealed, started.state, "google", now=NOW)


def test_each_flow_has_a_cookie_of_its_own_so_two_tabs_do_not_collide() -> None:
    assert cookie_name(flow().state) != cookie_name(flow().state)


def tickets() -> Tickets:
    return Tickets(SECRET, code_ttl_s=120, reauthentication_ttl_s=300)


def test_a_ticket_of_one_kind_never_passes_for_another() -> None:
    issued = tickets()
    code = issued.issue("sign_in_code", str(uuid.uuid4()))

    for kind in AUDIENCES:
        if kind != "sign_in_code":
            with pytest.raises(TicketInvalid):
                issued.read(kind, code)


def test_tickets_are_not_access_or_refresh_tokens_and_the_reverse() -> None:
    service = TokenService(SECRET, 900, 3600)
    pair = service.issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
    issued = tickets()

    with pytest.raises(TicketInvalid):
        issued.read("reauthentication", pair.access_token)
    with pytest.raises(InvalidToken):
        service.access(issued.issue("reauthentication", str(uuid.uuid4())))


def test_a_taken_ticket_cannot_be_taken_again() -> None:
    issued = tickets()
    ticket = issued.issue("start_ticket", str(uuid.uuid4()), pur="link", prv="google")

    issued.take("start_ticket", ticket)

    with pytest.raises(TicketInvalid, match="used already"):
        issued.take("start_ticket", ticket)


def test_one_time_keys_are_forgotten_once_expired_and_bounded_while_alive() -> None:
    now = [NOW]
    used = OneTime(lambda: now[0], max_entries=2)

    assert used.take("a", NOW + 10)
    assert used.take("b", NOW + 10)
    assert not used.take("c", NOW + 10)  # full of live keys: refused, none forgotten
    now[0] += 11
    assert used.take("c", NOW + 30)
    assert not used.seen("a")
