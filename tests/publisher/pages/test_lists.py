"""List pages in chunks numbered from the oldest items, so a new item leaves
every numbered page as it was."""

from __future__ import annotations

import pytest

from publisher.pages import lists


@pytest.mark.parametrize(
    "total,size,index_chunks,last_page",
    [(0, 5, [1], 0), (3, 5, [1], 0), (5, 5, [1], 0), (6, 5, [2, 1], 0), (10, 5, [2], 1),
     (11, 5, [3, 2], 1), (15, 5, [3], 2), (16, 5, [4, 3], 2)],
)  # fmt: skip
def test_list_pages_are_numbered_from_the_oldest_items(total, size, index_chunks, last_page):
    chunks = lists.Chunks(total, size)
    assert chunks.index_chunks == index_chunks
    assert chunks.last_page == last_page
    # Every item is on exactly one page, and each numbered page is full.
    seen = []
    for page in [0, *range(last_page, 0, -1)]:
        offset, limit = chunks.span(page)
        seen += range(offset, offset + limit)
        if page:
            assert limit == size
    assert seen == list(range(total))


def test_a_new_story_leaves_every_numbered_list_page_as_it_was():
    before, after = lists.Chunks(41, 5), lists.Chunks(42, 5)
    for page in range(1, before.last_page + 1):
        old_offset, limit = before.span(page)
        new_offset, _ = after.span(page)
        # Same items (newest-first offsets move by one because one is newer).
        assert new_offset == old_offset + 1 and limit == 5
