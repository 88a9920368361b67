"""Fixed cases for publishing, beside the random walks of ``test_publish``:
the edges a random seed may or may not reach. Each ends with the oracle: the
live site equals a full build of the same database.

- the moment: an item whose publish time is exactly "now" is published, by
  the queryset, the full build and the incremental publish alike;
- a live story moved from one section to another: both section lists, all
  their pages;
- an edit to the item at a page boundary (first or last item of a numbered
  page): that page is rewritten.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from content.models import CrimeReport, Obituary, Status, Story
from publisher.build import build_site
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_crime,
    make_obituary,
    make_story,
    start_live_site,
)

MAKERS = {Story: make_story, Obituary: make_obituary, CrimeReport: make_crime}


@pytest.fixture
def clock(monkeypatch):
    """Pins "now" for everything that asks Django for the time (the build
    pins its own moment from it); ``clock(moment)`` sets it."""

    def pin(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return pin


def a_moment_ahead() -> datetime:
    return (timezone.now() + timedelta(hours=1)).replace(microsecond=0)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MAKERS, ids=lambda model: model.__name__)
def test_an_item_whose_publish_time_is_now_is_published(model, clock):
    moment = a_moment_ahead()
    item = MAKERS[model](publish_at=moment)
    assert list(model.objects.published(at=moment)) == [item]
    assert list(model.objects.published(at=moment - timedelta(microseconds=1))) == []
    clock(moment)
    assert list(model.objects.published()) == [item]
    assert item.is_published


def pages_mentioning(root: Path, text: str) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix in (".html", ".xml")
        and text in path.read_text(errors="replace")
    }


@pytest.mark.django_db
def test_a_build_at_the_exact_publish_time_publishes_the_story(newsroom, settings, clock):
    moment = a_moment_ahead()
    sports = newsroom["sections"][1]
    on_time = make_story(section=sports, headline="On the stroke", slug="on-the-stroke",
                         publish_at=moment)  # fmt: skip
    make_story(section=sports, headline="A microsecond early", slug="a-microsecond-early",
               publish_at=moment + timedelta(microseconds=1))  # fmt: skip
    clock(moment)
    build_site(jobs=1)
    root = live_root(settings)
    assert file_for(root, on_time.get_absolute_url()).is_file()
    for url in ["/", "/news/", sports.get_absolute_url(), "/feeds/news.xml", "/sitemap.xml"]:
        assert "on-the-stroke" in file_for(root, url).read_text(), url
    assert pages_mentioning(root, "A microsecond early") == set()
    assert pages_mentioning(root, "a-microsecond-early") == set()


@pytest.mark.django_db
def test_a_publish_at_the_exact_release_time_puts_the_embargoed_story_live(
    newsroom, settings, tmp_path, clock
):
    start_live_site()
    moment = a_moment_ahead()
    story = make_story(section=newsroom["sections"][1], headline="Embargo lifts now",
                       slug="embargo-lifts-now", publish_at=moment)  # fmt: skip
    process_queue()  # the save, an hour early: nothing to show yet
    root = live_root(settings)
    assert not file_for(root, story.get_absolute_url()).exists()
    clock(moment)  # the release job falls due exactly now
    result = process_queue()
    assert result.jobs >= 1
    assert file_for(root, story.get_absolute_url()).is_file()
    assert "Embargo lifts now" in file_for(root, "/").read_text()
    assert_same_as_full_build(settings, tmp_path)


@pytest.fixture
def live_in_pages_of(newsroom, settings):
    """The newsroom live with a small page size: sections of several pages."""

    def start(size: int) -> dict:
        settings.PUBLISHER_PAGE_SIZE = size
        start_live_site()
        return newsroom

    return start


def list_pages(root: Path, section_slug: str) -> dict[str, str]:
    """Every page of a section's list, by path, with its text."""
    base = root / "news" / section_slug
    files = [base / "index.html", *sorted(base.glob("page/*/index.html"))]
    return {f.relative_to(root).as_posix(): f.read_text() for f in files}


def oldest_first(section) -> list[Story]:
    return list(Story.objects.published().filter(section=section).order_by("publish_at", "id"))


@pytest.mark.django_db
@pytest.mark.parametrize("direction", ["news to sports", "sports to news"])
@pytest.mark.parametrize("which", ["oldest", "middle", "newest"])
def test_a_live_story_moved_to_another_section_leaves_both_lists_as_a_full_build_would(
    live_in_pages_of, settings, tmp_path, direction, which
):
    # Pages of 2: news has 11 stories (the index and 4 numbered pages), sports
    # 4 (the index and page 1); a move from sports to news takes page 1 from
    # sports and gives news a page 5.
    live = live_in_pages_of(2)
    news, sports = live["sections"]
    source, target = (news, sports) if direction == "news to sports" else (sports, news)
    stories = oldest_first(source)
    story = {"oldest": stories[0], "middle": stories[len(stories) // 2], "newest": stories[-1]}[
        which
    ]
    story.headline = "Moved across the desk"
    story.section = target
    story.save()
    process_queue()
    root = live_root(settings)
    url = story.get_absolute_url()
    assert [p for p, text in list_pages(root, source.slug).items() if url in text] == []
    assert len([p for p, text in list_pages(root, target.slug).items() if url in text]) == 1
    if direction == "sports to news":
        assert not (root / "news/sports/page/1").exists()
        assert (root / "news/local-news/page/5/index.html").is_file()
    assert_same_as_full_build(settings, tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("place", ["last of page 1", "first of page 2"])
@pytest.mark.parametrize("edit", ["headline", "unpublish"])
def test_an_edit_to_the_item_at_a_page_boundary_rewrites_its_page(
    live_in_pages_of, settings, tmp_path, size, place, edit
):
    live = live_in_pages_of(size)
    news = live["sections"][0]
    # Numbered pages count from the oldest item: page 1 holds the oldest
    # `size`, page 2 the next `size`.
    rank = size - 1 if place == "last of page 1" else size
    story = oldest_first(news)[rank]
    root = live_root(settings)
    page = f"news/{news.slug}/page/{rank // size + 1}/index.html"
    url = story.get_absolute_url()
    holding = [p for p, text in list_pages(root, news.slug).items() if url in text]
    assert holding == [page]  # the case is what it says
    if edit == "headline":
        story.headline = "Boundary story, corrected"
        story.save()
        process_queue()
        assert "Boundary story, corrected" in (root / page).read_text()
    else:
        story.status = Status.DRAFT
        story.save()
        process_queue()
        assert url not in (root / page).read_text()
    assert_same_as_full_build(settings, tmp_path)
