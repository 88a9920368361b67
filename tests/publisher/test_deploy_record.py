"""manage.py deploy hashes only the files changed since the last deploy (the
record beside the releases); --verify checks everything against the bucket."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from publisher.deploy.record import RECORD_NAME
from publisher.deploy.sync import deploy_site
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

    result = deploy_site()

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
