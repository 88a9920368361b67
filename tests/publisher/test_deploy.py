"""manage.py deploy: the built site in an S3 bucket (moto's server over HTTP)."""

from __future__ import annotations

import gzip
import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from content.models import Story
from publisher.deploy.errors import DeployError
from publisher.deploy.manifest import MANIFEST_NAME
from publisher.deploy.sync import deploy_changes, deploy_site
from publisher.headers import PAGE_CACHE, is_served
from publisher.s3 import RequestCounter, make_client
from tests.support import (
    PLAIN_SITE,
    body_of,
    bucket_state,
    keys,
    make_distribution,
    put,
    write_site,
)


@pytest.fixture
def site(settings, s3) -> Path:
    """A plain-file site in build/site, and the settings pointing at the test bucket."""
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    settings.BACKUP_S3_BUCKET = ""
    return write_site(Path(settings.PUBLISHER_BUILD_DIR) / "site", PLAIN_SITE)


def deploy(*args: str) -> str:
    out = StringIO()
    call_command("deploy", *args, stdout=out, no_progress=True)
    return out.getvalue()


def summary_counts(output: str) -> tuple[int, int, int]:
    line = output.strip().splitlines()[-1]
    words = line.replace(",", "").split()
    return int(words[1]), int(words[3]), int(words[5])


# -- The first deploy ----------------------------------------------------------------


def test_the_first_deploy_uploads_every_file_with_the_headers_readers_need(newsroom, settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    call_command("build", verbosity=0)
    root = (Path(settings.PUBLISHER_BUILD_DIR) / "site").resolve()
    # Every file a reader can get (not the search index's own dot-file notes).
    files = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and is_served(p.relative_to(root).as_posix())
    }
    # The photos of live items only: no draft's or embargoed item's photo.
    assert {f for f in files if f.startswith("media/photos/")} == {
        f"media/{name}" for name in newsroom["live_media"]
    }

    output = deploy()

    assert keys(s3) == {f"site/{f}" for f in files} | {f"site/{MANIFEST_NAME}"}
    uploaded, unchanged, deleted = summary_counts(output)
    assert (uploaded, unchanged, deleted) == (len(files), 0, 0)
    assert f"-> s3://{s3.bucket}/site/" in output
    story = newsroom["published"][0].get_absolute_url()[1:] + "index.html"
    css = next(f for f in files if f.startswith("static/content/site.") and f.count(".") == 2)
    expected = {
        story: ("text/html; charset=utf-8", PAGE_CACHE, "gzip"),
        "index.html": ("text/html; charset=utf-8", PAGE_CACHE, "gzip"),
        "404.html": ("text/html; charset=utf-8", PAGE_CACHE, "gzip"),
        "feeds/news.xml": ("application/rss+xml; charset=utf-8", PAGE_CACHE, "gzip"),
        "sitemap.xml": ("application/xml; charset=utf-8", PAGE_CACHE, "gzip"),
        "robots.txt": ("text/plain; charset=utf-8", PAGE_CACHE, "gzip"),
        css: ("text/css; charset=utf-8", "public, max-age=31536000, immutable", "gzip"),
        "static/content/site.css": ("text/css; charset=utf-8", "public, max-age=3600", "gzip"),
        "media/photos/lead.jpg": ("image/jpeg", "public, max-age=86400", None),
    }
    for relative, (mime, cache, encoding) in expected.items():
        head = s3.client.head_object(Bucket=s3.bucket, Key=f"site/{relative}")
        assert (head["ContentType"], head["CacheControl"], head.get("ContentEncoding")) == (
            mime,
            cache,
            encoding,
        ), relative
        local = (root / relative).read_bytes()
        assert body_of(s3, f"site/{relative}") == local
        assert head["Metadata"]["sha256"] == hashlib.sha256(local).hexdigest()


def test_uploads_go_static_first_then_detail_pages_then_the_lists_that_link_to_them(site, s3):
    client = make_client()
    sent: list[str] = []  # in the order the requests left
    client.meta.events.register(
        "before-parameter-build.s3.PutObject",
        lambda params, **kw: sent.append(params["Key"].removeprefix("site/")),
    )

    deploy_site(client=client)

    static_and_media = [k for k in sent if k.startswith(("static/", "media/"))]
    details = [
        "news/2026/01/02/council-meets/index.html",
        "obituaries/2026/01/ada-person/index.html",
    ]
    lists = ["news/local-news/index.html", "news/index.html"]
    assert len(static_and_media) == 3
    assert max(map(sent.index, static_and_media)) < min(map(sent.index, details))
    assert max(map(sent.index, details)) < min(map(sent.index, lists))
    assert max(map(sent.index, lists)) < sent.index("feeds/news.xml")
    assert sent.index("feeds/news.xml") < sent.index("sitemap.xml") < sent.index("index.html")


# -- Redeploys --------------------------------------------------------------------------


def test_redeploying_an_unchanged_site_uploads_nothing_and_deletes_nothing(site, s3):
    deploy()
    before = bucket_state(s3)
    client = make_client()
    counter = RequestCounter(client)

    result = deploy_site(client=client)

    assert (result.uploaded, result.deleted, result.unchanged) == ([], [], len(PLAIN_SITE))
    # One GET of the manifest the last deploy left: no LIST, PUT, DELETE or HEAD.
    assert counter.by_operation == {"GetObject": 1}
    assert not result.listed
    listing = deploy_site(client=client, list_bucket=True)
    assert (listing.uploaded, listing.deleted, listing.unchanged) == ([], [], len(PLAIN_SITE))
    # With --list: and one LIST.
    assert counter.by_operation == {"GetObject": 2, "ListObjectsV2": 1}
    assert bucket_state(s3) == before
    assert summary_counts(deploy()) == (0, len(PLAIN_SITE), 0)


def test_one_changed_story_uploads_only_the_files_that_changed(newsroom, settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_OWNS_BUCKET = True  # the site at the bucket's root
    call_command("build", verbosity=0)
    site = Path(settings.PUBLISHER_BUILD_DIR) / "site"

    def snapshot() -> dict[str, str]:
        return {
            p.relative_to(site.resolve()).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in site.resolve().rglob("*")
            if p.is_file()
        }

    deploy()
    deployed = snapshot()
    story = newsroom["published"][3]
    Story.objects.filter(pk=story.pk).update(headline="Council story 3, corrected")
    call_command("build", verbosity=0)
    now = snapshot()
    changed = {f for f, digest in now.items() if deployed.get(f) != digest}

    result = deploy_site()

    assert set(result.uploaded) == changed
    assert story.get_absolute_url()[1:] + "index.html" in changed
    assert len(changed) < len(now) / 4
    assert result.deleted == []
    assert b"Council story 3, corrected" in body_of(s3, story.get_absolute_url()[1:] + "index.html")


def test_a_header_change_reuploads_the_affected_objects(site, s3, settings):
    deploy()
    output = deploy("--no-gzip")
    text_files = [f for f in PLAIN_SITE if not f.endswith(".jpg")]
    assert summary_counts(output) == (len(text_files), 1, 0)
    head = s3.client.head_object(Bucket=s3.bucket, Key="site/index.html")
    assert "ContentEncoding" not in head
    assert body_of(s3, "site/index.html") == PLAIN_SITE["index.html"]


def test_files_gone_from_the_site_are_deleted_after_the_uploads(site, s3):
    deploy()
    (site / "news/local-news/index.html").unlink()
    (site / "news/index.html").write_bytes(b"<h1>All news, updated</h1>")

    output = deploy("-v2")

    assert summary_counts(output) == (1, len(PLAIN_SITE) - 2, 1)
    assert output.index("uploaded site/news/index.html") < output.index(
        "deleted site/news/local-news/index.html"
    )
    assert "site/news/local-news/index.html" not in keys(s3)


# -- Deletes: only what this site uploaded --------------------------------------------------

OTHER_APPS = {
    "root.txt": b"at the bucket root",
    "sitemap.xml": b"someone else's sitemap",
    "other/thing.html": b"another prefix",
    "site-old/index.html": b"a prefix that starts with the same letters",
}


def test_a_deploy_deletes_its_own_stale_objects_and_nothing_another_application_put_there(site, s3):
    write_site(site, {"stale.html": b"a page this site had"})
    deploy()
    (site / "stale.html").unlink()
    for key, body in OTHER_APPS.items():
        put(s3, key, body)
    put(s3, "site/uploads/report.pdf", b"another app, inside our prefix")
    before = {k: v for k, v in bucket_state(s3).items() if k not in keys(s3, "site/")}
    before["site/uploads/report.pdf"] = bucket_state(s3)["site/uploads/report.pdf"]

    output = deploy("-v2")

    assert summary_counts(output)[2] == 1
    assert "deleted site/stale.html" in output
    after = bucket_state(s3)
    assert "site/stale.html" not in after
    assert {k: after.get(k) for k in before} == before
    # Only a deploy that lists the bucket sees the other application's object.
    listing = deploy("-v2", "--list")
    assert summary_counts(listing)[2] == 0
    assert "left alone site/uploads/report.pdf" in listing
    assert "1 objects under the prefix left alone" in listing
    assert {k: bucket_state(s3).get(k) for k in before} == before


def test_another_applications_objects_survive_a_site_that_owns_the_bucket(site, s3, settings):
    settings.PUBLISHER_S3_PREFIX = ""
    settings.PUBLISHER_S3_OWNS_BUCKET = True
    write_site(site, {"stale.html": b"a page this site had"})
    deploy()
    (site / "stale.html").unlink()
    for key, body in OTHER_APPS.items():
        if key != "sitemap.xml":  # the site has its own: that key is the site's
            put(s3, key, body)
    before = {k: v for k, v in bucket_state(s3).items() if k in OTHER_APPS}

    output = deploy()

    assert summary_counts(output)[2] == 1
    assert "stale.html" not in keys(s3)
    assert {k: v for k, v in bucket_state(s3).items() if k in OTHER_APPS} == before
    # Found not ours once, they are remembered: a listing redeploy asks S3
    # nothing about them.
    deploy("--list")
    client = make_client()
    counter = RequestCounter(client)
    result = deploy_site(client=client, list_bucket=True)
    assert (result.uploaded, result.deleted) == ([], [])
    assert counter.by_operation == {"GetObject": 1, "ListObjectsV2": 1}


def test_an_object_of_ours_that_another_application_replaced_is_no_longer_ours_to_delete(site, s3):
    deploy()
    put(s3, "site/news/local-news/index.html", b"replaced by the events calendar")
    (site / "news/local-news/index.html").unlink()

    result = deploy_site()

    assert result.deleted == []
    assert result.left_alone == ["site/news/local-news/index.html"]
    assert body_of(s3, "site/news/local-news/index.html") == b"replaced by the events calendar"


def test_without_the_manifest_the_mark_in_an_objects_metadata_proves_it_ours(site, s3):
    write_site(site, {"stale.html": b"a page this site had"})
    deploy()
    s3.client.delete_object(Bucket=s3.bucket, Key=f"site/{MANIFEST_NAME}")
    (site / "stale.html").unlink()
    put(s3, "site/uploads/report.pdf")

    result = deploy_site()

    assert (result.uploaded, result.deleted) == ([], ["site/stale.html"])
    assert result.left_alone == ["site/uploads/report.pdf"]


def test_an_unmarked_object_at_one_of_the_sites_keys_is_uploaded_again_with_the_mark(site, s3):
    deploy()
    key = "site/news/index.html"
    head = s3.client.head_object(Bucket=s3.bucket, Key=key)
    assert head["Metadata"]["newsroom-site"] == "site/"
    # As an older version left it: the right fingerprint, no mark; and no manifest.
    unmarked = {k: v for k, v in head["Metadata"].items() if k != "newsroom-site"}
    s3.client.copy_object(
        Bucket=s3.bucket,
        Key=key,
        CopySource={"Bucket": s3.bucket, "Key": key},
        Metadata=unmarked,
        MetadataDirective="REPLACE",
        ContentType=head["ContentType"],
        ContentEncoding=head["ContentEncoding"],
        CacheControl=head["CacheControl"],
    )
    s3.client.delete_object(Bucket=s3.bucket, Key=f"site/{MANIFEST_NAME}")

    result = deploy_site()

    assert result.uploaded == [key]
    assert s3.client.head_object(Bucket=s3.bucket, Key=key)["Metadata"]["newsroom-site"] == "site/"


def test_a_site_at_the_bucket_root_leaves_another_newsrooms_prefix_alone(site, s3, settings):
    deploy()  # the other newsroom, under site/
    settings.PUBLISHER_S3_PREFIX = ""
    settings.PUBLISHER_S3_OWNS_BUCKET = True

    result = deploy_site()

    assert result.deleted == []
    assert f"site/{MANIFEST_NAME}" in keys(s3)
    assert {f"site/{f}" for f in PLAIN_SITE} <= keys(s3)


BACKUPS = [
    "backups/newsroom/2026/01/20260101T031500000000Z.sql.gz",
    "backups/newsroom/2026/01/20260101T031500000000Z.sql.gz.manifest.json",
    "backups/newsroom/2026/01/20260102T031500000000Z.sqlite3.gz",
    "backups/README.txt",  # no backup's name, but where backups live
    "db-backups/newsroom/2026/01/20260101T031500000000Z.sql.gz",
    "db-backups/notes.txt",  # under the configured prefix
    "old-dumps/newsroom.sql.gz",  # a backup's name, anywhere
    "site/old-dumps/newsroom.sqlite3.gz.manifest.json",
]


@pytest.mark.parametrize("backup_bucket", ["", "same"])
@pytest.mark.parametrize("prefix", ["", "site"])
def test_backups_survive_every_deploy_even_marked_as_the_sites_own(
    site, s3, settings, prefix, backup_bucket
):
    settings.PUBLISHER_S3_PREFIX = prefix
    settings.PUBLISHER_S3_OWNS_BUCKET = not prefix
    settings.BACKUP_S3_BUCKET = s3.bucket if backup_bucket else ""  # often unset for deploy
    settings.BACKUP_S3_PREFIX = "db-backups"
    mark = f"{prefix}/" if prefix else "/"
    for key in BACKUPS:  # as if a deploy had uploaded them: the mark, even the manifest
        put(s3, key, b"a database backup", **{"newsroom-site": mark})
    manifest = {"version": 1, "objects": {key: ["f", "e", 1] for key in BACKUPS}}
    put(s3, s3_key(prefix, MANIFEST_NAME), gzip.compress(json.dumps(manifest).encode()))
    before = {k: v for k, v in bucket_state(s3).items() if k in BACKUPS}

    result = deploy_site(force=True)

    assert result.deleted == []
    assert {k: v for k, v in bucket_state(s3).items() if k in BACKUPS} == before


def s3_key(prefix: str, relative: str) -> str:
    return f"{prefix}/{relative}" if prefix else relative


def test_an_empty_prefix_is_refused_unless_the_site_owns_the_bucket(site, s3, settings):
    settings.PUBLISHER_S3_PREFIX = ""
    settings.PUBLISHER_S3_OWNS_BUCKET = False
    put(s3, "gone.html", b"an old page, or another application's")
    before = bucket_state(s3)

    with pytest.raises(CommandError) as refused:
        deploy()

    message = str(refused.value)
    assert "PUBLISHER_S3_PREFIX is empty" in message
    assert "set PUBLISHER_S3_OWNS_BUCKET=true" in message
    assert "Nothing was uploaded or deleted" in message
    assert bucket_state(s3) == before
    with pytest.raises(DeployError, match="PUBLISHER_S3_OWNS_BUCKET=true"):
        deploy_changes(site, changed=["index.html"], removed=["gone.html"])
    assert bucket_state(s3) == before


@pytest.mark.parametrize("prefix", ["backups", "backups/site", "db-backups"])
def test_a_prefix_where_backups_are_kept_is_refused(site, s3, settings, prefix):
    settings.PUBLISHER_S3_PREFIX = prefix
    settings.BACKUP_S3_PREFIX = "db-backups"
    with pytest.raises(CommandError, match=f"PUBLISHER_S3_PREFIX='{prefix}' is where database"):
        deploy()
    assert keys(s3) == set()


def test_the_system_check_warns_of_a_prefix_deploy_would_refuse(settings):
    settings.PUBLISHER_S3_BUCKET = "news-site"
    settings.PUBLISHER_S3_PREFIX = ""
    settings.PUBLISHER_S3_OWNS_BUCKET = False
    warnings = [m for m in run_checks() if m.id == "publisher.W002"]
    assert len(warnings) == 1
    assert "PUBLISHER_S3_OWNS_BUCKET=true" in warnings[0].hint
    settings.PUBLISHER_S3_OWNS_BUCKET = True
    assert [m for m in run_checks() if m.id == "publisher.W002"] == []


# -- Safety -----------------------------------------------------------------------------


def test_more_deletes_than_the_limit_are_refused_before_anything_changes(site, s3):
    deploy()
    for relative in ["news/index.html", "news/local-news/index.html", "feeds/news.xml"]:
        (site / relative).unlink()
    (site / "index.html").write_bytes(b"<h1>Front page, new</h1>")
    before = bucket_state(s3)

    with pytest.raises(CommandError, match="refusing to delete 3 objects"):
        deploy("--max-deletes", "2")

    assert bucket_state(s3) == before
    assert summary_counts(deploy("--max-deletes", "2", "--force")) == (1, len(PLAIN_SITE) - 4, 3)


def test_exactly_max_deletes_deletes_go_through_and_one_more_is_refused(site, s3):
    deploy()
    gone = ["news/index.html", "news/local-news/index.html", "feeds/news.xml"]
    for relative in gone:
        (site / relative).unlink()
    before = bucket_state(s3)

    with pytest.raises(CommandError, match="refusing to delete 3 objects \\(more than 2\\)"):
        deploy("--max-deletes", "2")
    assert bucket_state(s3) == before
    assert summary_counts(deploy("--max-deletes", "3")) == (0, len(PLAIN_SITE) - 3, 3)
    assert not {f"site/{relative}" for relative in gone} & keys(s3)


def test_a_dry_run_prints_the_plan_and_changes_nothing(site, s3):
    output = deploy("--dry-run")

    assert "upload site/index.html" in output
    assert "upload site/static/content/site.css" in output
    assert "deploy (dry run): 12 would upload, 0 unchanged, 0 would delete" in output
    assert keys(s3) == set()


def test_deploy_without_a_bucket_says_what_to_set(settings, s3):
    settings.PUBLISHER_S3_BUCKET = ""
    with pytest.raises(CommandError, match="set PUBLISHER_S3_BUCKET"):
        deploy()


def test_deploy_before_the_first_build_says_to_build(settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    with pytest.raises(CommandError, match="run `manage.py build` first"):
        deploy()


# -- Redirects and CloudFront ------------------------------------------------------------


def test_moved_pages_become_website_redirects(site, s3, settings):
    # Publishing leaves a small page at the old address of a moved story; an
    # older move may have left none.
    left = "news/2026/01/01/council-to-meet/index.html"
    write_site(site, {left: b"<p>This story moved.</p>"})
    redirects = {
        "/news/2025/12/31/council-met/": "/news/2026/01/02/council-meets/",
        "/news/2026/01/01/council-to-meet/": "/news/2026/01/02/council-meets/",
    }
    (Path(settings.PUBLISHER_BUILD_DIR) / "redirects.json").write_text(json.dumps(redirects))

    output = deploy("-v2")

    made = "site/news/2025/12/31/council-met/index.html"
    head = s3.client.head_object(Bucket=s3.bucket, Key=made)
    assert head["WebsiteRedirectLocation"] == "/news/2026/01/02/council-meets/"
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert b'content="0; url=/news/2026/01/02/council-meets/"' in body_of(s3, made)
    head = s3.client.head_object(Bucket=s3.bucket, Key=f"site/{left}")
    assert head["WebsiteRedirectLocation"] == "/news/2026/01/02/council-meets/"
    assert body_of(s3, f"site/{left}") == b"<p>This story moved.</p>"
    # After every page, the page they point at included.
    assert output.index("uploaded site/news/2026/01/02/council-meets/") < output.index(
        f"uploaded {made}"
    )
    assert summary_counts(deploy()) == (0, len(PLAIN_SITE) + 2, 0)

    (Path(settings.PUBLISHER_BUILD_DIR) / "redirects.json").write_text("{}")
    assert summary_counts(deploy()) == (1, len(PLAIN_SITE), 1)
    assert "WebsiteRedirectLocation" not in s3.client.head_object(
        Bucket=s3.bucket, Key=f"site/{left}"
    )


def test_a_cloudfront_distribution_gets_one_invalidation_for_the_changed_paths(site, s3, settings):
    cloudfront = make_client("cloudfront")
    distribution = make_distribution(cloudfront, s3.bucket)
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = distribution

    def invalidations() -> list[list[str]]:
        listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
        return [
            cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"][
                "InvalidationBatch"
            ]["Paths"]["Items"]
            for item in listed.get("Items", [])
        ]

    assert "CloudFront invalidation" in deploy()
    deploy()  # unchanged: no invalidation
    assert len(invalidations()) == 1
    (site / "news/index.html").write_bytes(b"<h1>All news, updated</h1>")

    deploy()

    assert len(invalidations()) == 2
    assert ["/news/", "/news/index.html"] in invalidations()
