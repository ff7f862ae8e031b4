"""Whose address a request comes from: the one the audit trail records and the lockout counts.

The connection's address (REMOTE_ADDR) is the answer unless it belongs to one of our own
proxies (settings.TRUSTED_PROXIES). Then the proxy has said, in X-Forwarded-For, whom it was
talking to; each proxy appends the address of its own peer, so the header is read from the
right, past our other proxies, and the first address that is not ours is the client's. Anything
further left is what the client wrote itself and is never read. A header from a peer that is not
one of our proxies is ignored altogether: anyone can send one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            # Strict, as gunicorn's forwarded_allow_ips is: "10.0.0.1/8" is a typing mistake.
            networks.append(ipaddress.ip_network(entry.strip()))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network "
                f"such as 10.0.0.0/8 ({error})."
            ) from error
    return tuple(networks)


def trusted_networks(entries: Iterable[str] | None = None) -> tuple[Network, ...]:
    """The proxies whose X-Forwarded-For is believed (settings.TRUSTED_PROXIES by default)."""
    if entries is None:
        entries = getattr(settings, "TRUSTED_PROXIES", ())
    return _networks(tuple(entries))


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; it is still that IPv4 host.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_proxy(address: IPAddress, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (axes' AXES_CLIENT_IP_CALLABLE, and the audit trail's `from where`)."""
    remote_addr: str | None = request.META.get("REMOTE_ADDR") or None
    networks = trusted_networks()
    if remote_addr is None or not networks:
        return remote_addr
    peer = _address(remote_addr)
    if peer is None or not _is_proxy(peer, networks):
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded.strip():
        return remote_addr
    address: IPAddress | None = None
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            # Written by one of our proxies, so it should be an address: a proxy that passes on
            # something else (a port, a name, "unknown") is not one we can read. The proxy's
            # own address is at least true.
            return remote_addr
        if not _is_proxy(address, networks):
            return str(address)
    # Every hop is one of ours (a health check, a job on the proxy host): the request began
    # at the leftmost, as far as anyone we trust can tell.
    return str(address)


@checks.register(checks.Tags.security)
def check_trusted_proxies(**kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and migrate, runserver) refuse a TRUSTED_PROXIES they cannot read."""
    try:
        trusted_networks()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="upstream.E001")]
    return []
