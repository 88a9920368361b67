"""/sitemaps/news.xml: the last 48 hours in the Google News sitemap format,
kept current by publishing and by cron's `manage.py publish`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from django.core.management import call_command
from django.utils import timezone

from content.models import Author, Status
from publisher.models import PublishJob
from publisher.pages import news_sitemap
from publisher.pages import sitemap as sitemaps
from publisher.publish import process_queue, publish_expired
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_story,
    start_live_site,
)

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
SITE = "http://127.0.0.1:8080"


def news_entries(settings) -> list[dict]:
    root = ET.parse(file_for(live_root(settings), "/sitemaps/news.xml")).getroot()
    return [
        {
            "loc": url.findtext("sm:loc", namespaces=NS),
            "name": url.findtext("news:news/news:publication/news:name", namespaces=NS),
            "language": url.findtext("news:news/news:publication/news:language", namespaces=NS),
            "date": url.findtext("news:news/news:publication_date", namespaces=NS),
            "title": url.findtext("news:news/news:title", namespaces=NS),
        }
        for url in root.findall("sm:url", NS)
    ]


def test_it_lists_the_items_of_the_last_48_hours_newest_first_in_the_news_format(
    newsroom, settings
):
    hostile = make_story(
        headline="Fire & ice: <b>bold</b> </news:title> claims",
        section=newsroom["sections"][0],
        authors=[Author.objects.first()],
        publish_at=timezone.now() - timedelta(minutes=5),
    )
    start_live_site()
    entries = news_entries(settings)
    # The newest story, obituary and crime report are hours old; the hostile
    # story of the fixture is exactly two days old, so out; drafts and
    # embargoed items never in.
    assert [e["title"] for e in entries] == [
        hostile.headline,
        "Council story 0",
        "Ada Person0",
        "Bicycle theft 0",
    ]
    first = entries[0]
    assert first["loc"] == SITE + hostile.get_absolute_url()
    assert (first["name"], first["language"]) == (settings.PUBLISHER_SITE_NAME, "en")
    published = datetime.fromisoformat(first["date"])
    assert published == hostile.publish_at.replace(microsecond=0)
    text = file_for(live_root(settings), "/sitemaps/news.xml").read_text()
    assert not any(word in text for word in newsroom["hidden_words"])


def test_robots_txt_names_both_sitemaps(newsroom, settings):
    start_live_site()
    robots = file_for(live_root(settings), "/robots.txt").read_text()
    assert f"Sitemap: {SITE}/sitemap.xml\n" in robots
    assert f"Sitemap: {SITE}/sitemaps/news.xml\n" in robots


def test_the_sitemap_index_names_the_news_sitemap(newsroom, settings, monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 6)
    start_live_site()
    index = ET.parse(file_for(live_root(settings), "/sitemap.xml")).getroot()
    listed = [el.text for el in index.findall("sm:sitemap/sm:loc", NS)]
    assert f"{SITE}/sitemaps/news.xml" in listed


def test_it_holds_at_most_the_limit_keeping_the_newest(newsroom, settings, monkeypatch):
    monkeypatch.setattr(news_sitemap, "NEWS_LIMIT", 2)
    start_live_site()
    assert [e["title"] for e in news_entries(settings)] == ["Council story 0", "Ada Person0"]


def test_publishing_a_new_story_and_unpublishing_a_recent_one_rewrite_it(
    newsroom, settings, tmp_path
):
    start_live_site()
    story = make_story(
        headline="Water main breaks on Elm",
        section=newsroom["sections"][0],
        authors=[Author.objects.first()],
        publish_at=timezone.now(),
    )
    result = process_queue()
    assert "sitemaps/news.xml" in result.written
    assert news_entries(settings)[0]["title"] == "Water main breaks on Elm"
    assert_same_as_full_build(settings, tmp_path)

    story.headline = "Water main breaks on Elm St"
    story.save()
    process_queue()
    assert news_entries(settings)[0]["title"] == "Water main breaks on Elm St"

    story.status = Status.DRAFT
    story.save()
    process_queue()
    assert (
        "Water main breaks" not in file_for(live_root(settings), "/sitemaps/news.xml").read_text()
    )
    assert_same_as_full_build(settings, tmp_path)


def test_an_edit_of_an_old_story_leaves_it_alone(newsroom, settings):
    start_live_site()
    old = newsroom["published"][9]
    old.headline = "An old story, retitled"
    old.save()
    result = process_queue()
    assert "sitemaps/news.xml" not in result.written


def test_an_item_past_48_hours_drops_out_on_the_next_publish(
    newsroom, settings, tmp_path, monkeypatch
):
    start_live_site()
    # Time passes: the window closing to 150 minutes is the crime report
    # (three hours old) crossing the line.
    monkeypatch.setattr(news_sitemap, "NEWS_WINDOW", timedelta(minutes=150))
    old = newsroom["published"][9]  # an edit with nothing to do with the news sitemap
    old.headline = "An old story, retitled"
    old.save()
    result = process_queue()
    assert "sitemaps/news.xml" in result.written
    assert "Bicycle theft 0" not in [e["title"] for e in news_entries(settings)]
    assert_same_as_full_build(settings, tmp_path)


def test_cron_publish_drops_an_item_that_crossed_the_line_and_otherwise_writes_nothing(
    newsroom, settings, tmp_path, monkeypatch, capsys
):
    start_live_site()
    PublishJob.objects.update(finished_at=timezone.now())  # every item's release ran
    news = file_for(live_root(settings), "/sitemaps/news.xml")
    inode = news.stat().st_ino

    call_command("publish")
    assert news.stat().st_ino == inode  # nothing crossed: not even rewritten

    monkeypatch.setattr(news_sitemap, "NEWS_WINDOW", timedelta(minutes=150))
    capsys.readouterr()
    call_command("publish")
    assert "publish: rewrote sitemaps/news.xml (out of date)" in capsys.readouterr().out
    assert news.stat().st_ino != inode
    assert [e["title"] for e in news_entries(settings)] == ["Council story 0", "Ada Person0"]
    assert_same_as_full_build(settings, tmp_path)

    inode = news.stat().st_ino
    assert publish_expired().written == []
    assert news.stat().st_ino == inode


def test_the_cron_check_reads_the_live_file_and_asks_the_database_nothing(
    newsroom, settings, django_assert_num_queries
):
    from content.pages import REGISTRY

    start_live_site()
    page = REGISTRY.page("news_sitemap")
    site = REGISTRY.site(previous=live_root(settings))
    with django_assert_num_queries(0):
        assert list(page.expired(site)) == []


def test_a_live_site_without_the_file_gets_it_from_cron(newsroom, settings):
    start_live_site()
    news = file_for(live_root(settings), "/sitemaps/news.xml")
    news.unlink()  # a release built before the news sitemap existed
    assert publish_expired().written == ["sitemaps/news.xml"]
    assert news_entries(settings)[0]["title"] == "Council story 0"
