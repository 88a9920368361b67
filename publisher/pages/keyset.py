"""Ordered rows without OFFSETs: keyset conditions, streaming, counting places.

Every list is ordered newest first by (publish time, id). Walking one in
batches, each batch starts after the last key seen (an index range), never at
an OFFSET, which reads every row it skips (``places`` counts and finds places
in a list the same way).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

CHUNK = 500  # rows per fetch when streaming a queryset (and per prefetch query)


def newest_first(qs: QuerySet) -> QuerySet:
    return qs.order_by("-publish_at", "-id")


def newer_than(at: datetime, pk: int) -> Q:
    """Items after the key (publish time, id) in newest-first order's reverse."""
    # Not `publish_at > at OR (publish_at = at AND id > pk)`: with bound
    # parameters SQLite cannot read an index range off an OR.
    return Q(publish_at__gte=at) & ~Q(publish_at=at, id__lte=pk)


def older_than(at: datetime, pk: int, inclusive: bool = False) -> Q:
    """Items before the key (publish time, id); with ``inclusive``, the key too."""
    same = Q(publish_at=at, id__gt=pk) if inclusive else Q(publish_at=at, id__gte=pk)
    return Q(publish_at__lte=at) & ~same


def keyed(qs: QuerySet, condition: Q) -> QuerySet:
    """``qs.filter(condition)`` with the condition first in the WHERE clause.

    SQLite bounds an index range by the first bound it meets on a column.
    The published filter's ``publish_at <= now`` comes first otherwise, so a
    walk to older items started at the newest and skipped its way down:
    each batch of a long walk cost more than the one before.
    """
    before = len(qs.query.where.children)
    out = qs.filter(condition)
    where = out.query.where
    if where.connector == "AND" and not where.negated:  # same rows in any order
        where.children[:] = where.children[before:] + where.children[:before]
    return out


def stream(
    qs: QuerySet,
    *,
    start: tuple[datetime, int] | None = None,
    offset: int = 0,
    limit: int | None = None,
    size: int | None = None,
    collect: bool = True,
) -> Iterator[Any]:
    """The rows of ``qs`` (ordered newest first by publish time, then id) in
    batches of ``size``, one query each, resuming after the last key seen.

    Not ``QuerySet.iterator()``: mysqlclient buffers a whole result set in
    memory, so one big query would make memory grow with the archive. Starts
    at the key ``start`` (inclusive) or after ``offset`` rows; stops after
    ``limit`` rows. ``prefetch_related`` runs once per batch. Memory holds
    one batch, whatever the length of the walk.

    ``collect=False``: the rows sit in no reference cycle as their pages use
    them (no prefetched rows pointing back, no file field read), so they are
    freed as soon as the next batch replaces them, without the full
    collection each batch costs otherwise.
    """
    size = size or CHUNK
    remaining = limit
    key, inclusive = start, True
    while remaining is None or remaining > 0:
        batch_qs = qs
        if key is not None:
            batch_qs = keyed(batch_qs, older_than(*key, inclusive=inclusive))
        wanted = size if remaining is None else min(size, remaining)
        if key is not None:
            batch = []  # the last batch, freed before the next is fetched
            if collect:
                # Rows in reference cycles (prefetched rows and file fields
                # point back at their row) Python's collector otherwise frees
                # late, when most of the heap is new: a build's memory grew
                # with the site.
                gc.collect()
        batch = list(batch_qs[offset : offset + wanted])
        offset = 0
        yield from batch
        if len(batch) < wanted:
            return
        if remaining is not None:
            remaining -= len(batch)
        key, inclusive = (batch[-1].publish_at, batch[-1].pk), False


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def sql_key(qs: QuerySet) -> tuple:
    """What rows ``qs`` selects, as a hashable key (ordering, joins for
    display and prefetching left out)."""
    sql, params = qs.order_by().values_list("pk").query.sql_with_params()
    return qs.db, sql, tuple(params)
