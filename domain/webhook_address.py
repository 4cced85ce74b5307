"""Where a webhook may be sent: the URL rules and the addresses that are refused.

A webhook request is made by our servers to an address an organisation chose, so
a careless rule would let anyone make us call into our own network (SSRF). The
rules here are pure: the application checks the URL when an endpoint is
registered, and the sender checks every address the host name resolves to, right
before it connects.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from domain.errors import InvalidValue, problem

URL_MAX_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: 100.64.0.0/10 (carrier-grade NAT) is neither private nor global in Python's tables.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def webhook_url(value: object, field: str = "url") -> str:
    """An absolute http(s) URL with a host, no user name or password and no fragment.

    Addresses given literally are checked for their kind by `refused_address`
    where the caller asks; names are resolved and checked only when sending.
    """
    if not isinstance(value, str):
        raise InvalidValue.single(field, problem("not_text", "must be a string"))
    url = value.strip()
    if not url:
        raise InvalidValue.single(field, problem("required", "must not be empty"))
    if len(url) > URL_MAX_LENGTH:
        raise InvalidValue.single(
            field,
            problem(
                "too_long", f"must be at most {URL_MAX_LENGTH} characters", count=URL_MAX_LENGTH
            ),
        )
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise InvalidValue.single(
            field,
            problem("webhook_url_blanks", "must not contain blanks or control characters"),
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidValue.single(field, problem("webhook_url", "is not a valid URL")) from None
    if parts.scheme not in ("http", "https"):
        raise InvalidValue.single(
            field, problem("webhook_url_scheme", "must start with https:// or http://")
        )
    if not parts.hostname:
        raise InvalidValue.single(field, problem("webhook_url", "must name a host"))
    if parts.username is not None or parts.password is not None:
        raise InvalidValue.single(
            field,
            problem("webhook_url_credentials", "must not contain a user name or password"),
        )
    if parts.fragment:
        raise InvalidValue.single(
            field, problem("webhook_url_fragment", "must not contain a fragment (#...)")
        )
    if port == 0:
        raise InvalidValue.single(field, problem("webhook_url", "must not use port 0"))
    return url


def literal_address(host: str) -> IPAddress | None:
    """The address if `host` is written as one (`10.0.0.1`, `[::1]` without brackets)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refused_address(address: IPAddress) -> str | None:
    """Why a request to `address` is refused outside closed networks, or None if it is not.

    Only globally routable unicast addresses are allowed: loopback, private,
    link-local (cloud metadata at 169.254.169.254), shared, multicast, reserved and
    unspecified addresses are refused, also inside IPv6 (mapped and NAT64 forms).
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return refused_address(embedded)
        if address in ipaddress.ip_network("64:ff9b::/96"):
            return refused_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None
