"""The sitemap lists every public page once, as one file or an index of parts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from publisher.pages import sitemap
from tests.support import build, file_for

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


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
    # The news sitemap is named in the index too, but lists the same URLs again.
    parts.remove("http://127.0.0.1:8080/sitemaps/news.xml")
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
    assert [path.name for path in (whole / "sitemaps").iterdir()] == ["news.xml"]
