"""Who the client is: the socket's peer, or, behind proxies we trust, whom they forwarded.

Behind a proxy every request comes from the proxy's address, so anything keyed on the
client address (the login throttle's per-address lockout) would put everyone in one
bucket: fifty failed logins from anyone would lock everyone out. Believing
`X-Forwarded-For` from anybody is worse: a client could name any address, and so escape
its own lockout or lock out someone else's.

So the header is read only when the peer is a proxy listed in `AZORA_TRUSTED_PROXIES`,
and only as far as trusted hands wrote it: walking from its right end (the address our
peer saw), each entry is believed while the address before it (the one that appended it)
is trusted. The first untrusted address is the client. A malformed entry stops the walk:
the client is the last address known for sure. With no trusted proxies (the default) the
peer is the client, whatever it sends.

`ClientAddress` puts the answer where Starlette reads it (`scope["client"]`, so
`request.client.host`), in front of every route. It replaces uvicorn's own
`--proxy-headers`, which the ingress runs with off: one rule, one setting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import ASGIApp, Receive, Scope, Send

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address, from the socket's `peer` and the `X-Forwarded-For` entries."""
    current = peer
    for entry in reversed(forwarded_for):
        if not is_trusted(current, trusted):
            return current
        hop = parse_address(entry)
        if hop is None:
            return current  # a malformed entry: nothing left of it can be vouched for
        current = str(hop)
    return current


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    """Whether `address` is one of the trusted proxies."""
    parsed = parse_address(address)
    # Compared within one IP version only: `in` across versions compares bare integers.
    return parsed is not None and any(
        parsed.version == network.version and parsed in network for network in trusted
    )


def parse_address(text: str) -> Address | None:
    """An IP address as proxies write it (`1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:80`)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:1.2.3.4 is 1.2.3.4
    return address


def forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The `X-Forwarded-For` entries, in order, across repeated headers."""
    entries: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            entries.extend(value.decode("latin-1").split(","))
    return entries


class ClientAddress:
    """ASGI middleware: `scope["client"]` becomes the client's address; see the module."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if self.trusted and client and scope["type"] in ("http", "websocket"):
            peer = str(client[0])
            address = client_address(peer, forwarded_for(scope["headers"]), self.trusted)
            if address != peer:
                scope["client"] = (address, 0)  # a forwarded client's port is not known
        await self.app(scope, receive, send)
