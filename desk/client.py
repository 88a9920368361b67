"""The reader's address, for the per-address rate limit.

Django runs behind lighttpd on the same host, so every request comes from
loopback; lighttpd appends the address it saw to ``X-Forwarded-For``, so the
last entry is always lighttpd's own view, whatever a reader put before it.
Behind a TLS terminator (``PUBLISHER_TRUSTED_PROXY``) that last entry is the
terminator, and the one before it is the terminator's view of the reader.
Without lighttpd (gunicorn behind a load balancer, the S3 setup) the request
comes from the balancer itself: the header is believed when that address is
in ``PUBLISHER_TRUSTED_PROXY``, and never from any other address. The chain
is read from the right, past every trusted hop (CloudFront's edge before the
balancer); entries further left are the reader's own words, never believed.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

LOCAL_PROXIES = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _within(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _reader(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:  # not a socket (a test client may send anything)
        return None
    address = peer
    trusted = [ipaddress.ip_network(n, strict=False) for n in settings.PUBLISHER_TRUSTED_PROXY]
    if _within(peer, LOCAL_PROXIES) or _within(peer, trusted):
        chain = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for entry in reversed(chain):
            found = _address(entry)
            if found is None:
                break
            address = found
            if not _within(found, trusted):
                break
    return address


def reader_address(request: HttpRequest) -> str:
    """The reader's own address, as far as it can be believed."""
    address = _reader(request)
    return "unknown" if address is None else str(address)


def client_address(request: HttpRequest) -> str:
    """The address to count a submission against (an IPv6 reader's /64)."""
    address = _reader(request)
    if address is None:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
