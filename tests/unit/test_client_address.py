"""Who the client is: the peer, or behind trusted proxies whom they forwarded."""

from __future__ import annotations

import asyncio
from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from azora.settings import Settings
from producers.ingress.client_address import (
    ClientAddress,
    Network,
    client_address,
    forwarded_for,
    parse_address,
)
from producers.ingress.throttle import LoginAttempt, LoginThrottle
from tests.support.ingress_app import RecordingTransport, in_memory_app
from tests.support.secrets import random_secret_key

PROXIES: tuple[Network, ...] = (ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48"))
LOAD_BALANCER = "10.0.0.2"
EDGE_PROXY = "10.9.9.9"
CLIENT = "203.0.113.7"


def resolve(peer: str, header: str | None, trusted: tuple[Network, ...] = PROXIES) -> str:
    headers = [(b"x-forwarded-for", header.encode())] if header is not None else []
    return client_address(peer, forwarded_for(headers), trusted)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() -> None:
    assert resolve(CLIENT, "198.51.100.1", trusted=()) == CLIENT
    assert resolve(LOAD_BALANCER, "198.51.100.1", trusted=()) == LOAD_BALANCER


def test_an_untrusted_peers_header_is_ignored() -> None:
    assert resolve(CLIENT, "198.51.100.1") == CLIENT


def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw() -> None:
    assert resolve(LOAD_BALANCER, CLIENT) == CLIENT


def test_a_chain_of_trusted_hops_is_walked_from_the_right_to_the_first_untrusted() -> None:
    assert resolve(LOAD_BALANCER, f"{CLIENT}, {EDGE_PROXY}") == CLIENT


def test_what_the_client_wrote_left_of_the_trusted_hops_is_not_believed() -> None:
    # The client sent "X-Forwarded-For: 10.1.1.1, 198.51.100.1" to look like someone else
    # (or like a trusted proxy); the edge proxy appended the address it really saw.
    assert resolve(LOAD_BALANCER, f"10.1.1.1, 198.51.100.1, {CLIENT}, {EDGE_PROXY}") == CLIENT


def test_when_every_hop_is_trusted_the_leftmost_is_the_client() -> None:
    assert resolve(LOAD_BALANCER, f"10.5.5.5, {EDGE_PROXY}") == "10.5.5.5"


def test_a_trusted_peer_without_the_header_is_itself_the_client() -> None:
    assert resolve(LOAD_BALANCER, None) == LOAD_BALANCER


@pytest.mark.parametrize("garbage", ["unknown", "", "not-an-ip", "300.1.1.1", "1.2.3.4.5"])
def test_a_malformed_entry_stops_the_walk_at_the_last_address_known_for_sure(
    garbage: str,
) -> None:
    assert resolve(LOAD_BALANCER, garbage) == LOAD_BALANCER
    assert resolve(LOAD_BALANCER, f"{CLIENT}, {garbage}, {EDGE_PROXY}") == EDGE_PROXY
    assert resolve(LOAD_BALANCER, f"{garbage}, {CLIENT}") == CLIENT


def test_repeated_headers_are_one_list_in_order() -> None:
    headers = [(b"x-forwarded-for", CLIENT.encode()), (b"x-forwarded-for", EDGE_PROXY.encode())]
    assert client_address(LOAD_BALANCER, forwarded_for(headers), PROXIES) == CLIENT


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:4711", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_addresses_are_read_as_proxies_write_them(written: str, parsed: str) -> None:
    assert str(parse_address(written)) == parsed


def test_ipv6_proxies_are_trusted_by_their_own_networks() -> None:
    assert resolve("2001:db8:ffff::10", CLIENT) == CLIENT
    assert resolve("2001:db8:eeee::10", CLIENT) == "2001:db8:eeee::10"


def test_a_network_of_one_ip_version_never_trusts_an_address_of_the_other() -> None:
    everyone_v4 = (ip_network("0.0.0.0/0"),)
    assert resolve("2001:db8::5", CLIENT, trusted=everyone_v4) == "2001:db8::5"
    assert resolve("::", CLIENT, trusted=everyone_v4) == "::"


def client_seen(trusted: tuple[Network, ...], peer: str, header: str) -> object:
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["client"])

    scope = {
        "type": "http",
        "client": (peer, 51000),
        "headers": [(b"x-forwarded-for", header.encode())],
    }
    asyncio.run(ClientAddress(app, trusted)(scope, None, None))  # type: ignore[arg-type]
    return seen[0]


def test_the_middleware_gives_every_route_the_client_as_the_peer_by_default() -> None:
    assert client_seen((), LOAD_BALANCER, CLIENT) == (LOAD_BALANCER, 51000)


def test_the_middleware_gives_every_route_the_forwarded_client_behind_a_trusted_proxy() -> None:
    assert client_seen(PROXIES, LOAD_BALANCER, CLIENT) == (CLIENT, 0)


def test_trusted_proxies_are_read_from_one_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZORA_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,2001:db8::/32")

    assert [str(n) for n in Settings().trusted_proxies] == [
        "10.0.0.0/8",
        "192.168.1.7/32",
        "2001:db8::/32",
    ]


def test_no_proxy_is_trusted_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZORA_TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == ()


@pytest.mark.parametrize("given", ["10.0.0.1/8", "proxy.internal", "10.0.0.0/33"])
def test_a_trusted_proxy_that_is_not_a_network_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("AZORA_TRUSTED_PROXIES", given)
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings()


class ThrottleSpy(LoginThrottle):
    """The login throttle, noting the address each attempt is counted against."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    def begin(self, account: str, address: str) -> LoginAttempt:
        self.addresses.append(address)
        return super().begin(account, address)


def address_the_login_throttle_counts(
    monkeypatch: pytest.MonkeyPatch, trusted: str, peer: str, header: str
) -> str:
    monkeypatch.setenv("AZORA_TRUSTED_PROXIES", trusted)
    app = in_memory_app(RecordingTransport(), random_secret_key())
    spy = ThrottleSpy()
    app.state.ctx.logins = spy
    with TestClient(app, client=(peer, 40000), raise_server_exceptions=False) as client:
        client.post(
            "/v1/auth/login",
            json={"email": "ada@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": header},
        )
    (address,) = spy.addresses
    return address


def test_the_login_throttle_counts_the_forwarded_client_behind_a_trusted_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = address_the_login_throttle_counts(monkeypatch, "10.0.0.0/8", LOAD_BALANCER, CLIENT)
    assert counted == CLIENT


def test_the_login_throttle_counts_the_peer_when_no_proxy_is_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = address_the_login_throttle_counts(monkeypatch, "", CLIENT, "198.51.100.1")
    assert counted == CLIENT
