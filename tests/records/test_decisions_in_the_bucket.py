"""After a decision, publishing's push leaves no trace of the old text in
the bucket, and CloudFront is told to forget the changed paths."""

from __future__ import annotations

import gzip
import re

import pytest

from publisher.deploy.sync import deploy_site
from publisher.publish import process_queue
from publisher.s3 import make_client
from records.decisions import decide
from records.models import Decision
from tests.records.conftest import NAME, SPELLINGS, unpacked
from tests.support import body_of, keys, make_distribution


@pytest.fixture
def in_the_bucket(desk, settings, s3):
    """The live site deployed to the bucket, with a CloudFront distribution."""
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    cloudfront = make_client("cloudfront")
    distribution = make_distribution(cloudfront, s3.bucket)
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = distribution
    deploy_site()

    def invalidated() -> set[str]:
        listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
        paths: set[str] = set()
        for item in listed.get("Items", []):
            batch = cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])
            paths |= set(batch["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", []))
        return paths

    return invalidated


MANIFEST = "site/.deploy-manifest.json.gz"


def objects_naming(s3, words=SPELLINGS) -> list[str]:
    """Every object of the bucket whose body, unpacked, holds one of ``words``
    (but deploy's own manifest, a list of keys: see ``keys_in_manifest``)."""
    found = []
    for key in sorted(keys(s3) - {MANIFEST}):
        response = s3.client.get_object(Bucket=s3.bucket, Key=key)
        body = response["Body"].read()
        if response.get("ContentEncoding") == "gzip":
            body = gzip.decompress(body)
        if any(word in unpacked(body) for word in words):
            found.append(key)
    return found


def keys_in_manifest(s3, word: str) -> list[str]:
    """The keys deploy's manifest lists (it names keys, not contents) that hold ``word``."""
    text = unpacked(body_of(s3, MANIFEST)).decode()
    return sorted({key for key in re.findall(r'"([^"]+)"', text) if word in key.lower()})


def test_anonymising_leaves_the_name_in_no_object_of_the_bucket(desk, asked, s3, in_the_bucket):
    story = desk["story"]
    old_url = story.get_absolute_url()
    assert objects_naming(s3)  # the test would see it
    asked.decision = Decision.ANONYMISE
    asked.names = f"Ms. Zyndrowski\n{NAME}\nZyndrowski"
    asked.replacement = "a Millbrook teenager"
    decide(asked, desk["editor"])
    process_queue()  # publishing pushes what it rewrote

    assert objects_naming(s3) == []
    # The old address held the name: no key (no redirect object) is left there.
    assert keys_in_manifest(s3, "zyndrowski") == []
    assert not [k for k in keys(s3) if "zyndrowski" in k]
    assert "/media/photos/zyndrowski-court.jpg" in in_the_bucket()
    assert old_url in in_the_bucket() and "/" in in_the_bucket()
    # The nightly full deploy finds nothing left to do.
    result = deploy_site()
    assert (result.uploaded, result.deleted) == ([], [])


def test_removing_leaves_the_gone_page_at_its_key_and_the_item_nowhere(
    desk, asked, s3, in_the_bucket
):
    url = desk["story"].get_absolute_url()
    asked.decision = Decision.REMOVE
    decide(asked, desk["editor"])
    process_queue()

    assert objects_naming(s3, (b"graffiti",)) == []
    assert keys_in_manifest(s3, "graffiti") == [f"site{url}index.html"]
    page = s3.client.get_object(Bucket=s3.bucket, Key=f"site{url}index.html")
    body = gzip.decompress(page["Body"].read())
    assert b"This item was removed" in body and b'content="noindex"' in body
    assert url in in_the_bucket()
    result = deploy_site()
    assert (result.uploaded, result.deleted) == ([], [])
