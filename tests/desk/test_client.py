"""Which address a submission counts against: what lighttpd saw, never what a reader claims."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory

from desk.client import client_address
from tests.support import check_with, submit_form


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


@pytest.mark.parametrize(
    "trusted, peer, forwarded, expected",
    [
        # A load balancer on another address (the README's S3 setup): its view of the reader.
        (["10.0.0.0/16"], "10.0.3.4", "198.51.100.7", "198.51.100.7"),
        # CloudFront in front of it: the edge's view, skipping the trusted edge.
        (
            ["10.0.0.0/16", "130.176.0.0/16"],
            "10.0.3.4",
            "198.51.100.7, 130.176.1.2",
            "198.51.100.7",
        ),
        # What the reader put first is theirs, even behind trusted hops.
        (["10.0.0.0/16"], "10.0.3.4", "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        # Not from a trusted address: the header is the reader's own claim.
        (["10.0.0.0/16"], "10.1.3.4", "198.51.100.7", "10.1.3.4"),
        ([], "10.0.3.4", "198.51.100.7", "10.0.3.4"),
    ],
)
def test_a_trusted_proxy_on_another_address_passes_on_each_readers_address(
    settings, trusted, peer, forwarded, expected
):
    settings.PUBLISHER_TRUSTED_PROXY = trusted
    assert address(peer, forwarded) == expected


@pytest.mark.django_db
def test_behind_a_load_balancer_readers_are_counted_apart(client, settings):
    settings.PUBLISHER_TRUSTED_PROXY = ["10.0.0.0/16"]
    settings.PUBLISHER_SUBMIT_RATE = "1/h"
    balancer = {"REMOTE_ADDR": "10.0.3.4"}
    for reader in ("198.51.100.7", "198.51.100.8"):
        response = client.post(
            "/submit/tip/", submit_form("tip"), HTTP_X_FORWARDED_FOR=reader, **balancer
        )
        assert response.status_code == 302, reader
    again = client.post(
        "/submit/tip/", submit_form("tip"), HTTP_X_FORWARDED_FOR="198.51.100.7", **balancer
    )
    assert again.status_code == 429


@pytest.mark.parametrize("value", ["tls.example.com", "10.0.3.4/16", "10.0.0.0/33", "", None])
def test_a_trusted_proxy_that_is_not_an_address_or_network_stops_start_up(settings, value):
    settings.PUBLISHER_TRUSTED_PROXY = ["10.0.0.0/16", value]
    with pytest.raises(SystemCheckError, match="desk.E001") as raised:
        call_command("check")
    assert "10.0.0.0/16 for a load balancer" in str(raised.value)


def test_a_trusted_proxy_set_in_the_environment_is_read_strictly(tmp_path):
    result = check_with(tmp_path, PUBLISHER_TRUSTED_PROXY="10.0.0.0/16, 10.0.3.4/16")
    assert result.returncode == 2 and result.stderr.startswith("Configuration error: ")
    assert "'10.0.3.4/16'" in result.stderr and "10.0.0.0/16" in result.stderr
