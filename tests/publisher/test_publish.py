"""Publishing on save: only the affected pages, atomically, and always the
same bytes as a full build of the same database (the oracle property)."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from content import pages
from content.models import Author, CrimeReport, Obituary, Status, Story
from publisher.build import build_site
from publisher.headers import is_served
from publisher.models import PublishJob, Redirect
from publisher.pages import sitemap as sitemaps
from publisher.publish import PublishError, process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_crime,
    make_obituary,
    make_photo,
    make_story,
    media_files,
    photo_src,
    snapshot,
    start_live_site,
)


def test_editing_a_headline_updates_every_page_that_shows_it(live, settings, tmp_path):
    story = live["published"][2]
    story.headline = "Council fixes the typo"
    story.save()
    process_queue()
    root = live_root(settings)
    for url in ["/", "/news/", story.get_absolute_url(), story.section.get_absolute_url(),
                "/feeds/news.xml", story.bylines.first().author.get_absolute_url()]:  # fmt: skip
        assert "Council fixes the typo" in file_for(root, url).read_text(), url
    assert_same_as_full_build(settings, tmp_path)


def test_publishing_one_story_rewrites_only_the_affected_files(live, settings):
    root = live_root(settings)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    story = live["published"][6]
    story.headline = "A quiet correction"
    story.save()
    result = process_queue()
    # Every file a reader can get that changed (the search index keeps a
    # note of its own beside each shard, never served nor pushed).
    changed = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and (p.stat().st_ino, p.stat().st_mtime_ns) != before.get(p)
        and is_served(p.relative_to(root).as_posix())
    }
    assert changed == set(result.written)
    assert file_for(root, story.get_absolute_url()).relative_to(root).as_posix() in changed
    # The story page, the few stories listing it under "More in", its list
    # pages, the author, the month, home, feeds and sitemap: not the site.
    index = {path for path in changed if path.startswith("search/index/")}
    assert len(changed - index) <= 16, sorted(changed)
    # With search on: the files of the story's one shard but its texts
    # (its docs, buckets of words and one text file) and the shards' list.
    assert len(index) <= 12, sorted(index)
    assert len(before) > 4 * len(changed)
    untouched_story = live["published"][12]
    assert (
        file_for(root, untouched_story.get_absolute_url()).relative_to(root).as_posix()
        not in changed
    )


def test_an_edit_rewrites_only_the_sitemap_part_listing_the_story(newsroom, settings, monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 6)  # an index of parts of 6 URLs
    start_live_site()
    oldest = min(newsroom["published"], key=lambda story: story.publish_at)
    oldest.headline = "An old story, corrected"
    oldest.save()
    result = process_queue()
    # Not even the index: it names the same parts.
    assert [p for p in result.written if p.startswith("sitemap")] == ["sitemaps/stories-1.xml"]
    # A new story moves nothing either: it is the last part's newest entry.
    make_story(
        section=newsroom["sections"][0], authors=[Author.objects.first()], publish_at=timezone.now()
    )
    result = process_queue()
    parts = [p for p in result.written if p.startswith("sitemaps/") and p != "sitemaps/news.xml"]
    assert parts == ["sitemaps/stories-3.xml"]


def test_a_publish_copies_the_flat_sitemaps_untouched_parts(
    newsroom, settings, monkeypatch, tmp_path
):
    monkeypatch.setattr(sitemaps, "PART_SIZE", 3)  # one sitemap.xml, in parts of 3 URLs
    start_live_site()
    sitemap = live_root(settings) / "sitemap.xml"
    text = sitemap.read_text()
    assert "<!-- stories 1 to 3 -->" in text and "<!-- stories 4 to 6 -->" in text
    # Mark the oldest stories' part: a publish that copies it keeps the mark.
    oldest = text.split("<!-- stories 1 to 3 -->\n", 1)[1].split("<!--", 1)[0]
    sitemap.write_text(text.replace(oldest, oldest.replace("<url>", '<url copied="">')))
    make_story(
        section=newsroom["sections"][0], authors=[Author.objects.first()], publish_at=timezone.now()
    )
    result = process_queue()
    assert "sitemap.xml" in result.written
    after = sitemap.read_text()
    assert after.count('<url copied="">') == 3  # the part nothing moved in: copied
    assert after.replace('<url copied="">', "<url>") == snapshot_text(settings, tmp_path)


def test_a_sitemap_that_is_not_ours_is_written_again_whole(
    newsroom, settings, monkeypatch, tmp_path
):
    monkeypatch.setattr(sitemaps, "PART_SIZE", 3)
    start_live_site()
    sitemap = live_root(settings) / "sitemap.xml"
    sitemap.write_bytes(b"<?xml version='1.0'?><!-- hand-edited --><urlset></urlset>")
    make_story(section=newsroom["sections"][0], authors=[Author.objects.first()])
    process_queue()
    assert sitemap.read_text() == snapshot_text(settings, tmp_path)


def snapshot_text(settings, tmp_path) -> str:
    """sitemap.xml as a full build of the database writes it."""
    fresh = build_site(build_dir=tmp_path / "fresh", jobs=1).release
    return (fresh / "sitemap.xml").read_text()


def test_publishing_across_the_sitemap_limit_makes_and_unmakes_the_index(
    newsroom, settings, tmp_path, monkeypatch
):
    from publisher.pages.sitemap import Sitemap

    total = sum(Sitemap(pages.REGISTRY).counts(pages.REGISTRY.site()).values())
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", total)  # full, not over
    start_live_site()
    sitemap = file_for(live_root(settings), "/sitemap.xml")
    assert "<urlset" in sitemap.read_text()
    story = make_story(section=newsroom["sections"][0], authors=[Author.objects.first()])
    assert_same_as_full_build(settings, tmp_path)
    assert "<sitemapindex" in sitemap.read_text()
    story.delete()
    assert_same_as_full_build(settings, tmp_path)
    assert "<urlset" in sitemap.read_text()
    # No part files left: only the news sitemap, which is there at any size.
    assert [p.name for p in (live_root(settings) / "sitemaps").iterdir()] == ["news.xml"]


def test_a_new_story_leaves_older_numbered_list_pages_alone(live, settings):
    root = live_root(settings)
    page_one = file_for(root, "/news/page/1/")
    inode = page_one.stat().st_ino
    make_story(
        section=live["sections"][0],
        headline="Breaking: bridge reopens",
        slug="bridge-reopens",
        publish_at=timezone.now(),  # the newest story
    )
    process_queue()
    assert page_one.stat().st_ino == inode
    assert "Breaking: bridge reopens" in file_for(root, "/news/").read_text()


def test_unpublishing_removes_the_page_and_every_mention(live, settings, tmp_path):
    story = live["published"][1]
    url = story.get_absolute_url()
    story.status = Status.DRAFT
    story.save()
    process_queue()
    root = live_root(settings)
    assert not file_for(root, url).exists()
    for path in root.rglob("*.html"):
        assert url not in path.read_text(), path
    assert_same_as_full_build(settings, tmp_path)


def test_a_changed_slug_leaves_a_redirect_at_the_old_address(live, settings, tmp_path):
    story = live["published"][3]
    old = story.get_absolute_url()
    story.slug = "council-story-renamed"
    story.save()
    process_queue()
    root = live_root(settings)
    new = story.get_absolute_url()
    assert Redirect.objects.get(old_path=old).new_path == new
    moved = file_for(root, old).read_text()
    assert f'content="0; url={new}"' in moved and f'href="{new}"' in moved
    assert file_for(root, new).is_file()
    redirects = (Path(settings.PUBLISHER_BUILD_DIR) / "redirects.json").read_text()
    assert f'"{old}": "{new}"' in redirects
    # Moved again: the first address follows to the newest one.
    story.publish_at -= timedelta(days=400)
    story.save()
    process_queue()
    newest = story.get_absolute_url()
    assert Redirect.objects.get(old_path=old).new_path == newest
    assert Redirect.objects.get(old_path=new).new_path == newest
    assert_same_as_full_build(settings, tmp_path)


def test_an_embargoed_story_appears_only_when_its_time_comes(live, settings, tmp_path):
    root = live_root(settings)
    soon = timezone.now() + timedelta(minutes=10)
    story = make_story(section=live["sections"][1], headline="Embargoed budget", slug="embargoed-budget",
                       publish_at=soon)  # fmt: skip
    process_queue()
    assert not file_for(root, story.get_absolute_url()).exists()
    assert "Embargoed budget" not in file_for(root, "/news/").read_text()
    # The clock reaches the publish time (moved back, as if ten minutes passed).
    released_at = timezone.now() - timedelta(seconds=1)
    Story.objects.filter(pk=story.pk).update(publish_at=released_at)
    PublishJob.objects.filter(object_id=story.pk, due_at__gt=timezone.now()).update(
        due_at=released_at
    )
    result = process_queue()
    story.refresh_from_db()
    assert result.jobs >= 1
    for url in [story.get_absolute_url(), "/news/", "/", "/news/sports/"]:
        assert "Embargoed budget" in file_for(root, url).read_text(), url
    assert "Embargoed budget" in file_for(root, "/feeds/news.xml").read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_a_failed_render_writes_nothing_and_the_next_save_heals_it(
    live, settings, monkeypatch, admin_client
):
    root = live_root(settings)
    before = snapshot(root)
    story = live["published"][4]
    story.headline = "Will not render yet"
    story.save()
    original = pages.SectionPage.render

    def broken(self, *args):
        raise RuntimeError("section template exploded")

    monkeypatch.setattr(pages.SectionPage, "render", broken)
    with pytest.raises(PublishError, match="section template exploded"):
        process_queue()
    assert snapshot(root) == before, "a failed publish changed the live site"
    assert not list(root.rglob(".*.tmp"))
    job = PublishJob.objects.filter(object_id=story.pk, kind="story").latest("id")
    assert job.status == PublishJob.Status.QUEUED and job.attempts == 1
    page = admin_client.get(reverse("admin:content_story_change", args=[story.pk])).content.decode()
    assert "Publishing failed: RuntimeError: section template exploded" in page

    monkeypatch.setattr(pages.SectionPage, "render", original)
    story.headline = "Renders fine now"
    story.save()
    process_queue()
    assert "Renders fine now" in file_for(root, story.get_absolute_url()).read_text()
    page = admin_client.get(reverse("admin:content_story_change", args=[story.pk])).content.decode()
    assert "Publishing failed" not in page and "Last published" in page


def test_one_item_that_will_not_render_does_not_hold_back_another_editors_change(
    live, settings, monkeypatch
):
    root = live_root(settings)
    bad, good = live["published"][4], live["published"][6]
    bad.headline = "Breaks its page"
    bad.save()
    good.headline = "A second editor fixes a typo"
    good.save()
    original = pages.StoryPage.render

    def broken(self, site, params, context):
        if context.get("story") is not None and context["story"].pk == bad.pk:
            raise RuntimeError("story template exploded")
        return original(self, site, params, context)

    monkeypatch.setattr(pages.StoryPage, "render", broken)
    with pytest.raises(PublishError, match="story template exploded"):
        process_queue()
    assert "A second editor fixes a typo" in file_for(root, good.get_absolute_url()).read_text()
    assert "Breaks its page" not in file_for(root, bad.get_absolute_url()).read_text()
    jobs = PublishJob.objects.filter(kind="story")
    assert jobs.filter(object_id=good.pk).latest("id").status == PublishJob.Status.LIVE
    failed = jobs.filter(object_id=bad.pk).latest("id")
    assert failed.status == PublishJob.Status.QUEUED and failed.attempts == 1


def test_deleting_an_obituary_and_a_crime_report_removes_them(live, settings, tmp_path):
    obit, crime = live["obituaries"][0], live["crimes"][2]
    urls = [obit.get_absolute_url(), crime.get_absolute_url()]
    obit.delete()
    crime.delete()
    process_queue()
    for url in urls:
        assert not file_for(live_root(settings), url).exists()
    assert_same_as_full_build(settings, tmp_path)


def live_media(settings) -> set[str]:
    return set(media_files(live_root(settings)))


def test_a_drafts_photo_goes_live_with_it_and_leaves_when_it_is_unpublished(
    live, settings, tmp_path
):
    draft = live["hidden_stories"][0]
    assert "media/photos/draft-photo.jpg" not in live_media(settings)
    draft.status = Status.PUBLISHED
    draft.save()
    result = process_queue()
    assert "media/photos/draft-photo.jpg" in result.written
    page = file_for(live_root(settings), draft.get_absolute_url()).read_text()
    draft.refresh_from_db()
    assert f'src="{photo_src(draft)}"' in page
    assert_same_as_full_build(settings, tmp_path)

    draft.status = Status.DRAFT
    draft.save()
    result = process_queue()
    assert result.removed.count("media/photos/draft-photo.jpg") == 1
    assert "media/photos/draft-photo.jpg" not in live_media(settings)
    assert not (live_root(settings) / "media/photos").joinpath("draft-photo.jpg").exists()
    assert_same_as_full_build(settings, tmp_path)


def test_a_replaced_photo_leaves_the_site_unless_another_live_item_uses_it(
    live, settings, tmp_path
):
    only_user, one_of_two = live["published"][1], live["published"][2]
    only_user.photo = make_photo("photos/council-new.png", fmt="PNG")
    only_user.save()
    one_of_two.photo = make_photo("photos/replacement.jpg")
    one_of_two.save()
    result = process_queue()
    assert sorted(m for m in result.removed if m.startswith("media/photos/")) == [
        "media/photos/council.png"
    ]
    assert live_media(settings) == {
        "media/photos/council-new.png",
        "media/photos/lead.jpg",
        "media/photos/replacement.jpg",
        "media/photos/shared.jpg",  # still on published[3]
    }
    assert_same_as_full_build(settings, tmp_path)


def test_a_photo_is_removed_with_the_last_live_item_that_uses_it(live, settings, tmp_path):
    story, obituary = live["published"][0], live["obituaries"][0]  # both use lead.jpg
    story.delete()
    process_queue()
    assert "media/photos/lead.jpg" in live_media(settings)  # the obituary still shows it
    obituary.photo = ""
    obituary.save()
    result = process_queue()
    assert "media/photos/lead.jpg" in result.removed
    assert "media/photos/lead.jpg" not in live_media(settings)
    assert_same_as_full_build(settings, tmp_path)


def test_an_embargoed_photo_goes_live_when_cron_releases_the_story(live, settings, tmp_path):
    from django.core.management import call_command

    embargoed = live["hidden_stories"][1]
    # Its time comes (moved back, as if two days passed), with no save.
    Story.objects.filter(pk=embargoed.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    PublishJob.objects.filter(object_id=embargoed.pk).delete()
    assert "media/photos/embargoed-photo.jpg" not in live_media(settings)
    call_command("publish", verbosity=0)
    assert "media/photos/embargoed-photo.jpg" in live_media(settings)
    assert_same_as_full_build(settings, tmp_path)


def test_an_upload_stored_again_under_the_same_name_replaces_the_live_copy(
    live, settings, tmp_path
):
    story = live["published"][1]
    make_photo("photos/council.png", size=(20, 20), fmt="PNG")  # new bytes, same name
    story.photo_caption = "Recropped"
    story.save()
    result = process_queue()
    assert "media/photos/council.png" in result.written
    source = Path(settings.MEDIA_ROOT) / "photos/council.png"
    assert (live_root(settings) / "media/photos/council.png").read_bytes() == source.read_bytes()
    assert_same_as_full_build(settings, tmp_path)


def test_an_unchanged_photo_is_not_written_again(live, settings):
    story = live["published"][1]
    story.headline = "Only the headline changed"
    story.save()
    result = process_queue()
    assert not [path for path in result.written if path.startswith("media/")]


def test_a_photo_change_reaches_the_bucket_and_an_unused_photo_leaves_it(live, settings, s3):
    from publisher.deploy.sync import deploy_site

    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "www"
    deploy_site()

    def in_bucket() -> set[str]:
        listing = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="www/media/photos/")
        return {item["Key"] for item in listing.get("Contents", ())}

    assert in_bucket() == {f"www/media/{name}" for name in live["live_media"]}
    story = live["published"][1]
    story.photo = make_photo("photos/council-new.png", fmt="PNG")
    story.save()
    draft = live["hidden_stories"][0]
    draft.status = Status.PUBLISHED
    draft.save()
    process_queue()
    assert in_bucket() == {
        "www/media/photos/council-new.png",
        "www/media/photos/draft-photo.jpg",
        "www/media/photos/lead.jpg",
        "www/media/photos/shared.jpg",
    }


OPERATIONS = ["create", "publish_draft", "headline", "section", "slug", "date", "unpublish",
              "delete", "embargo", "authors", "obituary", "crime", "photo"]  # fmt: skip


def random_edit(rng: random.Random, live: dict) -> str:
    op = rng.choice(OPERATIONS)
    stories = list(Story.objects.order_by("id"))
    story = rng.choice(stories)
    sections = live["sections"]
    if op == "create":
        make_story(
            section=rng.choice(sections),
            authors=rng.sample(list(Author.objects.all()), 1),
            publish_at=timezone.now()
            - timedelta(days=rng.randint(0, 200), minutes=rng.randint(1, 999)),
        )
    elif op == "publish_draft":
        story.status = Status.PUBLISHED
        story.save()
    elif op == "headline":
        story.headline = f"Headline {rng.randint(0, 10**6)}"
        story.save()
    elif op == "section":
        story.section = rng.choice(sections)
        story.save()
    elif op == "slug":
        story.slug = f"{story.slug[:40]}-{rng.randint(0, 10**6)}"
        story.save()
    elif op == "date":
        story.publish_at -= timedelta(days=rng.randint(-30, 90))
        story.publish_at = min(story.publish_at, timezone.now() - timedelta(minutes=1))
        story.save()
    elif op == "unpublish":
        story.status = Status.DRAFT
        story.save()
    elif op == "delete" and len(stories) > 5:
        story.delete()
    elif op == "embargo":
        story.publish_at = timezone.now() + timedelta(days=rng.randint(1, 9))
        story.save()
    elif op == "authors":
        author = rng.choice(list(Author.objects.all()))
        story.bylines.all().delete()
        story.bylines.create(author=author, position=0)
        story.save()
    elif op == "obituary":
        obit = rng.choice(list(Obituary.objects.all()))
        if rng.random() < 0.5:
            obit.full_name = f"Changed Name{rng.randint(0, 999)}"
            obit.save()
        else:
            make_obituary(publish_at=timezone.now() - timedelta(days=rng.randint(0, 99)))
    elif op == "photo":
        # A new upload, another item's photo (shared), or none.
        choice = rng.random()
        if choice < 0.4:
            story.photo = make_photo(f"photos/edit-{rng.randint(0, 10**6)}.jpg")
        elif choice < 0.8:
            others = [s.photo.name for s in stories if s.photo] + ["photos/lead.jpg"]
            story.photo = rng.choice(others)
        else:
            story.photo = ""
        story.photo_alt = "A photo" if story.photo else ""
        story.save()
    elif op == "crime":
        crime = rng.choice(list(CrimeReport.objects.all()))
        crime.status = Status.DRAFT if crime.status == Status.PUBLISHED else Status.PUBLISHED
        crime.save()
        if rng.random() < 0.3:
            make_crime(publish_at=timezone.now() - timedelta(days=rng.randint(0, 60)))
    return op


@pytest.mark.parametrize(
    "seed,sitemap_limit,part_size",
    # 8 URLs: the sitemap is an index of parts, as on a site past 50,000.
    # Parts of 3: one sitemap.xml whose parts a publish copies or formats.
    [(1, 50_000, 1000), (2, 50_000, 1000), (3, 50_000, 3), (4, 8, 1000), (5, 50_000, 2)],
)
def test_after_any_sequence_of_edits_the_site_equals_a_full_build(
    live, settings, tmp_path, monkeypatch, seed, sitemap_limit, part_size
):
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", sitemap_limit)
    # The live site was built with parts of 1,000: the first publish finds
    # no part it can copy, as after an upgrade that changed the size.
    monkeypatch.setattr(sitemaps, "PART_SIZE", part_size)
    if sitemap_limit < 50_000:
        start_live_site()  # the live site as an index too
    rng = random.Random(seed)
    done = []
    for step in range(30):
        # Several edits per publish: coalesced jobs must be as right as single ones.
        for _ in range(rng.randint(1, 3)):
            done.append(random_edit(rng, live))
        if step % 10 == 9:
            assert_same_as_full_build(settings, tmp_path)
        else:
            process_queue()
    assert_same_as_full_build(settings, tmp_path)
    assert len(set(done)) >= 8, done


@pytest.mark.django_db(transaction=True)
def test_twenty_quick_saves_make_a_couple_of_renders(newsroom, settings, tmp_path, monkeypatch):
    from django_tasks import task_backends

    from publisher import publish

    start_live_site()
    settings.TASKS = {"default": {"BACKEND": "publisher.taskbackend.ThreadBackend"}}
    renders = []
    original = publish.publish_jobs

    def counting(jobs, build_dir):
        renders.append(len(jobs))
        return original(jobs, build_dir)

    monkeypatch.setattr(publish, "publish_jobs", counting)
    story = newsroom["published"][5]
    for i in range(20):  # each save commits on its own and asks for a publish
        story.headline = f"Quick edit {i}"
        story.save()
    assert task_backends["default"].wait(timeout=60)
    assert 1 <= len(renders) <= 3, renders
    assert "Quick edit 19" in file_for(live_root(settings), story.get_absolute_url()).read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_publishing_pushes_the_changed_files_to_s3_when_configured(live, settings, s3):
    from publisher.deploy.sync import deploy_site

    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "www"
    deploy_site()
    story = live["published"][0]
    story.headline = "Pushed to the bucket"
    story.save()
    result = process_queue()
    key = "www/" + file_for(Path("/"), story.get_absolute_url()).relative_to("/").as_posix()
    body = s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    import gzip

    assert "Pushed to the bucket" in gzip.decompress(body).decode()
    assert result.written


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_a_worker_publishes_the_save(newsroom, settings, subprocess_env):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**subprocess_env, "PUBLISHER_TASKS": "database"}
    # Built the way an operator does, so the worker finds the collected static files.
    subprocess.run([sys.executable, "manage.py", "build", "-v0"], cwd=root, env=env, check=True)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    story = newsroom["published"][7]
    story.headline = "Published by the worker"
    story.save()  # commits, and queues the publish task in the database
    page = file_for(live_root(settings), story.get_absolute_url())
    assert "Published by the worker" not in page.read_text()
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert "Published by the worker" in page.read_text(), worker.stderr[-2000:]


def test_old_finished_jobs_are_pruned_but_each_items_latest_is_kept(live):
    from publisher.queue import prune_jobs

    story = live["published"][0]
    old = timezone.now() - timedelta(days=90)
    first = PublishJob.objects.create(
        kind="story", object_id=story.pk, status="live", due_at=old, finished_at=old
    )
    latest = PublishJob.objects.create(
        kind="story", object_id=story.pk, status="live", due_at=old, finished_at=old
    )
    other = PublishJob.objects.create(
        kind="story", object_id=999_999, status="live", due_at=old, finished_at=old
    )
    prune_jobs()
    remaining = set(PublishJob.objects.values_list("pk", flat=True))
    assert first.pk not in remaining
    assert {latest.pk, other.pk} <= remaining
