"""Every page type builds to valid HTML, by the Nu HTML Checker (the W3C's
validator, npm ``vnu-jar``, installed by ``scripts/setup dev``), and every
feed parses cleanly with the elements readers need."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from content.pages import REGISTRY
from publisher.pages.feeds import FeedPage
from tests.content.one_of_each import build_one_of_each
from tests.support import file_for, nu_html_checker

pytestmark = pytest.mark.django_db


def html_pages(root: Path) -> dict[str, list[Path]]:
    """The first and the last built page of every HTML page type (a list's
    last page has other links than its first)."""
    site = REGISTRY.site()
    pages: dict[str, list[Path]] = {}
    for page in REGISTRY.pages:
        if not page.content_type.startswith("text/html"):
            continue
        params = list(page.params(site))
        chosen = [params[0], params[-1]] if params else []
        pages[page.name] = sorted({file_for(root, page.url(p)) for p in chosen})
    return pages


def test_one_page_of_every_type_is_valid_html(settings):
    newsroom = build_one_of_each(settings)
    pages = html_pages(newsroom.site)
    empty = [name for name, files in pages.items() if not files]
    assert not empty, f"no page of these types was built, so none was checked: {empty}"
    files = [path for paths in pages.values() for path in paths]
    assert all(path.is_file() for path in files)
    messages = nu_html_checker(files)
    errors = [
        f"{m.get('url', '').removeprefix('file:')}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors)


def test_the_checker_finds_an_error_when_there_is_one(tmp_path):
    # So that a silent checker (a wrong path, a changed output) cannot pass the test above.
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html lang="en"><title>x</title><img src="x.png"></html>')
    messages = nu_html_checker([page])
    assert [m["type"] for m in messages] == ["error"]
    assert "alt" in messages[0]["message"]


def test_every_feed_parses_with_the_elements_feed_readers_need(settings):
    newsroom = build_one_of_each(settings)
    site = REGISTRY.site()
    checked = 0
    for page in REGISTRY.pages:
        if not isinstance(page, FeedPage):
            continue
        for params in page.params(site):
            url = page.url(params)
            feed = feedparser.parse(file_for(newsroom.site, url).read_bytes())
            assert not feed.bozo, (url, feed.get("bozo_exception"))
            assert feed.version == "rss20", url
            for element in ("title", "link", "subtitle", "language", "updated"):
                assert feed.feed.get(element), (url, element)
            for entry in feed.entries:
                for element in ("title", "link", "id", "published_parsed", "summary"):
                    assert entry.get(element), (url, entry.get("link"), element)
                assert entry.link.startswith(newsroom.site_url + "/"), url
            checked += 1
    assert checked >= 4  # news, two sections, obituaries, crime
