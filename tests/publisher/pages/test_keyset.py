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
