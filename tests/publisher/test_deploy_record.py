"""manage.py deploy hashes only the files changed since the last deploy (the
record beside the releases); --verify checks everything against the bucket."""

from __future__ import annotations

import gzip
import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from publisher.deploy.manifest import MANIFEST_NAME
from publisher.deploy.record import RECORD_NAME
from publisher.deploy.sync import deploy_changes, deploy_site
from publisher.headers import is_served
from publisher.publish import process_queue
from tests.support import body_of, file_for, live_root, start_live_site


@pytest.fixture
def deployed(newsroom, settings, s3):
    """The newsroom built and deployed once to the test bucket."""
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    settings.BACKUP_S3_BUCKET = ""
    start_live_site()
    first = deploy_site()
    assert first.uploaded and first.hashed == len(served_files(live_root(settings)))
    return newsroom


def served_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and is_served(path.relative_to(root).as_posix())
    }


def test_redeploying_an_unchanged_site_reads_no_file_and_uploads_nothing(deployed, settings):
    again = deploy_site()

    assert (again.uploaded, again.deleted) == ([], [])
    assert again.hashed == 0
    assert again.unchanged == len(served_files(live_root(settings)))


def test_after_one_story_changed_only_its_files_are_hashed_and_uploaded(deployed, settings, s3):
    root = live_root(settings)
    before = served_files(root)
    story = deployed["published"][0]
    story.headline = "Council approves the levy after all"
    story.save()
    settings.PUBLISHER_S3_BUCKET = ""  # published locally only, deployed below
    process_queue()
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    root = live_root(settings)
    after = served_files(root)
    changed = {f for f in after if before.get(f) != after[f]}
    assert 0 < len(changed) < len(after) / 4

    result = deploy_site()

    assert set(result.uploaded) == {f"site/{f}" for f in changed}
    assert result.deleted == [f"site/{f}" for f in sorted(set(before) - set(after))]
    # The files publishing rewrote, not the whole site.
    assert len(changed) <= result.hashed < len(after) / 4
    page = file_for(Path("/"), story.get_absolute_url()).relative_to("/").as_posix()
    assert b"Council approves the levy after all" in body_of(s3, f"site/{page}")


def test_verify_finds_a_file_changed_behind_the_records_back(deployed, settings, s3):
    root = live_root(settings)
    page = file_for(root, deployed["published"][1].get_absolute_url())
    text = page.read_bytes()
    stat = page.stat()
    # Rewritten in place, the same size, its time put back: the record
    # cannot see it (the README says so); --verify reads every file.
    altered = text.replace(b"<title>", b"<TITLE>", 1)
    assert len(altered) == len(text) and altered != text
    with open(page, "r+b") as handle:
        handle.write(altered)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    key = f"site/{page.relative_to(root).as_posix()}"

    assert deploy_site().uploaded == []
    out = StringIO()
    call_command("deploy", "--verify", stdout=out, no_progress=True)

    assert body_of(s3, key) == altered
    assert "1 uploaded" in out.getvalue()
    assert f"{len(served_files(root)):,} files hashed" in out.getvalue()
    assert deploy_site().hashed == 0  # and recorded again


def test_an_object_deleted_from_the_bucket_is_put_back_without_reading_the_files(
    deployed, settings, s3
):
    root = live_root(settings)
    page = file_for(root, deployed["published"][2].get_absolute_url())
    key = f"site/{page.relative_to(root).as_posix()}"
    s3.client.delete_object(Bucket=s3.bucket, Key=key)
    # A plain deploy trusts the manifest the last one left and does not see
    # it (the README says so); --list does, and reads no file to put it back.
    assert deploy_site().uploaded == []

    result = deploy_site(list_bucket=True)

    assert result.uploaded == [key] and result.hashed == 0
    assert body_of(s3, key) == page.read_bytes()


def test_an_unreadable_record_costs_one_full_hash_and_never_a_wrong_upload(deployed, settings):
    record = Path(settings.PUBLISHER_BUILD_DIR) / RECORD_NAME
    record.write_bytes(b'{"version": 1, "files": {"index.html": [1, 2')

    result = deploy_site()

    assert (result.uploaded, result.deleted) == ([], [])
    assert result.hashed == len(served_files(live_root(settings)))
    assert deploy_site().hashed == 0


def test_a_dry_run_writes_no_record(newsroom, settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    start_live_site()

    deploy_site(dry_run=True)

    assert not (Path(settings.PUBLISHER_BUILD_DIR) / RECORD_NAME).exists()


# -- The manifest as the record of the bucket: trusted only once complete ---------------


def page_key(deployed, settings, n: int) -> tuple[Path, str]:
    root = live_root(settings)
    page = file_for(root, deployed["published"][n].get_absolute_url())
    return page, f"site/{page.relative_to(root).as_posix()}"


def manifest_json(s3) -> dict:
    return json.loads(gzip.decompress(body_of(s3, f"site/{MANIFEST_NAME}")))


def put_manifest(s3, manifest: dict) -> None:
    s3.client.put_object(
        Bucket=s3.bucket,
        Key=f"site/{MANIFEST_NAME}",
        Body=gzip.compress(json.dumps(manifest).encode()),
    )


def test_a_first_deploy_lists_the_bucket_and_the_next_trusts_what_it_recorded(deployed, s3):
    assert manifest_json(s3)["complete"] is True

    again = deploy_site()

    assert not again.listed and (again.uploaded, again.deleted) == ([], [])
    assert deploy_site(verify=True).listed


def test_an_unreadable_manifest_is_not_trusted_the_bucket_is_listed(deployed, settings, s3):
    page, key = page_key(deployed, settings, 2)
    s3.client.put_object(Bucket=s3.bucket, Key=f"site/{MANIFEST_NAME}", Body=b"\x1f\x8b garbage")
    page.unlink()  # gone from the site since: ours to delete, proven by our mark

    result = deploy_site()

    # Listed and checked: nothing uploaded again, the gone page deleted.
    assert result.listed and result.uploaded == [] and result.deleted == [key]
    assert manifest_json(s3)["complete"] is True
    assert not deploy_site().listed


def test_a_manifest_of_an_older_deploy_is_not_trusted(deployed, settings, s3):
    _, key = page_key(deployed, settings, 2)
    s3.client.delete_object(Bucket=s3.bucket, Key=key)
    old = manifest_json(s3)
    del old["complete"]  # written before deploys recorded it
    put_manifest(s3, old)

    result = deploy_site()

    assert result.listed and result.uploaded == [key]


def test_a_manifest_written_by_publishing_alone_is_not_trusted(deployed, settings, s3):
    # The manifest lost, then a publish pushes one page: the manifest it
    # writes knows that page only. Trusted, the next deploy would upload
    # every other object again and never delete the page gone meanwhile.
    s3.client.delete_object(Bucket=s3.bucket, Key=f"site/{MANIFEST_NAME}")
    changed, _ = page_key(deployed, settings, 1)
    changed.write_bytes(changed.read_bytes().replace(b"<title>", b"<title>Updated: ", 1))
    root = live_root(settings)
    deploy_changes(None, [changed.relative_to(root).as_posix()], [])
    assert manifest_json(s3)["complete"] is False
    gone, gone_key = page_key(deployed, settings, 2)
    gone.unlink()

    result = deploy_site()

    assert result.listed and (result.uploaded, result.deleted) == ([], [gone_key])


def test_a_bucket_changed_behind_the_deploys_back_is_put_right_by_verify(deployed, settings, s3):
    page, key = page_key(deployed, settings, 2)
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=b"defaced")
    other, other_key = page_key(deployed, settings, 3)
    s3.client.delete_object(Bucket=s3.bucket, Key=other_key)
    # A plain deploy trusts the manifest and does not see either (the README
    # says so: run --list or --verify now and then, e.g. weekly).
    assert deploy_site().uploaded == []

    result = deploy_site(verify=True)

    assert sorted(result.uploaded) == sorted([key, other_key])
    assert body_of(s3, key) == page.read_bytes()
    assert body_of(s3, other_key) == other.read_bytes()
