"""deploy_changes: what publishing on save calls to push a handful of files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.deploy.errors import DeployError, TooManyDeletes
from publisher.deploy.sync import deploy_changes, deploy_site, s3_configured
from publisher.s3 import RequestCounter, make_client
from tests.support import PLAIN_SITE, body_of, bucket_state, keys, put, write_site


@pytest.fixture
def deployed(settings, s3) -> Path:
    """A plain-file site, deployed once."""
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    root = write_site(Path(settings.PUBLISHER_BUILD_DIR) / "site", PLAIN_SITE)
    deploy_site()
    return root


def test_s3_counts_as_configured_only_with_a_bucket(settings):
    settings.PUBLISHER_S3_BUCKET = ""
    assert s3_configured() is False
    settings.PUBLISHER_S3_BUCKET = "news-site"
    assert s3_configured() is True


def test_a_republished_story_uploads_its_page_and_lists_and_nothing_else(deployed, s3):
    story = "news/2026/01/02/council-meets/index.html"
    (deployed / story).write_bytes(b"<h1>Council meets, corrected</h1>")
    (deployed / "news/index.html").write_bytes(b"<h1>All news</h1><a>corrected</a>")
    client = make_client()
    counter = RequestCounter(client)

    result = deploy_changes(
        deployed, changed=[story, "/news/index.html", "index.html"], removed=[], client=client
    )

    assert result.uploaded == [f"site/{story}", "site/news/index.html"]  # detail page first
    assert result.unchanged == 1  # index.html was passed but had not changed
    assert body_of(s3, f"site/{story}") == b"<h1>Council meets, corrected</h1>"
    # The manifest read and written, the two objects: no listing, no HEAD.
    assert counter.by_operation == {"GetObject": 1, "PutObject": 3}
    assert deploy_site().uploaded == []  # the full sync agrees: nothing left to do


def test_passing_unchanged_files_uploads_nothing(deployed, s3):
    before = bucket_state(s3)
    client = make_client()
    counter = RequestCounter(client)

    result = deploy_changes(deployed, changed=list(PLAIN_SITE), removed=[], client=client)

    assert (result.uploaded, result.deleted) == ([], [])
    assert counter.by_operation == {"GetObject": 1}
    assert bucket_state(s3) == before


def test_an_unpublished_page_is_deleted_and_a_moved_one_becomes_a_redirect(deployed, s3, settings):
    old = "news/2026/01/02/council-meets/index.html"
    new = "news/2026/01/03/council-meets/index.html"
    (deployed / new).parent.mkdir(parents=True)
    (deployed / old).rename(deployed / new)
    (deployed / "obituaries/2026/01/ada-person/index.html").unlink()
    (Path(settings.PUBLISHER_BUILD_DIR) / "redirects.json").write_text(
        json.dumps({"/news/2026/01/02/council-meets/": "/news/2026/01/03/council-meets/"})
    )

    result = deploy_changes(
        deployed, changed=[new], removed=[old, "obituaries/2026/01/ada-person/index.html"]
    )

    assert result.uploaded == [f"site/{new}", f"site/{old}"]  # the page before its redirect
    assert result.deleted == ["site/obituaries/2026/01/ada-person/index.html"]
    head = s3.client.head_object(Bucket=s3.bucket, Key=f"site/{old}")
    assert head["WebsiteRedirectLocation"] == "/news/2026/01/03/council-meets/"
    assert "site/obituaries/2026/01/ada-person/index.html" not in keys(s3)
    full = deploy_site()
    assert (full.uploaded, full.deleted) == ([], [])


def test_paths_outside_the_document_root_are_refused(deployed, s3):
    with pytest.raises(DeployError, match="not a file path"):
        deploy_changes(deployed, changed=[], removed=["../secrets.txt"])


def test_the_delete_limit_applies_to_publishing_too(deployed, s3, settings):
    settings.PUBLISHER_S3_MAX_DELETES = 1
    with pytest.raises(TooManyDeletes):
        deploy_changes(deployed, changed=[], removed=["news/index.html", "feeds/news.xml"])
    assert {"site/news/index.html", "site/feeds/news.xml"} <= keys(s3)


def test_publishing_deletes_only_pages_this_site_uploaded(deployed, s3):
    put(s3, "site/news/2026/01/05/a-calendar-page/index.html", b"the events calendar's")
    s3.client.delete_object(Bucket=s3.bucket, Key="site/.deploy-manifest.json.gz")
    removed = [
        "news/2026/01/05/a-calendar-page/index.html",  # someone else's
        "obituaries/2026/01/ada-person/index.html",  # ours: its mark says so
        "news/2026/01/06/never-deployed/index.html",  # not in the bucket at all
    ]

    result = deploy_changes(deployed, changed=[], removed=removed)

    assert result.deleted == ["site/obituaries/2026/01/ada-person/index.html"]
    assert result.left_alone == ["site/news/2026/01/05/a-calendar-page/index.html"]
    assert "site/news/2026/01/05/a-calendar-page/index.html" in keys(s3)
    # Remembered as not ours: the next publish does not ask again.
    client = make_client()
    counter = RequestCounter(client)
    again = deploy_changes(deployed, changed=[], removed=removed[:1], client=client)
    assert (again.deleted, again.left_alone) == ([], [f"site/{removed[0]}"])
    assert "HeadObject" not in counter.by_operation
