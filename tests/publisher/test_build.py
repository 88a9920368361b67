"""manage.py build: every page on disk, nothing hidden, atomic, repeatable."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from content import pages
from content.models import Story
from publisher.build import build_site
from publisher.releases import live_release
from tests.support import (
    file_for,
    internal_path,
    links_in,
    make_photo,
    make_story,
    media_files,
    page_files,
)


def live(settings) -> Path:
    return Path(settings.PUBLISHER_BUILD_DIR) / "site"


def digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "media" not in path.relative_to(root).parts:
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_every_page_type_is_a_file_with_its_content(newsroom, settings):
    call_command("build", verbosity=0)
    site = live(settings)
    story = newsroom["published"][0]
    obit, crime = newsroom["obituaries"][0], newsroom["crimes"][0]
    local = story.local_publish_at
    expect = {
        "/": ["<h1", "Council story 0", "Ada Person0", "Bicycle theft 0"],
        "/news/": ["All news", "Council story 0"],
        "/news/page/2/": ["Page 2", "Council story 5"],
        "/news/page/1/": ["Page 1", "Council story 13"],
        "/news/local-news/": ["Local News", "Council story 1"],
        "/news/local-news/page/1/": ["Page 1"],
        "/news/sports/": ["Council story 0"],
        "/news/weather/": ["No stories yet"],
        f"/news/{local:%Y/%m/%d}/council-story-0/": [
            "<h1>Council story 0</h1>",
            "Ann Archer",
            "Bob Baker",
        ],
        f"/obituaries/{obit.local_publish_at:%Y/%m}/{obit.slug}/": ["Ada Person0", "Millbrook"],
        "/obituaries/": ["Ada Person0", "Ada Person6"],  # 7 items: all on the index
        f"/crime/{crime.local_publish_at:%Y/%m/%d}/{crime.slug}/": [
            "Bicycle theft 0",
            "400 block of Elm St",
        ],
        "/crime/": ["Bicycle theft 0", "Bicycle theft 5"],
        "/authors/ann-archer/": ["Ann Archer", "Council story 1"],
        "/authors/cy-newcomer/": ["No stories yet"],
        f"/archive/{local:%Y/%m}/": ["Council story 0"],
        "/feeds/news.xml": ["<rss", "Council story 0"],
        "/feeds/news/sports.xml": ["Council story 0"],
        "/feeds/obituaries.xml": ["Ada Person0"],
        "/feeds/crime.xml": ["Bicycle theft 0"],
        "/sitemap.xml": ["<urlset", "council-story-0"],
        "/robots.txt": ["Sitemap: http://127.0.0.1:8080/sitemap.xml"],
        "/404.html": ["Page not found"],
    }
    for url, snippets in expect.items():
        path = file_for(site, url)
        assert path.is_file(), f"{url} was not built"
        text = path.read_text()
        for snippet in snippets:
            assert snippet in text, f"{snippet!r} missing from {url}"
    css = list((site / "static" / "content").glob("site.*.css"))
    assert css, "fingerprinted stylesheet missing from the release"
    # The photos of live items, as files of the release (not a link to the uploads).
    assert not (site / "media").is_symlink()
    assert sorted(media_files(site)) == [f"media/{name}" for name in newsroom["live_media"]]


def test_every_internal_link_resolves_to_a_file(newsroom, settings):
    call_command("build", verbosity=0)
    site = live(settings)
    checked = 0
    for url, path in page_files(site).items():
        if path.suffix != ".html":
            continue
        for link in links_in(path.read_text()):
            target = internal_path(link, settings.PUBLISHER_SITE_URL)
            if target is None or target.startswith("/submit/"):
                continue  # the readers' forms: Django behind lighttpd, not a file
            assert file_for(site, target).is_file(), f"{url} links to missing {link}"
            checked += 1
    assert checked > 500


def test_nothing_unpublished_appears_anywhere(newsroom, settings):
    call_command("build", verbosity=0)
    site = live(settings)
    for path in page_files(site).values():
        text = path.read_text()
        for word in newsroom["hidden_words"]:
            assert word not in text, f"{word!r} leaked into {path.relative_to(site)}"
    leaked = [
        p
        for p in site.rglob("*")
        if any(w in p.as_posix() for w in ("secret-draft", "embargoed", "retracted"))
    ]
    assert leaked == []


SEARCH_SCRIPT = r'<script type="module" src="/static/content/search\.[0-9a-f]{12}\.js"></script>'


def test_scripts_in_bodies_and_headlines_never_reach_a_page(newsroom, settings):
    call_command("build", verbosity=0)
    site = live(settings)
    story = newsroom["hostile"]
    page = file_for(site, story.get_absolute_url()).read_text()
    assert "&lt;script&gt;alert(&#39;h&#39;)&lt;/script&gt;" in page  # shown as text
    for path in page_files(site).values():
        # Data, never code: structured data is the only script element a page
        # has, but for the search page's own, from /static/.
        text = re.sub(SEARCH_SCRIPT, "", path.read_text().lower())
        assert text.count("<script") == text.count('<script type="application/ld+json">')
        assert "onerror" not in text
        assert "javascript:" not in text


def test_two_builds_of_the_same_database_are_byte_identical(newsroom, settings):
    first = build_site().release
    second = build_site().release
    assert first != second
    assert digest(first) == digest(second)


def test_a_failing_page_leaves_the_live_site_unchanged(newsroom, settings, monkeypatch):
    call_command("build", verbosity=0)
    before = live_release(settings.PUBLISHER_BUILD_DIR)
    files_before = digest(before)
    Story.objects.filter(pk=newsroom["published"][3].pk).update(headline="Changed after the build")

    original = pages.StoryPage.render

    def broken(self, site, params, context):
        if params["slug"] == "council-story-5":
            raise RuntimeError("template exploded")
        return original(self, site, params, context)

    monkeypatch.setattr(pages.StoryPage, "render", broken)
    with pytest.raises(CommandError, match="council-story-5.*template exploded"):
        call_command("build", verbosity=0)
    assert live_release(settings.PUBLISHER_BUILD_DIR) == before
    assert digest(before) == files_before
    releases = Path(settings.PUBLISHER_BUILD_DIR) / "releases"
    assert [p.name for p in releases.iterdir()] == [before.name], "partial release left behind"


def test_a_slug_that_would_escape_the_document_root_fails_the_build(newsroom, settings, tmp_path):
    call_command("build", verbosity=0)
    before = live_release(settings.PUBLISHER_BUILD_DIR)
    # The admin refuses such slugs; this one arrives by a raw update.
    Story.objects.filter(pk=newsroom["published"][1].pk).update(slug="../../../etc")
    with pytest.raises(CommandError, match="unsafe URL"):
        call_command("build", verbosity=0)
    assert live_release(settings.PUBLISHER_BUILD_DIR) == before
    assert not list(tmp_path.rglob("etc"))


def test_old_releases_are_pruned_but_the_live_one_is_kept(newsroom, settings):
    results = [build_site(keep=2) for _ in range(4)]
    releases = sorted((Path(settings.PUBLISHER_BUILD_DIR) / "releases").iterdir())
    assert [r.name for r in releases] == [results[2].release.name, results[3].release.name]
    assert live_release(settings.PUBLISHER_BUILD_DIR) == results[3].release
    # Deleted in the background: the trash empties soon after.
    trash = Path(settings.PUBLISHER_BUILD_DIR) / ".trash"
    deadline = time.monotonic() + 30
    while any(trash.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(trash.iterdir()) == []


def test_a_partial_release_left_by_a_killed_build_is_cleaned_up(newsroom, settings):
    build_site()
    leftover = Path(settings.PUBLISHER_BUILD_DIR) / "releases" / ".20000101T000000000000Z-1.partial"
    leftover.mkdir()
    (leftover / "index.html").write_text("half")
    build_site()
    assert not leftover.exists()


def test_build_prints_a_one_line_summary(newsroom, capsys):
    call_command("build")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("build: ") and "pages in" in out[0] and "pages/s" in out[0]


def test_build_refuses_a_keep_of_zero(newsroom):
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("build", keep=0, verbosity=0)


def test_the_site_symlink_switch_is_a_rename_of_a_symlink(newsroom, settings):
    build_site()
    link = live(settings)
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link)), "relative link, so the build dir can move"
    assert (link / "index.html").is_file()
    assert not list(Path(settings.PUBLISHER_BUILD_DIR).glob(".site.*"))


def test_a_build_hard_links_the_photos_of_live_items(newsroom, settings):
    build_site(jobs=1)
    for relative in media_files(live(settings)):
        linked = (live(settings) / relative).stat()
        upload = (Path(settings.MEDIA_ROOT) / relative.removeprefix("media/")).stat()
        assert (linked.st_dev, linked.st_ino) == (upload.st_dev, upload.st_ino), relative


def test_uploads_on_another_filesystem_are_copied(newsroom, settings, tmp_path):
    # /dev/shm is a RAM disk: a hard link to it from the build fails for real.
    elsewhere = Path("/dev/shm") / f"newsroom-media-{os.getpid()}-{tmp_path.name}"
    shutil.copytree(settings.MEDIA_ROOT, elsewhere)
    try:
        settings.MEDIA_ROOT = elsewhere
        build_site(jobs=1)
        copied = media_files(live(settings))
        assert sorted(copied) == [f"media/{name}" for name in newsroom["live_media"]]
        for relative, digest in copied.items():
            upload = elsewhere / relative.removeprefix("media/")
            assert digest == hashlib.sha256(upload.read_bytes()).hexdigest()
    finally:
        shutil.rmtree(elsewhere)


def test_finding_the_live_photos_costs_one_query_per_photo_field(
    newsroom, django_assert_num_queries
):
    from content.pages import REGISTRY

    site = REGISTRY.site()
    with django_assert_num_queries(4):  # Story, Obituary, Birth and Wedding .photo
        found = REGISTRY.live_media(site)
    assert {n for n in found if not n.startswith("renditions/")} == set(newsroom["live_media"])
    for i in range(30):  # more live photos, the same queries
        make_story(photo=make_photo(f"photos/more-{i}.jpg"), photo_alt="x")
    site = REGISTRY.site()
    with django_assert_num_queries(4):
        assert len(REGISTRY.live_photos(site)) == len(newsroom["live_media"]) + 30
