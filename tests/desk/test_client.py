"""Which address a submission counts against: what lighttpd saw, never what a reader claims."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from desk.client import client_address


def address(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().post("/submit/tip/", **meta))


def test_behind_lighttpd_the_last_forwarded_address_counts():
    assert address("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    # Whatever a reader put before it is their own claim.
    assert address("127.0.0.1", "10.0.0.1, 203.0.113.9, 198.51.100.7") == "198.51.100.7"


def test_a_request_not_from_the_local_proxy_is_counted_by_its_own_address():
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"


@pytest.mark.parametrize(
    "trusted, expected",
    [([], "10.1.2.3"), (["10.1.2.0/24"], "203.0.113.9"), (["10.1.2.3"], "203.0.113.9")],
)
def test_behind_a_trusted_tls_terminator_its_view_of_the_reader_counts(settings, trusted, expected):
    settings.PUBLISHER_TRUSTED_PROXY = trusted
    # reader's claim, the terminator's view of the reader, lighttpd's view (the terminator)
    assert address("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.1.2.3") == expected


def test_a_trusted_proxy_does_not_make_a_readers_own_claim_count(settings):
    settings.PUBLISHER_TRUSTED_PROXY = ["10.1.2.3"]
    # Not through the terminator: lighttpd saw the reader itself.
    assert address("127.0.0.1", "10.1.2.3, 198.51.100.7") == "198.51.100.7"


def test_an_ipv6_reader_is_counted_by_their_64():
    assert address("::1", "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address("::1", "2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"


def test_rubbish_in_the_header_stops_the_walk():
    assert address("127.0.0.1", "198.51.100.7, not-an-address") == "127.0.0.1"
