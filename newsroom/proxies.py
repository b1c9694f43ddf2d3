"""The address a request came from, when reverse proxies stand in front of the site.

Behind a proxy, REMOTE_ADDR is the proxy's address for every reader. Each
proxy appends the address it received the request from to X-Forwarded-For,
so the client is the entry the outermost trusted proxy appended. Everything
to the left of it is whatever the client chose to send, and is never read.

``settings.NEWSROOM_TRUSTED_PROXY_COUNT`` (N) trusts the last N hops: the
client is the N-th entry from the right. This holds only if every request
passes through all N proxies. ``settings.NEWSROOM_TRUSTED_PROXY_NETWORKS``
trusts hops by address instead: from REMOTE_ADDR leftwards, while the hop is
a trusted proxy, take the entry it appended. With neither, the header is
ignored. A header no trusted proxy could have written (too short, or an
entry that is not an address) is ignored too, which keys every such request
on the proxy's own address: stricter, never looser.

django-axes can ask django-ipware instead, but that is one more dependency
that counts proxies differently (leaving out the one in REMOTE_ADDR) and
matches trusted proxies by string prefix; the rules above are short enough
to own and test (tests/test_security_login.py).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: HttpRequest) -> str:
    """The client's address: from X-Forwarded-For as the rules above allow, else REMOTE_ADDR.

    django-axes keys lock-outs on it (``AXES_CLIENT_IP_CALLABLE``) and the
    request log records it.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    count = settings.NEWSROOM_TRUSTED_PROXY_COUNT
    networks = settings.NEWSROOM_TRUSTED_PROXY_NETWORKS
    if not forwarded or not (count or networks):
        return peer
    hops = [_address(entry) for entry in forwarded.split(",")]
    client = _by_count(hops, count) if count else _by_network(peer, hops, networks)
    return str(client) if client else peer


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def _by_count(hops: list[Address | None], count: int) -> Address | None:
    """The entry the outermost of ``count`` proxies appended, if there is one."""
    return hops[-count] if len(hops) >= count else None


def _by_network(
    peer: str, hops: list[Address | None], networks: tuple
) -> Address | None:
    """Walk leftwards from the peer through trusted proxies; the first other hop."""
    client = _address(peer)
    for hop in reversed(hops):
        if client is None or not any(client in network for network in networks):
            break
        client = hop
    return client
