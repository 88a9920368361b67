"""Keyset queries: rows streamed in batches, never the whole table at once."""

from __future__ import annotations

from content import pages as newsroom_pages
from content.pages import REGISTRY
from publisher.pages import keyset
from tests.support import make_author, make_story


def test_a_long_stream_holds_one_batch_of_rows_at_a_time(db):
    # Rows with prefetched bylines sit in reference cycles; if stream() left
    # them to Python's collector, a build's memory would grow with the site.
    import gc

    from content.models import Story

    author = make_author()
    for i in range(30):
        make_story(authors=[author], slug=f"kept-{i}")
    site = REGISTRY.site()

    def live_stories() -> int:
        return sum(isinstance(obj, Story) for obj in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        most = 0
        for story in keyset.stream(newsroom_pages.stories(site), size=5):
            story.photo  # noqa: B018 - file fields make cycles too
            most = max(most, live_stories())
    finally:
        gc.enable()
    assert most <= 2 * 5


def test_list_pages_free_their_rows_without_a_collection(db, settings, monkeypatch):
    # A list's rows (bylines in the story's own row, no upload shown) sit in
    # no reference cycle: the walk frees each batch without the full
    # collection detail pages need, and memory still holds a batch or two.
    import gc

    from content.models import Story
    from publisher.pages import lists

    settings.PUBLISHER_PAGE_SIZE = 5
    monkeypatch.setattr(lists, "LIST_CHUNK", 5)
    ann, bob = make_author(), make_author()
    for i in range(40):
        make_story(authors=[ann, bob] if i % 2 else [ann], slug=f"listed-{i}")
    site = REGISTRY.site()

    def live_stories() -> int:
        return sum(isinstance(obj, Story) for obj in gc.get_objects())

    for name in ("news", "section"):
        page = REGISTRY.page(name)
        gc.collect()
        gc.disable()
        try:
            most = rendered = 0
            for unit in page.units(site):
                for params, context in page.unit_contexts(site, unit):
                    assert b"By <a" in page.render(site, params, context)
                    rendered += 1
                    del context
                    most = max(most, live_stories())
        finally:
            gc.enable()
        assert rendered >= 7
        assert most <= 3 * 5, (name, most)


def test_a_byline_by_an_author_added_after_the_site_was_read_is_shown(db):
    # A build's Site reads the authors once; a worker's own snapshot may be
    # newer and hold a byline by an author added meanwhile.
    from content.models import Byline

    story = make_story(authors=[make_author(name="Ann Early")])
    site = REGISTRY.site()
    assert [b.author.name for b in newsroom_pages.stories(site).get(pk=story.pk).byline_list] == [
        "Ann Early"
    ]
    Byline.objects.create(story=story, author=make_author(name="Bo Late"), position=5)
    again = newsroom_pages.stories(site).get(pk=story.pk)
    assert [b.author.name for b in again.byline_list] == ["Ann Early", "Bo Late"]
