"""Who the client is: the peer address, or, behind a trusted reverse proxy, the address the
proxy saw (``X-Forwarded-For``).

Limits per client address (web-chat sessions, login attempts) are only as good as that address.
``X-Forwarded-For`` is trusted only from the proxies named in ``FRONTDESK_TRUSTED_PROXIES``
(addresses or networks, comma-separated): anyone else could write any address into it and get
a fresh allowance per request. The header is read from the right: the first address that is not
one of our proxies is the client (entries further left were written by the client itself).
The middleware hands every handler a request whose ``remote`` is that address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(setting: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` → networks; ValueError naming a bad entry."""
    networks: list[Network] = []
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {entry!r}") from None
    return tuple(networks)


def _trusted(address: str | None, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(
    remote: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]
) -> str:
    """The client's address as described above ("unknown" when there is none)."""
    if not remote:
        return "unknown"
    if not forwarded_for or not _trusted(remote, proxies):
        return remote
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage from the client: the proxy is all we know
    return hops[0] if hops else remote


def real_client(proxies: tuple[Network, ...]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware: ``request.remote`` becomes the client's address for every handler."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if not proxies:
            return await handler(request)
        remote = client_address(request.remote, request.headers.get("X-Forwarded-For"), proxies)
        if remote == request.remote:
            return await handler(request)
        return await handler(request.clone(remote=remote))

    return middleware
