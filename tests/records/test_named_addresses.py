"""After an anonymisation, an old address that holds the name answers 410
Gone and leaves redirects.json, lighttpd's redirect rules and the bucket;
an old address without the name keeps redirecting to the item."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest

from publisher.deploy.sync import deploy_site
from publisher.gone_file import load_gone
from publisher.models import Gone, Redirect
from publisher.publish import process_queue
from publisher.pyserver import python_server
from publisher.redirects_file import load_redirects
from records.decisions import decide, publish_decision
from records.models import Decision
from tests.records.conftest import NAME
from tests.records.test_decisions_in_the_bucket import MANIFEST
from tests.records.test_removed_addresses import wait_for_status
from tests.support import (
    assert_same_as_full_build,
    body_of,
    fetch,
    keys,
    lighttpd,
    live_root,
    needs_lighttpd,
)


def moved_twice(desk) -> dict[str, str]:
    """The story moved: from its first address (the name in it) to one
    without the name, then to one with the name again."""
    story = desk["story"]
    urls = {"first": story.get_absolute_url()}
    story.slug = "water-tower-graffiti"
    story.save()
    process_queue()
    urls["plain"] = story.get_absolute_url()
    story.slug = "zyndrowski-jane-water-tower"  # the name, in another order
    story.save()
    process_queue()
    urls["last"] = story.get_absolute_url()
    return urls


def anonymise(desk, asked) -> str:
    asked.decision = Decision.ANONYMISE
    asked.names = f"{NAME}\nZyndrowski\nMs. Zyndrowski"
    asked.replacement = "a Millbrook teenager"
    decide(asked, desk["editor"])
    publish_decision(asked, desk["editor"])
    story = desk["story"]
    story.refresh_from_db()
    return story.get_absolute_url()


def test_old_addresses_with_the_name_are_gone_and_leave_redirects_json(
    desk, asked, settings, tmp_path
):
    urls = moved_twice(desk)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    assert set(load_redirects(build_dir)) == {urls["first"], urls["plain"]}

    new = anonymise(desk, asked)

    assert new.endswith("/a-millbrook-teenager-water-tower/")
    assert load_redirects(build_dir) == {urls["plain"]: new}
    assert "zyndrowski" not in (build_dir / "redirects.json").read_text().lower()
    assert set(load_gone(build_dir)) == {urls["first"], urls["last"]}
    assert not Redirect.objects.filter(old_path__contains="zyndrowski").exists()
    assert set(Gone.objects.filter(named=True).values_list("path", flat=True)) == {
        urls["first"],
        urls["last"],
    }
    # No page of the site is at (or named after) the old addresses.
    root = live_root(settings)
    assert not [p for p in root.rglob("*") if "zyndrowski" in p.as_posix().lower()]
    assert "This address was removed" in (root / "410.html").read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_the_item_being_edited_again_does_not_give_the_named_addresses_back(desk, asked, settings):
    urls = moved_twice(desk)
    anonymise(desk, asked)
    story = desk["story"]
    story.dek = "Fixed a typo."
    story.save()
    process_queue()
    assert set(load_gone(Path(settings.PUBLISHER_BUILD_DIR))) == {urls["first"], urls["last"]}


@needs_lighttpd
def test_lighttpd_answers_410_at_the_named_addresses_and_301_at_the_others(desk, asked, settings):
    urls = moved_twice(desk)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    var_dir = Path(settings.VAR_DIR)
    with lighttpd(build_dir, var_dir) as (base, _):
        assert fetch(base + urls["first"])[0] == 301
        new = anonymise(desk, asked)  # rewrites the rules; lighttpd restarts gracefully

        for url in (urls["first"], urls["last"]):
            status, headers, body = wait_for_status(base + url, 410)
            assert status == 410, url
            assert "Location" not in headers
            assert b"This address was removed" in body and b"zyndrowski" not in body.lower()
            assert fetch(base + url.rstrip("/") + "?utm_source=x")[0] == 410
        status, headers, _ = fetch(base + urls["plain"])
        assert (status, headers["Location"]) == (301, new)
        assert fetch(base + new)[0] == 200
    rules = (var_dir / "lighttpd.d" / "redirects.conf").read_text()
    assert "zyndrowski" not in rules.lower()
    assert "water\\-tower\\-graffiti" in rules  # the plain address still redirects


@pytest.fixture
def deployed(desk, settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    deploy_site()
    return s3


def test_the_bucket_keeps_no_object_at_a_named_address_and_redirects_the_others(
    desk, asked, deployed, settings
):
    s3 = deployed
    urls = moved_twice(desk)
    assert f"site{urls['first']}index.html" in keys(s3)

    new = anonymise(desk, asked)

    assert not [key for key in keys(s3) if "zyndrowski" in key.lower()]
    assert "zyndrowski" not in json.dumps(json.loads(_manifest(s3))).lower()
    head = s3.client.head_object(Bucket=s3.bucket, Key=f"site{urls['plain']}index.html")
    assert head["WebsiteRedirectLocation"] == new
    assert f"site{new}index.html" in keys(s3)
    result = deploy_site()
    assert (result.uploaded, result.deleted) == ([], [])


def _manifest(s3) -> bytes:
    return gzip.decompress(body_of(s3, MANIFEST))


def test_the_python_fallback_answers_410_with_the_sites_410_page(desk, asked, settings):
    urls = moved_twice(desk)
    new = anonymise(desk, asked)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    server = python_server(
        build_dir / "site",
        "127.0.0.1",
        0,
        redirects=load_redirects(build_dir),
        gone=load_gone(build_dir),
    )
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, _, body = fetch(f"http://127.0.0.1:{port}{urls['last']}")
        assert status == 410 and b"This address was removed" in body
        status, headers, _ = fetch(f"http://127.0.0.1:{port}{urls['plain']}")
        assert (status, headers["Location"]) == (301, new)
    finally:
        server.shutdown()
        server.server_close()
