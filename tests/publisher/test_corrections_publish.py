"""Corrections on the site: the story's box and "Updated" stamp, /corrections/
and its feed, and publishing one rewrites exactly what a full build changes."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
from django.utils import timezone

from content.models import Correction, Status
from publisher.headers import is_served
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    start_live_site,
)


def correct(story, text: str = "An earlier version misspelled the mayor's name.") -> Correction:
    return Correction.objects.create(story=story, text=text, status=Status.PUBLISHED)


def files_with_inodes(root):
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_a_published_correction_shows_on_its_story_with_its_date_and_an_updated_stamp(
    newsroom, settings, tmp_path
):
    start_live_site()
    story = newsroom["published"][3]
    page = file_for(live_root(settings), story.get_absolute_url())
    assert "Correction" not in page.read_text() and "Updated" not in page.read_text()

    correction = correct(story)
    process_queue()

    html = page.read_text()
    day = timezone.localtime(correction.publish_at).strftime("%B %-d, %Y")
    box = re.search(r'<aside class="corrections".*?</aside>', html, re.S).group(0)
    assert '<h2 id="corrections-title">Correction</h2>' in box
    assert f'id="correction-{correction.pk}"' in box and day in box
    assert "misspelled the mayor&#39;s name" in box
    assert '<span class="updated">Updated <time datetime="' in html
    story.refresh_from_db()
    assert story.shown_updated_at == correction.publish_at
    assert_same_as_full_build(settings, tmp_path)


def test_the_corrections_page_and_feed_list_every_correction_newest_first_linking_to_the_story(
    newsroom, settings, tmp_path
):
    start_live_site()
    older = correct(newsroom["published"][5], "The school board meets Tuesday, not Monday.")
    newer = correct(newsroom["published"][1], "The bridge is 40 feet long.")
    process_queue()
    root = live_root(settings)

    html = file_for(root, "/corrections/").read_text()
    assert html.index("The bridge is 40 feet long.") < html.index("meets Tuesday, not Monday.")
    assert f'href="{newer.story.get_absolute_url()}#correction-{newer.pk}"' in html

    feed = feedparser.parse(file_for(root, "/feeds/corrections.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [
        f"Correction: {newer.story.headline}",
        f"Correction: {older.story.headline}",
    ]
    assert feed.entries[1].link == (
        f"http://127.0.0.1:8080{older.story.get_absolute_url()}#correction-{older.pk}"
    )
    assert feed.entries[1].description == "The school board meets Tuesday, not Monday."
    assert_same_as_full_build(settings, tmp_path)


def test_publishing_a_correction_rewrites_exactly_the_files_it_changes(
    newsroom, settings, tmp_path
):
    start_live_site()
    root = live_root(settings)
    story = newsroom["published"][4]
    before = files_with_inodes(root)

    correct(story)
    result = process_queue()

    after = files_with_inodes(root)
    # Files readers can get (the search index's own notes are never served).
    changed = {
        p.relative_to(root).as_posix()
        for p in after
        if after[p] != before.get(p) and is_served(p.relative_to(root).as_posix())
    }
    assert changed == set(result.written)
    assert {
        file_for(root, story.get_absolute_url()).relative_to(root).as_posix(),
        "corrections/index.html",
        "feeds/corrections.xml",
    } <= changed
    # Not the site: other stories, other kinds' lists, their feeds.
    assert not {"obituaries/index.html", "crime/index.html", "feeds/obituaries.xml"} & changed
    other = newsroom["published"][10]
    assert file_for(root, other.get_absolute_url()).relative_to(root).as_posix() not in changed
    assert_same_as_full_build(settings, tmp_path)


def test_an_unpublished_storys_corrections_leave_the_list_and_the_feed(
    newsroom, settings, tmp_path
):
    start_live_site()
    story = newsroom["published"][2]
    correct(story, "Wrong date for the parade.")
    correct(newsroom["published"][6], "Wrong spelling of the park.")
    process_queue()
    root = live_root(settings)
    assert "Wrong date for the parade." in file_for(root, "/corrections/").read_text()

    story.status = Status.DRAFT
    story.save()
    process_queue()

    for url in ["/corrections/", "/feeds/corrections.xml"]:
        text = file_for(root, url).read_text()
        assert "Wrong date for the parade." not in text, url
        assert "Wrong spelling of the park." in text, url
    assert_same_as_full_build(settings, tmp_path)


def test_the_corrections_list_pages_like_every_list_and_a_publish_keeps_them_whole(
    newsroom, settings, tmp_path
):
    # Page size 5: eleven corrections make numbered pages.
    start_live_site()
    stories = newsroom["published"]
    made = [correct(stories[i % len(stories)], f"Correction number {i}.") for i in range(11)]
    process_queue()
    root = live_root(settings)
    assert file_for(root, "/corrections/page/1/").is_file()
    assert_same_as_full_build(settings, tmp_path)
    # A story taken down from the middle of the list shifts the pages above it.
    made[3].story.status = Status.DRAFT
    made[3].story.save()
    assert_same_as_full_build(settings, tmp_path)
    # A headline edit reaches the corrections page that names the story.
    stories[0].headline = "Council story zero, renamed"
    stories[0].save()
    assert_same_as_full_build(settings, tmp_path)
    assert "Council story zero, renamed" in file_for(root, "/corrections/page/1/").read_text()


def test_a_draft_correction_is_nowhere_on_the_site(newsroom, settings):
    start_live_site()
    story = newsroom["published"][1]
    Correction.objects.create(story=story, text="Not yet checked with the desk.")
    process_queue()
    root = live_root(settings)
    for url in [story.get_absolute_url(), "/corrections/", "/feeds/corrections.xml"]:
        assert "Not yet checked with the desk." not in file_for(root, url).read_text(), url


def test_a_story_page_costs_no_query_of_its_own_for_its_corrections(
    newsroom, settings, django_assert_max_num_queries
):
    from content.pages import REGISTRY

    for story in newsroom["published"]:
        correct(story)
    page = REGISTRY.page("story")
    site = REGISTRY.site(now=timezone.now() + timedelta(seconds=1))
    # Stories, bylines, corrections: a query each per batch, not per story.
    with django_assert_max_num_queries(8):
        rendered = [page.render(site, p, c) for p, c in page.contexts(site)]
    boxes = sum(b'<h2 id="corrections-title">Correction</h2>' in body for body in rendered)
    assert boxes == len(newsroom["published"])
