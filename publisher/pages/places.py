"""Places in a list: how many items are older than one, and which item is
at a place, without reading the rows in between.

Publishing asks both for the few items it changes; the answers are kept on
the ``Site`` (one publish), so the pages and the sitemap that ask again, and
a walk to a place near one already counted, cost nothing more.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from publisher.pages.base import ItemView, Site
from publisher.pages.keyset import keyed, newer_than, older_than, sql_key


def rank(site: Site, qs: QuerySet, view: ItemView) -> int:
    """How many other items of a list are older than ``view``.

    Counted from whichever end is nearer: a COUNT reads every index entry
    it counts, and what is published and edited is mostly recent, so the
    newer side is short whatever the size of the archive.
    """
    at, pk = view.key
    list_key = sql_key(qs)
    key = ("rank", *list_key, at, pk)
    if key not in site.cache:
        total = site.count(qs)
        # Where the item is on the list now, if it is.
        now_at = qs.prefetch_related(None).filter(pk=pk).values_list("publish_at", flat=True)
        found = list(now_at[:1])
        # Others older = all others - others newer (the item itself may be
        # on the list at another place).
        near = total // 2 + 1
        newer = keyed(qs, newer_than(at, pk) & ~Q(pk=pk))
        newer_count = newer.order_by()[:near].count()
        if newer_count < near:
            place = total - len(found) - newer_count
        else:
            place = keyed(qs, older_than(at, pk) & ~Q(pk=pk)).order_by().count()
        site.cache[key] = place
        if found == [at]:  # a counted place: key_at walks from it
            site.cache.setdefault(("places", *list_key), []).append((place, (at, pk)))
    return site.cache[key]


def key_at(
    site: Site, qs: QuerySet, rank: int, from_ends: bool = True
) -> tuple[datetime, int] | None:
    """The (publish time, id) of the item ``rank`` places from the oldest of
    a list, reached from the nearest point known: an end of the list, or an
    item whose place this publish counted (``rank``). An OFFSET reads every
    row it skips: editing a story from the middle of the archive must not
    read half of it. Without ``from_ends``, None unless such an item is
    nearer than both ends (the caller's own OFFSET is as short)."""
    total = site.count(qs)
    keys = qs.prefetch_related(None).values_list("publish_at", "id")
    oldest_first, newest_first = (
        keys.order_by("publish_at", "id"),
        keys.order_by("-publish_at", "-id"),
    )
    nearest: tuple[int, QuerySet | None] = (min(rank, total - 1 - rank), None)
    for place, place_key in site.cache.get(("places", *sql_key(qs)), ()):
        if place == rank:
            return place_key
        if abs(place - rank) < nearest[0]:
            if place > rank:
                nearest = (place - rank - 1, keyed(newest_first, older_than(*place_key)))
            else:
                nearest = (rank - place - 1, keyed(oldest_first, newer_than(*place_key)))
    skip, walk = nearest
    if walk is None:
        if not from_ends:
            return None
        from_oldest = rank <= total - 1 - rank
        walk = oldest_first if from_oldest else newest_first
    return next(iter(walk[skip : skip + 1]), None)
