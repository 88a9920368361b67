"""The feeds parse as RSS and the sitemap as XML, with the right absolute URLs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
from django.core.management import call_command

from publisher.pages import sitemap
from tests.factories import make_crime, make_obituary, make_section, make_story
from tests.sitecheck import file_for, page_files

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def build(settings) -> Path:
    call_command("build", verbosity=0)
    return Path(settings.PUBLISHER_BUILD_DIR) / "site"


def test_the_news_feed_is_valid_rss_of_the_latest_published_stories(newsroom, settings):
    site = build(settings)
    feed = feedparser.parse(file_for(site, "/feeds/news.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    titles = [entry.title for entry in feed.entries]
    assert titles[0] == "Council story 0"
    assert len(titles) == len(newsroom["published"]) + 1  # and the hostile one
    assert not {
        "Secret draft headline",
        "Embargoed scoop headline",
        "Retracted story headline",
    } & set(titles)
    story = newsroom["published"][0]
    assert feed.entries[0].link == "http://127.0.0.1:8080" + story.get_absolute_url()
    assert feed.feed.link == "http://127.0.0.1:8080/news/"


def test_a_section_feed_holds_only_that_section(newsroom, settings):
    site = build(settings)
    feed = feedparser.parse(file_for(site, "/feeds/news/sports.xml").read_bytes())
    assert not feed.bozo
    sports = {s.headline for s in newsroom["published"] if s.section.slug == "sports"}
    assert {e.title for e in feed.entries} == sports
    assert all(e.tags[0].term == "Sports" for e in feed.entries)


def test_obituary_and_crime_feeds_parse(newsroom, settings):
    site = build(settings)
    for url, expected in [
        ("/feeds/obituaries.xml", "Ada Person0"),
        ("/feeds/crime.xml", "Bicycle theft 0"),
    ]:
        feed = feedparser.parse(file_for(site, url).read_bytes())
        assert not feed.bozo, url
        assert feed.entries[0].title == expected
        assert "Draft" not in " ".join(e.title for e in feed.entries)


def test_feed_links_use_the_configured_site_url(newsroom, settings):
    settings.PUBLISHER_SITE_URL = "https://news.example.org"
    site = build(settings)
    feed = feedparser.parse(file_for(site, "/feeds/crime.xml").read_bytes())
    assert all(e.link.startswith("https://news.example.org/crime/") for e in feed.entries)
    page = file_for(site, "/").read_text()
    assert '<link rel="canonical" href="https://news.example.org/">' in page


def test_the_sitemap_lists_every_public_page_and_nothing_hidden(newsroom, settings):
    site = build(settings)
    tree = ET.parse(file_for(site, "/sitemap.xml"))
    locations = [el.text for el in tree.getroot().findall("sm:url/sm:loc", NS)]
    assert len(locations) == len(set(locations))
    prefix = "http://127.0.0.1:8080"
    assert all(loc.startswith(prefix + "/") for loc in locations)
    paths = {loc[len(prefix) :] for loc in locations}
    for path in paths:
        assert file_for(site, path).is_file(), path
    for story in newsroom["published"]:
        assert story.get_absolute_url() in paths
    for obit in newsroom["obituaries"]:
        assert obit.get_absolute_url() in paths
    assert {"/", "/news/", "/news/weather/", "/authors/cy-newcomer/"} <= paths
    assert not any("draft" in p or "embargoed" in p or "retracted" in p for p in paths)


def test_past_the_limit_the_sitemap_becomes_an_index_of_parts(newsroom, settings, monkeypatch):
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 6)
    small_limit_site = build(settings)
    root = ET.parse(file_for(small_limit_site, "/sitemap.xml")).getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [el.text for el in root.findall("sm:sitemap/sm:loc", NS)]
    assert "http://127.0.0.1:8080/sitemaps/stories-3.xml" in parts
    listed = []
    for part in parts:
        part_root = ET.parse(file_for(small_limit_site, part)).getroot()
        urls = [el.text for el in part_root.findall("sm:url/sm:loc", NS)]
        # A kind with nothing published (births here) keeps its one empty file.
        assert len(urls) <= 6 and (urls or part.endswith("-1.xml")), part
        listed += urls
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 50_000)
    whole = build(settings)
    flat = [
        el.text
        for el in ET.parse(file_for(whole, "/sitemap.xml")).getroot().findall("sm:url/sm:loc", NS)
    ]
    assert sorted(listed) == sorted(flat)
    assert not (whole / "sitemaps").exists()


def test_every_html_page_has_lang_one_h1_canonical_and_open_graph(newsroom, settings):
    site = build(settings)
    for url, path in page_files(site).items():
        if path.suffix != ".html":
            continue
        html = path.read_text()
        assert '<html lang="en">' in html, url
        assert html.count("<h1") == 1, url
        assert 'property="og:title"' in html, url
        if url != "/404.html":
            assert f'<link rel="canonical" href="http://127.0.0.1:8080{url}">' in html, url


# Text that looks like markup, typed where the paper expects plain text.
TYPED_TAG = "<img src=x onerror=alert(1)>"


def test_a_headline_typed_with_markup_reaches_feed_readers_as_text(db, settings):
    sports = make_section(name="Arts <i>& Culture</i>", slug="arts")
    story = make_story(
        section=sports,
        headline=f"Fans cheer {TYPED_TAG}",
        dek=f"The dek says {TYPED_TAG} too",
        slug="fans-cheer",
    )
    site = build(settings)
    for url in ("/feeds/news.xml", f"/feeds/news/{sports.slug}.xml"):
        raw = file_for(site, url).read_bytes()
        # Escaped twice: once for the reader's HTML, once for the XML.
        assert b"<title>Fans cheer &amp;lt;img src=x onerror=alert(1)&amp;gt;</title>" in raw
        feed = feedparser.parse(raw)
        assert not feed.bozo, feed.get("bozo_exception")
        (entry,) = [e for e in feed.entries if e.link.endswith(story.get_absolute_url())]
        # What a reader's HTML renderer gets: the escaped text, no element.
        assert entry.title == "Fans cheer &lt;img src=x onerror=alert(1)&gt;"
        assert entry.description == "The dek says &lt;img src=x onerror=alert(1)&gt; too"
        assert "<img" not in entry.title + entry.description
    section_feed = feedparser.parse(file_for(site, "/feeds/news/arts.xml").read_bytes())
    assert section_feed.feed.title.endswith("Arts &lt;i&gt;&amp; Culture&lt;/i&gt;")
    assert "<i>" not in section_feed.feed.title + section_feed.feed.description


def test_a_summary_with_escaped_markup_stays_text_in_the_feeds(db, settings):
    # A body that shows a tag to readers as text: its summary is that text,
    # which must not turn into an element in a feed reader.
    body = "Police say someone typed &lt;script&gt;alert(1)&lt;/script&gt; on a sign."
    make_obituary(full_name="Ada <b>Bold</b>", slug="ada-bold", body=body)
    make_crime(title="Sign defaced", slug="sign-defaced", body=body)
    site = build(settings)
    for url in ("/feeds/obituaries.xml", "/feeds/crime.xml"):
        feed = feedparser.parse(file_for(site, url).read_bytes())
        assert not feed.bozo, url
        entry = feed.entries[0]
        assert "typed &lt;script&gt;alert(1)&lt;/script&gt; on" in entry.description, url
        assert "<script" not in entry.description and "<b>" not in entry.title, url
