"""Which items the reader search indexes, and the shard each one is in.

What is indexed is declared by the page types: every ``DetailPage`` with
``searchable = True`` gives a ``search_record`` for each live item (the same
``queryset`` its pages show). The index is cut into shards by publish time
(``PUBLISHER_SEARCH_SHARD``: year, quarter or month, in the newsroom's time
zone).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from publisher import searchindex
from publisher.pages.base import Change, Site, views_of
from publisher.pages.detail import DetailPage
from publisher.pages.registry import registry


def enabled() -> bool:
    return settings.PUBLISHER_SEARCH


def searchable_pages() -> list[DetailPage]:
    return [page for page in registry().pages if isinstance(page, DetailPage) and page.searchable]


# -- Shards ---------------------------------------------------------------------


def shard_of(moment: datetime) -> str:
    """The shard of an item published at ``moment``: ``2026``, ``2026-q4`` or ``2026-11``."""
    local = timezone.localtime(moment)
    period = settings.PUBLISHER_SEARCH_SHARD
    if period == "year":
        return f"{local.year:04d}"
    if period == "quarter":
        return f"{local.year:04d}-q{(local.month - 1) // 3 + 1}"
    return f"{local.year:04d}-{local.month:02d}"


def shard_span(name: str) -> tuple[datetime, datetime]:
    """The publish times [start, end) of a shard, in the newsroom's time zone."""
    year = int(name[:4])
    if len(name) == 4:
        first, months = 1, 12
    elif name[5] == "q":
        first, months = (int(name[6]) - 1) * 3 + 1, 3
    else:
        first, months = int(name[5:7]), 1
    after = first + months
    start = timezone.make_aware(datetime(year, first, 1))
    end = timezone.make_aware(datetime(year + (after - 1) // 12, (after - 1) % 12 + 1, 1))
    return start, end


def shards_between(first: datetime, last: datetime) -> Iterator[str]:
    """The shards from the one holding ``first`` to the one holding ``last``."""
    shard, final = shard_of(first), shard_of(last)
    while shard <= final:
        yield shard
        shard = shard_of(shard_span(shard)[1])


def affected_shards(site: Site, changes: Iterable[Change]) -> set[str]:
    """The shards that held or hold what readers saw or see of these changes."""
    kinds = [page.kind for page in searchable_pages()]
    if not kinds:
        return set()
    return {shard_of(view.publish_at) for view in views_of(site, changes, *kinds)}


def records(
    site: Site, shard: str, pages: list[DetailPage] | None = None
) -> Iterator[searchindex.Record]:
    """The records of one shard: every searchable kind's live items published
    in its span, in a fixed order (kinds in registry order, newest first).
    ``pages``: only these kinds (those with items in the shard)."""
    start, end = shard_span(shard)
    for page in searchable_pages() if pages is None else pages:
        for item in page.search_items(site, start, end):
            yield page.search_record(site, item)
