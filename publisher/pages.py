"""The page registry: one declaration per page type.

Each ``Page`` below says, in one place, the URL pattern of a page type, the
template it renders, how to enumerate every page of that type in batches
(few queries, streamed), and how to build one page on its own. Everything
that needs URLs reads them from here: the URLconf (and so django-distill and
the dev server), the full build, the sitemap and ``get_absolute_url``.

Both paths -- ``contexts()`` for a whole batch and ``context()`` for one page --
must give the template the same data, so that a page renders to the same bytes
whichever way it was reached (tests check this for every page type).
"""

from __future__ import annotations

import gc
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from heapq import merge
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import converters, register_converter
from django.utils import timezone

from content.models import (
    Author,
    Byline,
    CrimeReport,
    Obituary,
    Publishable,
    Section,
    Story,
)
from publisher.converters import Day, Month, Year
from publisher.media import file_fields
from publisher.models import Redirect

register_converter(Year, "yyyy")
register_converter(Month, "mm")
register_converter(Day, "dd")

Params = dict[str, Any]
Context = dict[str, Any]

CHUNK = 500  # rows per fetch when streaming a queryset (and per prefetch query)
LIST_CHUNK = 2000  # rows per fetch for lists, whose rows carry no body
LIST_PAGE_WEIGHT = 4  # a list page costs about this many detail pages to render
ARCHIVE_MONTHS_PER_UNIT = 6
MONTHS_PER_PROBE = 240  # months probed per query (SQLite allows 2,000 result columns)
HOME_STORIES = 10
HOME_SIDEBAR = 5
AUTHOR_STORIES = 50
RELATED_STORIES = 4
SITEMAP_LIMIT = 50_000
# An item public this long is on the site: its release ran (publish.release_due
# catches up any release missed within a day).
SETTLED = timedelta(days=1)


@dataclass
class Site:
    """What every page of one build shares, fetched once.

    ``now`` is pinned for the whole build, so an item whose embargo ends
    half-way through a build is either on every page or on none.
    """

    url: str
    name: str
    now: datetime
    sections: list[Section]
    page_size: int
    cache: dict[Any, Any] = field(default_factory=dict)
    # When publishing: the live release being updated. A page may copy the
    # parts of its file there that the changes do not touch.
    previous: Path | None = None

    @classmethod
    def current(cls, now: datetime | None = None, previous: Path | None = None) -> Site:
        return cls(
            url=settings.PUBLISHER_SITE_URL,
            name=settings.PUBLISHER_SITE_NAME,
            now=now or timezone.now(),
            sections=list(Section.objects.all()),
            page_size=settings.PUBLISHER_PAGE_SIZE,
            previous=previous,
        )

    def count(self, qs: QuerySet) -> int:
        """``qs.count()``, counted once per Site: a COUNT reads an index range
        as long as the list, and one publish asks for the same few totals
        (the list, its pages, the sitemap) several times."""
        key = ("count", *_sql_key(qs))
        if key not in self.cache:
            self.cache[key] = qs.count()
        return self.cache[key]

    @cached_property
    def nav_html(self) -> str:
        """The section navigation, the same on every page: rendered once per build."""
        return loader.render_to_string("content/_nav.html", {"sections": self.sections})

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    def absolute(self, path: str) -> str:
        return self.url + path


@dataclass(frozen=True)
class ItemView:
    """An item as it is, or as it was before an edit: enough to find its pages."""

    kind: str
    id: int
    publish_at: datetime
    slug: str
    section_id: int | None = None
    author_ids: tuple[int, ...] = ()

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.publish_at, self.id)


@dataclass
class Change:
    """One edited item: its states before the edits (and now), for ``affected``.

    A state is a dict from ``publisher.changes.state_of``; ``current`` is
    None once the item is deleted.
    """

    kind: str
    id: int | None
    before: list[dict]
    current: dict | None

    def view(self, state: dict) -> ItemView:
        return ItemView(
            kind=self.kind,
            id=self.id or 0,
            publish_at=datetime.fromisoformat(state["publish_at"]),
            slug=state["slug"],
            section_id=state.get("section"),
            author_ids=tuple(state.get("authors", ())),
        )

    def visible(self, site: Site, state: dict | None) -> ItemView | None:
        if self.kind not in ITEM_KINDS or state is None or state["status"] != "published":
            return None
        view = self.view(state)
        return view if view.publish_at <= site.now else None

    def views(self, site: Site) -> list[ItemView]:
        """Every state of the item that readers could see (before or now)."""
        out: list[ItemView] = []
        for state in [*self.before, self.current]:
            view = self.visible(site, state)
            if view is not None and view not in out:
                out.append(view)
        return out

    def now(self, site: Site) -> ItemView | None:
        return self.visible(site, self.current)

    def media(self) -> set[str]:
        """Every upload the item used in any of its states (live or not)."""
        states = [state for state in [*self.before, self.current] if state]
        return {name for state in states for name in state.get("media", ())}

    def kept_its_place(self, site: Site) -> bool:
        """Visible before every edit and now, always at the same (publish
        time, id): every list ordered by time has it where it was."""
        now = self.now(site)
        if now is None or not self.before:
            return False
        before = [self.visible(site, state) for state in self.before]
        return all(view is not None and view.key == now.key for view in before)


ITEM_KINDS = ("story", "obituary", "crime")


def views_of(site: Site, changes: Iterable[Change], *kinds: str) -> list[ItemView]:
    return [view for c in changes if c.kind in kinds for view in c.views(site)]


def bylines_prefetch() -> Prefetch:
    # Into a plain list (Story.byline_list): a prefetch into the related
    # manager builds a queryset per story, a fifth of the cost of a list page.
    return Prefetch("bylines", queryset=Byline.objects.select_related("author"), to_attr="_bylines")


def stories(site: Site) -> QuerySet[Story]:
    """Published stories as every list shows them: newest first, bylines ready."""
    return (
        Story.objects.published(site.now)
        .select_related("section")
        .prefetch_related(bylines_prefetch())
        .order_by("-publish_at", "-id")
    )


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


def local_date(item: Publishable) -> datetime:
    return timezone.localtime(item.publish_at)


def _month_of(item: Publishable | ItemView) -> tuple[int, int]:
    local = timezone.localtime(item.publish_at)
    return local.year, local.month


def stream(
    qs: QuerySet,
    *,
    start: tuple[datetime, int] | None = None,
    offset: int = 0,
    limit: int | None = None,
    size: int | None = None,
) -> Iterator[Any]:
    """The rows of ``qs`` (ordered newest first by publish time, then id) in
    batches of ``size``, one query each, resuming after the last key seen.

    Not ``QuerySet.iterator()``: mysqlclient buffers a whole result set in
    memory, so one big query would make memory grow with the archive. Starts
    at the key ``start`` (inclusive) or after ``offset`` rows; stops after
    ``limit`` rows. ``prefetch_related`` runs once per batch. Memory holds
    one batch, whatever the length of the walk.
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
            # Free the last batch now. Its rows sit in reference cycles
            # (prefetched bylines and file fields point back at their row),
            # which Python's collector otherwise frees late, when most of the
            # heap is new: a build's memory grew with the site.
            batch = []
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


# -- URLs ------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _formatter(route: str) -> Callable[[Params], str]:
    """A fast reverse() for one route: '/news/<slug:section>/' -> fill in."""
    parts: list[tuple[str, Any]] = []
    pos = 0
    all_converters = converters.get_converters()
    for match in _PARAM.finditer(route):
        parts.append((route[pos : match.start()], None))
        converter = all_converters[match.group("converter") or "str"]
        parts.append((match.group("name"), converter))
        pos = match.end()
    parts.append((route[pos:], None))

    def format_url(params: Params) -> str:
        out = ["/"]
        for text, converter in parts:
            out.append(text if converter is None else converter.to_url(params[text]))
        return "".join(out)

    return format_url


def file_path(url: str) -> str:
    """The file, relative to the document root, that serves ``url``.

    Refuses anything that could land outside the document root: the slug
    validators keep such values out of the admin, and this keeps them out of
    the build whatever way they reached the database.
    """
    if not url.startswith("/") or "\\" in url or "\0" in url:
        raise ValueError(f"unsafe URL for a static file: {url!r}")
    segments = url[1:].split("/")
    inner = segments[:-1] if url.endswith("/") else segments
    if any(seg in ("", ".", "..") or seg.startswith(".") for seg in inner):
        raise ValueError(f"unsafe URL for a static file: {url!r}")
    return url[1:] + "index.html" if url.endswith("/") else url[1:]


# -- The page types ------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A share of one page type's pages that a worker renders on its own.

    Shares are cut by keys that do not move when other rows change (ids,
    dates, sections), so two workers reading at slightly different moments
    still render every page exactly once.
    """

    page: str
    args: tuple = ()
    weight: int = 1  # roughly, in detail-page renders, for scheduling big units first


# A whole page type in one unit, for the single-process path.
WHOLE = 1 << 40


class Page:
    """One page type. Subclasses set the attributes and the two context methods."""

    name: str
    route: str
    template: str = ""
    content_type = "text/html; charset=utf-8"

    def __init__(self) -> None:
        self._format = _formatter(self.route)

    # URLs
    def url(self, params: Params) -> str:
        return self._format(params)

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        """(route, URL name, distill enumerator) for the URLconf."""
        return [(self.route, self.name, self._distill_params)]

    def _distill_params(self) -> list[Params] | None:
        # None: one page without parameters; a list: one page per entry (maybe none).
        if "<" not in self.route:
            return None
        return list(self.params(Site.current()))

    # Enumeration
    def params(self, site: Site) -> Iterator[Params]:
        """Every page of this type, as URL parameters (cheap: no rendering)."""
        yield {}

    def count(self, site: Site) -> int:
        return sum(1 for _ in self.params(site))

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        """This type's pages cut into shares of about ``size`` pages."""
        return [Unit(self.name, (), self.count(site))]

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        """Every page of one share with its template context, in batches."""
        for params in self.params(site):
            yield params, self.context(site, params)

    def contexts(self, site: Site) -> Iterator[tuple[Params, Context]]:
        """Every page of this type with its template context."""
        for unit in self.units(site):
            yield from self.unit_contexts(site, unit)

    def context(self, site: Site, params: Params) -> Context:
        """One page's template context; raises Http404 when there is no such page."""
        return {}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        """The pages of this type whose content the changes alter (including
        pages that should no longer exist: rendering those raises Http404)."""
        return ()

    # Rendering
    def render(self, site: Site, params: Params, context: Context) -> bytes:
        url = self.url(params)
        context = {"site": site, "page_url": url, "canonical_url": site.absolute(url), **context}
        return loader.get_template(self.template).render(context).encode()

    def view(self, request: HttpRequest, **params: Any) -> HttpResponse:
        """The dev server's (and django-distill's) way in: same context, same bytes."""
        site = Site.current()
        body = self.render(site, params, self.context(site, params))
        return HttpResponse(body, content_type=self.content_type)


def _sql_key(qs: QuerySet) -> tuple:
    """What rows ``qs`` selects, as a hashable key (ordering, joins for
    display and prefetching left out)."""
    sql, params = qs.order_by().values_list("pk").query.sql_with_params()
    return qs.db, sql, tuple(params)


def _rank(site: Site, qs: QuerySet, view: ItemView) -> int:
    """How many other items of a list are older than ``view``.

    Counted from whichever end is nearer: a COUNT reads every index entry
    it counts, and what is published and edited is mostly recent, so the
    newer side is short whatever the size of the archive.
    """
    at, pk = view.key
    list_key = _sql_key(qs)
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
            rank = total - len(found) - newer_count
        else:
            rank = keyed(qs, older_than(at, pk) & ~Q(pk=pk)).order_by().count()
        site.cache[key] = rank
        if found == [at]:  # a counted place: key_at walks from it
            site.cache.setdefault(("places", *list_key), []).append((rank, (at, pk)))
    return site.cache[key]


def key_at(
    site: Site, qs: QuerySet, rank: int, from_ends: bool = True
) -> tuple[datetime, int] | None:
    """The (publish time, id) of the item ``rank`` places from the oldest of
    a list, reached from the nearest point known: an end of the list, or an
    item whose place this publish counted (``_rank``). An OFFSET reads every
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
    for place, place_key in site.cache.get(("places", *_sql_key(qs)), ()):
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


@dataclass(frozen=True)
class Chunks:
    """Stable pagination of a newest-first list of ``total`` items.

    Pages are numbered from the *oldest* items: page n holds the items ranked
    (n-1)*size .. n*size-1 counting from the oldest, so a new item never moves
    the others between numbered pages and publishing one story rewrites a
    handful of list pages, not all of them. The index page (``/news/``) shows
    the newest items: the top chunk and, when that one is not full, the full
    chunk below it.
    """

    total: int
    size: int

    @property
    def count(self) -> int:
        return math.ceil(self.total / self.size)

    @property
    def index_chunks(self) -> list[int]:
        if self.count <= 1:
            return [1]
        if self.total % self.size:
            return [self.count, self.count - 1]
        return [self.count]

    @property
    def last_page(self) -> int:
        """The highest numbered page (0 when the index holds everything)."""
        return max(0, self.count - len(self.index_chunks))

    def page_of(self, rank: int) -> int:
        """The page (0 = the index) showing the item ``rank`` places from the oldest."""
        chunk = rank // self.size + 1
        return 0 if chunk > self.last_page else chunk

    def span(self, page: int) -> tuple[int, int]:
        """(offset, limit) of a page's items in the newest-first list."""
        if page == 0:
            lowest = min(self.index_chunks)
            return 0, self.total - (lowest - 1) * self.size
        return self.total - page * self.size, self.size


class PaginatedPage(Page):
    """A list: the index at ``route``, older items at ``.../page/<n>/``.

    ``page`` in the parameters is 0 for the index; see ``Chunks``.
    """

    @property
    def paged_route(self) -> str:
        return self.route + "page/<int:page>/"

    def __init__(self) -> None:
        super().__init__()
        self._format_paged = _formatter(self.paged_route)

    def url(self, params: Params) -> str:
        if params.get("page", 0):
            return self._format_paged(params)
        return self._format({k: v for k, v in params.items() if k != "page"})

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        def index_pages() -> list[Params] | None:
            if "<" not in self.route:
                return None
            site = Site.current()
            return [self._strip(p) for p in self.params(site) if p["page"] == 0]

        def numbered_pages() -> list[Params]:
            return [p for p in self.params(Site.current()) if p["page"] > 0]

        return [
            (self.route, self.name, index_pages),
            (self.paged_route, self.name + "_page", numbered_pages),
        ]

    @staticmethod
    def _strip(params: Params) -> Params:
        return {k: v for k, v in params.items() if k != "page"}

    def view(self, request: HttpRequest, **params: Any) -> HttpResponse:
        if "page" in params and params["page"] < 1:
            raise Http404("numbered pages start at 1")
        params.setdefault("page", 0)
        return super().view(request, **params)

    # Subclasses say what the list holds; pagination is shared.
    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        """Each list of this type: (params without page, number of items)."""
        raise NotImplementedError

    def items(self, site: Site, params: Params) -> QuerySet:
        """The items of one list, newest first."""
        raise NotImplementedError

    def list_context(self, site: Site, params: Params) -> Context:
        return {}

    def params(self, site: Site) -> Iterator[Params]:
        for params, count in self.lists(site):
            chunks = Chunks(count, site.page_size)
            yield {**params, "page": 0}
            for page in range(chunks.last_page, 0, -1):
                yield {**params, "page": page}

    def count(self, site: Site) -> int:
        return sum(Chunks(count, site.page_size).last_page + 1 for _, count in self.lists(site))

    def _page_context(
        self, site: Site, params: Params, items: list[Any], page: int, chunks: Chunks
    ) -> Context:
        last = chunks.last_page
        older = (last if page == 0 else page - 1) or None
        newer = None if page == 0 else (page + 1 if page < last else 0)
        return {
            **self.list_context(site, params),
            "items": items,
            "page_number": page,
            "previous_url": None if newer is None else self.url({**params, "page": newer}),
            "next_url": None if older is None else self.url({**params, "page": older}),
        }

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        # A list page holds a page size of items: count it as a few detail pages.
        per_unit = max(1, size // LIST_PAGE_WEIGHT)
        out = []
        for params, count in self.lists(site):
            chunks = Chunks(count, site.page_size)
            pages = [0, *range(chunks.last_page, 0, -1)]  # newest first
            for first in range(0, len(pages), per_unit):
                run = pages[first : first + per_unit]
                weight = len(run) * LIST_PAGE_WEIGHT
                out.append(Unit(self.name, (tuple(params.items()), run[0], run[-1], count), weight))
        return out

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        # One stream, newest first, cut into the pages of the run.
        param_items, newest_page, oldest_page, count = unit.args
        params = dict(param_items)
        chunks = Chunks(count, site.page_size)
        offset = chunks.span(newest_page)[0]
        end = sum(chunks.span(oldest_page))
        # List rows are light (no bodies): many per query.
        rows = stream(self.items(site, params), offset=offset, limit=end - offset, size=LIST_CHUNK)
        page = newest_page
        while True:
            limit = chunks.span(page)[1]
            items = [row for _, row in zip(range(limit), rows, strict=False)]
            yield {**params, "page": page}, self._page_context(site, params, items, page, chunks)
            if page == oldest_page:
                return
            page = chunks.last_page if page == 0 else page - 1

    kinds: tuple[str, ...] = ()

    def list_of(self, site: Site, view: ItemView) -> Params | None:
        """Which list of this type an item is on (None: none)."""
        return {}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        changes = [c for c in changes if c.kind in self.kinds]
        lists: dict[tuple, list[tuple[Change, ItemView]]] = {}
        for change in changes:
            for view in change.views(site):
                params = self.list_of(site, view)
                if params is not None:
                    lists.setdefault(tuple(params.items()), []).append((change, view))
        for key, entries in lists.items():
            params = dict(key)
            qs = self.items(site, params)
            chunks = Chunks(site.count(qs), site.page_size)
            ranks = [_rank(site, qs, view) for _, view in entries]
            if all(self._stays_put(site, change, key) for change, _ in entries):
                pages = {chunks.page_of(rank) for rank in ranks}
            else:
                # Everything from the lowest position touched shifts, up to the
                # newest. And the count changed, so the highest numbered page
                # may have moved: the pages around it change their "newer"
                # link, or join the index (then they render as 404, removed).
                n = len(changes)
                lowest = max(0, min(ranks) - n) // site.page_size + 1
                tops = [
                    Chunks(max(0, chunks.total + d), site.page_size).last_page
                    for d in range(-n, n + 1)
                ]
                pages = {0, *range(min(lowest, max(1, min(tops))), max(tops) + 2)}
            for page in sorted(pages):
                yield {**params, "page": page}

    def _stays_put(self, site: Site, change: Change, key: tuple) -> bool:
        # Same place in the same list before and after: only its own page changes.
        # (No earlier state means it is new to the site: not staying put.)
        if not change.before:
            return False
        states = [*change.before, change.current]
        views = [change.visible(site, state) for state in states]
        if any(view is None for view in views):
            return False
        if any(tuple((self.list_of(site, view) or {}).items()) != key for view in views):
            return False
        return len({view.key for view in views}) == 1

    def context(self, site: Site, params: Params) -> Context:
        params = dict(params)
        page = params.pop("page", 0)
        qs = self.items(site, params)
        chunks = Chunks(site.count(qs), site.page_size)
        if page < 0 or page > chunks.last_page:
            raise Http404("no such page")
        offset, limit = chunks.span(page)
        from_oldest = chunks.total - offset - limit
        newest = key_at(site, qs, chunks.total - offset - 1, from_ends=False)
        if newest is not None:  # near an item whose place was counted
            items = list(keyed(qs, older_than(*newest, inclusive=True))[:limit])
        elif from_oldest < offset:  # an OFFSET reads the rows it skips: the nearer end
            items = list(qs.reverse()[from_oldest : from_oldest + limit])[::-1]
        else:
            items = list(qs[offset : offset + limit])
        return self._page_context(site, params, items, page, chunks)


class HomePage(Page):
    name = "home"
    route = ""
    template = "content/home.html"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        touched = views_of(site, changes, *ITEM_KINDS) or any(c.kind == "author" for c in changes)
        return [{}] if touched else []

    def context(self, site: Site, params: Params) -> Context:
        top = list(stories(site)[:HOME_STORIES])
        return {
            "lead": top[0] if top else None,
            "top_stories": top[1:],
            "obituaries": list(newest_first(Obituary.objects.published(site.now))[:HOME_SIDEBAR]),
            "crimes": list(newest_first(CrimeReport.objects.published(site.now))[:HOME_SIDEBAR]),
        }


class NewsIndexPage(PaginatedPage):
    name = "news"
    route = "news/"
    template = "content/story_list.html"
    kinds = ("story",)

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(Story.objects.published(site.now))

    def items(self, site: Site, params: Params) -> QuerySet:
        return stories(site).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": "All news", "feed_url": PAGES["feed_news"].url({})}


class SectionPage(PaginatedPage):
    name = "section"
    route = "news/<slug:section>/"
    template = "content/story_list.html"
    kinds = ("story",)

    def list_of(self, site: Site, view: ItemView) -> Params | None:
        for section in site.sections:
            if section.pk == view.section_id:
                return {"section": section.slug}
        return None

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        counts = dict(
            Story.objects.published(site.now)
            .values_list("section_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for section in site.sections:
            yield {"section": section.slug}, counts.get(section.pk, 0)

    def _section(self, site: Site, slug: str) -> Section:
        for section in site.sections:
            if section.slug == slug:
                return section
        raise Http404("no such section")

    def items(self, site: Site, params: Params) -> QuerySet:
        section = self._section(site, params["section"])
        return stories(site).filter(section=section).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        section = self._section(site, params["section"])
        return {
            "title": section.name,
            "section": section,
            "feed_url": PAGES["feed_section"].url({"section": section.slug}),
        }


class ObituaryIndexPage(PaginatedPage):
    name = "obituaries"
    route = "obituaries/"
    template = "content/obituary_list.html"
    kinds = ("obituary",)

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(Obituary.objects.published(site.now))

    def items(self, site: Site, params: Params) -> QuerySet:
        return newest_first(Obituary.objects.published(site.now)).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": "Obituaries", "feed_url": PAGES["feed_obituaries"].url({})}


class CrimeIndexPage(PaginatedPage):
    name = "crime"
    route = "crime/"
    template = "content/crime_list.html"
    kinds = ("crime",)

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(CrimeReport.objects.published(site.now))

    def items(self, site: Site, params: Params) -> QuerySet:
        return newest_first(CrimeReport.objects.published(site.now)).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": "Crime reports", "feed_url": PAGES["feed_crime"].url({})}


class DetailPage(Page):
    """One page per published item of ``model``."""

    model: type[Publishable]

    def queryset(self, site: Site) -> QuerySet:
        return newest_first(self.model.objects.published(site.now))

    def params_for(self, item: Publishable) -> Params:
        raise NotImplementedError

    def params(self, site: Site) -> Iterator[Params]:
        light = newest_first(self.model.objects.published(site.now)).only("slug", "publish_at")
        for item in light.iterator(chunk_size=CHUNK * 4):
            yield self.params_for(item)

    def count(self, site: Site) -> int:
        return site.count(self.model.objects.published(site.now))

    def item_context(self, site: Site, item: Publishable) -> Context:
        return {"item": item}

    kind = ""

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        # Its own page, at every address it had or has (old ones render as 404).
        return [self.params_for(view) for view in views_of(site, changes, self.kind)]

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        count = self.count(site)
        parts = max(1, math.ceil(count / size))
        return [Unit(self.name, (part, parts), math.ceil(count / parts)) for part in range(parts)]

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        part, parts = unit.args
        qs = self.queryset(site)
        if parts > 1:  # shares by id: a row never moves between them
            qs = qs.alias(shard=F("id") % parts).filter(shard=part)
        for item in stream(qs):
            yield self.params_for(item), self.item_context(site, item)

    def lookup(self, site: Site, params: Params) -> Publishable:
        """The published item at these URL parameters (dates must match too)."""
        item = self.queryset(site).filter(slug=params["slug"]).first()
        if item is None or self.params_for(item) != params:
            raise Http404("no such item")
        return item

    def context(self, site: Site, params: Params) -> Context:
        return self.item_context(site, self.lookup(site, params))

    def preview(self, site: Site, item: Publishable) -> bytes:
        """Render an item as it will look once published (drafts included)."""
        context = {**self.item_context(site, item), "preview": True}
        return self.render(site, self.params_for(item), context)

    def media(self, site: Site, names: Iterable[str] | None = None) -> set[str]:
        """The uploads this type's published items use (of ``names``, if
        given): every upload field of a live item is on its page. One query
        per upload field, whatever the number of items."""
        out: set[str] = set()
        published = self.model.objects.published(site.now).order_by()
        for upload in file_fields(self.model):
            used = published.exclude(**{upload: ""})
            if names is not None:
                used = used.filter(**{f"{upload}__in": names})
            out.update(used.values_list(upload, flat=True).distinct())
        return out


class StoryPage(DetailPage):
    name = "story"
    route = "news/<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/"
    template = "content/story_detail.html"
    model = Story
    kind = "story"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        yield from super().affected(site, changes)
        # The stories just newer in its section list it under "More in".
        for view in views_of(site, changes, "story"):
            at, pk = view.key
            in_section = Story.objects.published(site.now).filter(section_id=view.section_id)
            newer = (
                keyed(in_section, newer_than(at, pk) & ~Q(pk=pk))
                .only("slug", "publish_at")
                .order_by("publish_at", "id")[:RELATED_STORIES]
            )
            for story in newer:
                yield self.params_for(story)

    def params_for(self, item: Publishable) -> Params:
        when = local_date(item)
        return {"year": when.year, "month": when.month, "day": when.day, "slug": item.slug}

    def queryset(self, site: Site) -> QuerySet:
        return stories(site)

    def item_context(self, site: Site, item: Publishable, related: list | None = None) -> Context:
        if related is None:
            related = list(self.related(site, item))
        return {"item": item, "story": item, "related": related}

    @staticmethod
    def related(site: Site, story: Story) -> QuerySet:
        """The stories published just before this one in its section."""
        in_section = Story.objects.published(site.now).filter(section_id=story.section_id)
        return (
            keyed(in_section, older_than(story.publish_at, story.id))
            .select_related("section")
            .order_by("-publish_at", "-id")[:RELATED_STORIES]
        )

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        """Shares of one section each, cut at (publish time, id) keys."""
        keys = (
            Story.objects.published(site.now)
            .order_by("section_id", "-publish_at", "-id")
            .values_list("section_id", "publish_at", "id")
        )
        bounds: list[tuple[int, tuple]] = []  # (section, newest key of the share)
        weights: list[int] = []
        for section_id, publish_at, pk in keys.iterator(chunk_size=CHUNK * 10):
            if not bounds or bounds[-1][0] != section_id or weights[-1] == size:
                bounds.append((section_id, (publish_at, pk)))
                weights.append(0)
            weights[-1] += 1
        units = []
        for index, (section_id, newest) in enumerate(bounds):
            following = bounds[index + 1] if index + 1 < len(bounds) else None
            oldest_excluded = following[1] if following and following[0] == section_id else None
            units.append(Unit(self.name, (section_id, newest, oldest_excluded), weights[index]))
        return units

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        # Walking a section newest first, a story's related stories are simply
        # the next few in the walk: a look-ahead window, no query per story.
        section_id, newest, stop_key = unit.args
        walk = stream(self.queryset(site).filter(section_id=section_id), start=newest)
        ahead: deque[Story] = deque()
        for story in walk:
            ahead.append(story)
            if len(ahead) > RELATED_STORIES:
                head = ahead.popleft()
                if stop_key is not None and (head.publish_at, head.id) <= stop_key:
                    return
                yield self.params_for(head), self.item_context(site, head, list(ahead))
        while ahead:
            head = ahead.popleft()
            if stop_key is not None and (head.publish_at, head.id) <= stop_key:
                return
            yield self.params_for(head), self.item_context(site, head, list(ahead))


class ObituaryPage(DetailPage):
    name = "obituary"
    route = "obituaries/<yyyy:year>/<mm:month>/<slug:slug>/"
    template = "content/obituary_detail.html"
    model = Obituary
    kind = "obituary"

    def params_for(self, item: Publishable) -> Params:
        when = local_date(item)
        return {"year": when.year, "month": when.month, "slug": item.slug}


class CrimePage(DetailPage):
    name = "crime_report"
    route = "crime/<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/"
    template = "content/crime_detail.html"
    model = CrimeReport
    kind = "crime"

    def params_for(self, item: Publishable) -> Params:
        when = local_date(item)
        return {"year": when.year, "month": when.month, "day": when.day, "slug": item.slug}


class AuthorPage(Page):
    name = "author"
    route = "authors/<slug:slug>/"
    template = "content/author_detail.html"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        ids = {pk for view in views_of(site, changes, "story") for pk in view.author_ids}
        for slug in Author.objects.filter(pk__in=ids).values_list("slug", flat=True):
            yield {"slug": slug}
        for change in changes:
            if change.kind == "author":  # an author added or removed
                for state in [*change.before, change.current]:
                    if state and "slug" in state:
                        yield {"slug": state["slug"]}

    def params(self, site: Site) -> Iterator[Params]:
        for slug in Author.objects.order_by("name", "id").values_list("slug", flat=True):
            yield {"slug": slug}

    def count(self, site: Site) -> int:
        return Author.objects.count()

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        # One query for every author's latest stories (a window function),
        # rather than one query per author.
        latest = (
            Byline.objects.filter(story__status="published", story__publish_at__lte=site.now)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("author_id")],
                    order_by=[F("story__publish_at").desc(), F("story_id").desc()],
                )
            )
            .filter(rank__lte=AUTHOR_STORIES)
            .select_related("story__section")
            .defer("story__body", "story__body_html")
            .order_by("author_id", "-story__publish_at", "-story_id")
        )
        by_author: dict[int, list[Story]] = {}
        for byline in latest.iterator(chunk_size=CHUNK):
            by_author.setdefault(byline.author_id, []).append(byline.story)
        for author in Author.objects.order_by("name", "id"):
            yield {"slug": author.slug}, {"author": author, "items": by_author.get(author.pk, [])}

    def context(self, site: Site, params: Params) -> Context:
        author = Author.objects.filter(slug=params["slug"]).first()
        if author is None:
            raise Http404("no such author")
        items = list(
            Story.objects.published(site.now)
            .filter(bylines__author=author)
            .select_related("section")
            .defer("body", "body_html")
            .order_by("-publish_at", "-id")[:AUTHOR_STORIES]
        )
        return {"author": author, "items": items}


ARCHIVE_KINDS: list[tuple[str, type[Publishable]]] = [
    ("stories", Story),
    ("obituaries", Obituary),
    ("crimes", CrimeReport),
]


def _group_by_kind(entries: Iterable[tuple[Any, str, Any]]) -> dict[str, list]:
    groups: dict[str, list] = {}
    for _, kind, item in entries:
        groups.setdefault(kind, []).append(item)
    return groups


def month_start(year: int, month: int) -> datetime:
    return timezone.make_aware(datetime(year, month, 1))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_with_items(published: QuerySet) -> list[tuple[int, int]]:
    """The local (year, month)s in which ``published`` has a row, oldest first.

    Every save needs this list (the sitemap lists the month archives), so it
    must not cost a pass over the rows, nor a probe per month of the span (a
    story dated year 26 instead of 2026 made that 24,000 months). Each query
    probes the ``MONTHS_PER_PROBE`` months from a month known to have a row
    with indexed EXISTS, and asks the index for the first row after them, so
    the next query starts there: a gap of any length costs nothing, and the
    number of queries is at most the number of months with rows (a dense
    archive: its span over ``MONTHS_PER_PROBE``, as before).
    """
    published = published.order_by()
    first = published.values_list("publish_at", flat=True).order_by("publish_at").first()
    if first is None:
        return []
    # The probes are the queryset's own SQL (one definition of "published"),
    # narrowed to a month; compiling it once per month through the ORM would
    # cost more than the probes themselves.
    connection = connections[published.db]
    column = "{}.{}".format(
        *map(connection.ops.quote_name, (published.model._meta.db_table, "publish_at"))
    )

    def narrowed(fields: str, condition: str) -> tuple[str, tuple]:
        sql, params = published.values(fields).query.get_compiler(connection=connection).as_sql()
        return f"{sql}{' AND ' if ' WHERE ' in sql else ' WHERE '}{condition}", params

    sql, params = narrowed("pk", f"{column} >= %s AND {column} < %s")
    probe = f"EXISTS({sql})"
    sql, after_params = narrowed("publish_at", f"{column} >= %s")
    after = f"({sql} ORDER BY {column} LIMIT 1)"
    adapt = connection.ops.adapt_datetimefield_value
    found: list[tuple[int, int]] = []
    start: datetime | None = first
    while start is not None:
        local = timezone.localtime(start)
        batch = [(local.year, local.month)]
        while len(batch) < MONTHS_PER_PROBE:
            batch.append(next_month(*batch[-1]))
        args: list[Any] = []
        for ym in batch:
            args += [*params, adapt(month_start(*ym)), adapt(month_start(*next_month(*ym)))]
        args += [*after_params, adapt(month_start(*next_month(*batch[-1])))]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([probe] * len(batch) + [after]), args)
            *hits, following = cursor.fetchone()
        found += [ym for ym, hit in zip(batch, hits, strict=True) if hit]
        # (The database's constraint keeps publish times before 2101, so
        # the months probed never run past what a datetime can hold.)
        start = connection.ops.convert_datetimefield_value(following, None, connection)
    return found


class ArchivePage(Page):
    name = "archive"
    route = "archive/<yyyy:year>/<mm:month>/"
    template = "content/archive_month.html"

    def _queryset(self, site: Site, model: type[Publishable]) -> QuerySet:
        # Lists of headlines: the bodies stay in the database.
        qs = newest_first(model.objects.published(site.now)).defer("body", "body_html")
        return qs.select_related("section") if model is Story else qs

    def months(self, site: Site) -> list[tuple[int, int]]:
        """Every (year, month) with something published, newest first."""
        if "archive_months" not in site.cache:
            found: set[tuple[int, int]] = set()
            for _, model in ARCHIVE_KINDS:
                found.update(months_with_items(model.objects.published(site.now)))
            site.cache["archive_months"] = sorted(found, reverse=True)
        return site.cache["archive_months"]

    def params(self, site: Site) -> Iterator[Params]:
        for year, month in self.months(site):
            yield {"year": year, "month": month}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        months = {_month_of(view) for view in views_of(site, changes, *ITEM_KINDS)}
        for year, month in self.shifting_months(site, changes):
            # Its neighbours link to it: a month that appears or empties changes them.
            start, end = month_start(year, month), month_start(*next_month(year, month))
            for _, model in ARCHIVE_KINDS:
                published = model.objects.published(site.now).order_by()
                before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
                after = published.filter(publish_at__gte=end).order_by("publish_at").first()
                months.update(_month_of(item) for item in (before, after) if item is not None)
        return [{"year": year, "month": month} for year, month in sorted(months)]

    def shifting_months(self, site: Site, changes: list[Change]) -> set[tuple[int, int]]:
        """The months the changes may add to the archive or empty: those in
        which nothing but the changed items is published. Any other month
        was listed before and still is, so its neighbours' links stand.

        Only items public for a day count as others: one whose embargo just
        ended may not be on the site yet (its own release is on the way).
        """
        if "archive_shifting" not in site.cache:
            settled = site.now - SETTLED
            changed: dict[str, set[int]] = {}
            for change in changes:
                changed.setdefault(change.kind, set()).add(change.id or 0)
            shifting = set()
            for year, month in {_month_of(v) for v in views_of(site, changes, *ITEM_KINDS)}:
                start, end = month_start(year, month), month_start(*next_month(year, month))
                in_month = Q(publish_at__gte=start, publish_at__lt=min(end, settled))
                others = (
                    keyed(page.model.objects.published(site.now), in_month).exclude(
                        pk__in=changed.get(kind, ())
                    )
                    for kind, page in DETAIL_PAGES.items()
                )
                if not any(qs.exists() for qs in others):
                    shifting.add((year, month))
            site.cache["archive_shifting"] = shifting
        return site.cache["archive_shifting"]

    def count(self, site: Site) -> int:
        return len(self.months(site))

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        # Runs of consecutive months; each knows its outer neighbours for the
        # "older"/"newer" links. Months are fixed keys: no row moves between runs.
        months = self.months(site)
        per_unit = ARCHIVE_MONTHS_PER_UNIT if size < WHOLE else max(1, len(months))
        out = []
        for first in range(0, len(months), per_unit):
            run = tuple(months[first : first + per_unit])
            newer = months[first - 1] if first > 0 else None
            after = first + per_unit
            older = months[after] if after < len(months) else None
            out.append(Unit(self.name, (run, newer, older), len(run) * LIST_PAGE_WEIGHT * 4))
        return out

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        run, newer, older = unit.args
        if not run:
            return
        start = month_start(*run[-1])
        end = month_start(*next_month(*run[0]))

        def dated(
            kind: str, model: type[Publishable]
        ) -> Iterator[tuple[tuple[int, int], str, Any]]:
            in_run = keyed(
                self._queryset(site, model), Q(publish_at__gte=start, publish_at__lt=end)
            )
            for item in stream(in_run):
                local = local_date(item)
                # Negated so that heapq.merge walks months newest first.
                yield (-local.year, -local.month), kind, item

        merged = merge(*(dated(k, m) for k, m in ARCHIVE_KINDS), key=lambda entry: entry[0])
        found = {
            (-key[0], -key[1]): _group_by_kind(entries)
            for key, entries in groupby(merged, key=lambda entry: entry[0])
        }
        for index, (year, month) in enumerate(run):
            if (year, month) not in found:
                continue
            newer_month = run[index - 1] if index > 0 else newer
            older_month = run[index + 1] if index + 1 < len(run) else older
            yield (
                {"year": year, "month": month},
                self._month_context(year, month, found[(year, month)], older_month, newer_month),
            )

    def _month_context(
        self,
        year: int,
        month: int,
        groups: dict[str, list],
        older: tuple | None,
        newer: tuple | None,
    ) -> Context:
        def link(ym: tuple | None) -> dict | None:
            if ym is None:
                return None
            return {
                "url": self.url({"year": ym[0], "month": ym[1]}),
                "date": datetime(ym[0], ym[1], 1),
            }

        return {
            "month": datetime(year, month, 1),
            "stories": groups.get("stories", []),
            "obituaries": groups.get("obituaries", []),
            "crimes": groups.get("crimes", []),
            "older": link(older),
            "newer": link(newer),
        }

    def context(self, site: Site, params: Params) -> Context:
        year, month = params["year"], params["month"]
        if not 1 <= month <= 12 or year < 1900:
            raise Http404("no such month")
        start, end = month_start(year, month), month_start(*next_month(year, month))
        groups = {
            kind: list(
                keyed(self._queryset(site, model), Q(publish_at__gte=start, publish_at__lt=end))
            )
            for kind, model in ARCHIVE_KINDS
        }
        if not any(groups.values()):
            raise Http404("nothing published that month")
        older = newer = None
        for _, model in ARCHIVE_KINDS:
            published = model.objects.published(site.now).order_by()
            before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
            after = published.filter(publish_at__gte=end).order_by("publish_at").first()
            if before is not None:
                local = local_date(before)
                older = max(older or (0, 0), (local.year, local.month))
            if after is not None:
                local = local_date(after)
                newer = min(newer or (9999, 12), (local.year, local.month))
        return self._month_context(year, month, groups, older, newer)


# -- Feeds, sitemap and the odd files ------------------------------------------


class FeedPage(Page):
    content_type = "application/rss+xml; charset=utf-8"
    feed_class: type

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        feed = self.feed_class(site, **context)
        return feed.render_bytes(self.url(params))


class NewsFeedPage(FeedPage):
    name = "feed_news"
    route = "feeds/news.xml"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "story") else []

    @property
    def feed_class(self) -> type:
        from content.feeds import NewsFeed

        return NewsFeed


class SectionFeedPage(FeedPage):
    name = "feed_section"
    route = "feeds/news/<slug:section>.xml"

    @property
    def feed_class(self) -> type:
        from content.feeds import SectionFeed

        return SectionFeed

    def params(self, site: Site) -> Iterator[Params]:
        for section in site.sections:
            yield {"section": section.slug}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        touched = {view.section_id for view in views_of(site, changes, "story")}
        return [{"section": s.slug} for s in site.sections if s.pk in touched]

    def context(self, site: Site, params: Params) -> Context:
        for section in site.sections:
            if section.slug == params["section"]:
                return {"section": section}
        raise Http404("no such section")


class ObituaryFeedPage(FeedPage):
    name = "feed_obituaries"
    route = "feeds/obituaries.xml"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "obituary") else []

    @property
    def feed_class(self) -> type:
        from content.feeds import ObituaryFeed

        return ObituaryFeed


class CrimeFeedPage(FeedPage):
    name = "feed_crime"
    route = "feeds/crime.xml"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "crime") else []

    @property
    def feed_class(self) -> type:
        from content.feeds import CrimeFeed

        return CrimeFeed


def _sitemap_form(site: Site, changes: list[Change]) -> str:
    """ "index" or "flat" when the sitemap is that before and after these
    changes; "crossing" when they may take it across the 50,000 URL line.
    The fronts (months, authors) are counted only near the line."""
    from content.sitemaps import counts, item_counts

    # Each change adds or removes its item, and may empty a month for every
    # state it had and fill one: the most the total can move.
    slack = sum(len(change.before) + 2 for change in changes)
    if sum(item_counts(site).values()) - slack > SITEMAP_LIMIT:
        return "index"
    total = sum(counts(site).values())
    if total + slack <= SITEMAP_LIMIT:
        return "flat"
    return "index" if total - slack > SITEMAP_LIMIT else "crossing"


def _touched_parts(site: Site, changes: list[Change], crossing: bool) -> list[tuple[str, int]]:
    """The sitemap parts (part, page) whose URLs or dates these changes may
    alter, whether the parts are files of their own or sections of one."""
    from content.sitemaps import ITEM_PARTS, counts, item_counts, part_size

    size = part_size(SITEMAP_LIMIT)
    out = []
    # The "pages" part lists authors and the month archives (no dates).
    authors = any(c.kind == "author" for c in changes)
    shifting = PAGES["archive"].shifting_months(site, changes)  # type: ignore[attr-defined]
    if authors or crossing or shifting:
        last = math.ceil(counts(site)["pages"] / size) + 1
        out += [("pages", n) for n in range(1, last + 1)]
    for part, (kind, model) in ITEM_PARTS.items():
        kind_changes = [c for c in changes if c.kind == kind and c.views(site)]
        if crossing:
            last = math.ceil(item_counts(site)[part] / size) + len(changes) + 1
            out += [(part, n) for n in range(1, last + 1)]
            continue
        if not kind_changes:
            continue
        qs = model.objects.published(site.now)
        kind_views = [view for c in kind_changes for view in c.views(site)]
        if all(c.kept_its_place(site) for c in kind_changes):
            # Edited in place: only the parts listing them (a new lastmod).
            pages = {_rank(site, qs, v) // size + 1 for v in kind_views}
            out += [(part, n) for n in sorted(pages)]
            continue
        # Items are listed oldest first: parts before the lowest one touched stay.
        lowest = max(0, min(_rank(site, qs, v) for v in kind_views) - len(changes))
        last = math.ceil(item_counts(site)[part] / size) + len(changes) + 1
        out += [(part, n) for n in range(lowest // size + 1, last + 1)]
    return out


class SitemapPage(Page):
    """``/sitemap.xml``: the URLs themselves, or an index once past 50,000."""

    name = "sitemap"
    route = "sitemap.xml"
    content_type = "application/xml; charset=utf-8"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        from content.sitemaps import ITEM_PARTS, item_counts, part_size

        authors = any(c.kind == "author" for c in changes)
        if not views_of(site, changes, *ITEM_KINDS) and not authors:
            return []
        form = _sitemap_form(site, changes)
        if form == "flat":
            # It lists every item, with its last change: the parts touched
            # are formatted again, the others copied (see render).
            site.cache["sitemap_touched"] = _touched_parts(site, changes, crossing=False)
            return [{}]
        if form == "crossing":
            return [{}]
        # An index names the parts: it changes when one appears or goes.
        if authors or PAGES["archive"].shifting_months(site, changes):  # type: ignore[attr-defined]
            return [{}]
        size = part_size(SITEMAP_LIMIT)
        for part, (kind, _) in ITEM_PARTS.items():
            moved = sum(1 for c in changes if c.kind == kind and not c.kept_its_place(site))
            count = item_counts(site)[part]
            if math.ceil(max(0, count - moved) / size) != math.ceil((count + moved) / size):
                return [{}]
        return []

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        from content.sitemaps import render_sitemap

        touched = site.cache.get("sitemap_touched")
        previous = b""
        if touched is not None and site.previous is not None:
            try:
                previous = (site.previous / file_path(self.url(params))).read_bytes()
            except OSError:
                touched = None  # nothing to copy from: format it all
        return render_sitemap(site, SITEMAP_LIMIT, previous=previous, changed=touched)


class SitemapPartPage(Page):
    name = "sitemap_part"
    route = "sitemaps/<slug:part>-<int:page>.xml"
    content_type = "application/xml; charset=utf-8"

    def params(self, site: Site) -> Iterator[Params]:
        from content.sitemaps import sitemap_parts

        yield from sitemap_parts(site, limit=SITEMAP_LIMIT)

    def context(self, site: Site, params: Params) -> Context:
        from content.sitemaps import has_part

        if not has_part(site, params["part"], params["page"], limit=SITEMAP_LIMIT):
            raise Http404("no such sitemap")
        return {}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        views = views_of(site, changes, *ITEM_KINDS)
        authors = any(c.kind == "author" for c in changes)
        if not views and not authors:
            return []
        form = _sitemap_form(site, changes)
        if form == "flat":
            return []
        # Crossing the 50,000 line makes (or unmakes) every part.
        touched = _touched_parts(site, changes, crossing=form == "crossing")
        return [{"part": part, "page": page} for part, page in touched]

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        from content.sitemaps import render_sitemap_part

        return render_sitemap_part(site, params["part"], params["page"], limit=SITEMAP_LIMIT)


class RedirectPage(Page):
    """The old address of a page that moved (new slug, date or section): a
    small page pointing at the new one. lighttpd and S3 also answer these
    addresses with a real 301, from ``build/redirects.json``."""

    name = "redirect"
    route = ""
    template = "content/redirect.html"

    def url(self, params: Params) -> str:
        return params["path"]

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        return []  # arbitrary old addresses: not routed, and not for django-distill

    def params(self, site: Site) -> Iterator[Params]:
        for path in Redirect.objects.order_by("old_path").values_list("old_path", flat=True):
            yield {"path": path}

    def count(self, site: Site) -> int:
        return Redirect.objects.count()

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        for old, new in Redirect.objects.order_by("old_path").values_list("old_path", "new_path"):
            yield {"path": old}, {"target": new}

    def context(self, site: Site, params: Params) -> Context:
        target = (
            Redirect.objects.filter(old_path=params["path"])
            .values_list("new_path", flat=True)
            .first()
        )
        if target is None:
            raise Http404("no redirect here")
        return {"target": target}

    def apply(self, site: Site, changes: list[Change]) -> bool:
        """Record the moves these changes make; remember the addresses touched.
        True if the redirects changed."""
        touched: set[str] = set()
        retaken = 0
        for change in changes:
            if change.kind not in ITEM_KINDS:
                continue
            page = DETAIL_PAGES[change.kind]
            now = change.now(site)
            new_url = page.url(page.params_for(now)) if now else None
            old_urls = {page.url(page.params_for(view)) for view in change.views(site)}
            old_urls.discard(new_url)
            for old in old_urls:
                # Anything that pointed at the old address follows the move.
                for chained in Redirect.objects.filter(new_path=old):
                    touched.add(chained.old_path)
                    if new_url:
                        chained.new_path = new_url
                        chained.save(update_fields=["new_path"])
                    else:
                        chained.delete()
                if new_url:
                    Redirect.objects.update_or_create(old_path=old, defaults={"new_path": new_url})
                    touched.add(old)
            if new_url:
                # A live page at an old address replaces its redirect.
                retaken += Redirect.objects.filter(old_path=new_url).delete()[0]
        site.cache["redirects_touched"] = touched
        return bool(touched or retaken)

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        live = set()
        for change in changes:
            if change.kind not in ITEM_KINDS:
                continue
            now = change.now(site)
            if now is not None:
                page = DETAIL_PAGES[change.kind]
                live.add(page.url(page.params_for(now)))
        touched = site.cache.get("redirects_touched", set())
        return [{"path": path} for path in sorted(touched - live)]


class RobotsPage(Page):
    name = "robots"
    route = "robots.txt"
    template = "content/robots.txt"
    content_type = "text/plain; charset=utf-8"


class NotFoundPage(Page):
    """The file lighttpd (or S3) answers with, status 404, for a missing page."""

    name = "not_found"
    route = "404.html"
    template = "content/404.html"


# Order matters for the build: pages that others link to are written first
# (so a new release never links ahead of itself, and incremental publishing
# writes a story before the lists that point to it).
REGISTRY: list[Page] = [
    StoryPage(),
    ObituaryPage(),
    CrimePage(),
    RedirectPage(),
    AuthorPage(),
    ArchivePage(),
    SectionPage(),
    NewsIndexPage(),
    ObituaryIndexPage(),
    CrimeIndexPage(),
    NewsFeedPage(),
    SectionFeedPage(),
    ObituaryFeedPage(),
    CrimeFeedPage(),
    SitemapPartPage(),
    SitemapPage(),
    RobotsPage(),
    NotFoundPage(),
    HomePage(),
]
PAGES: dict[str, Page] = {page.name: page for page in REGISTRY}

_DETAIL_PAGE_FOR: dict[type, str] = {
    Story: "story",
    Obituary: "obituary",
    CrimeReport: "crime_report",
}
DETAIL_PAGES: dict[str, DetailPage] = {
    "story": PAGES["story"],  # type: ignore[dict-item]
    "obituary": PAGES["obituary"],  # type: ignore[dict-item]
    "crime": PAGES["crime_report"],  # type: ignore[dict-item]
}


def live_media(site: Site, names: Iterable[str] | None = None) -> set[str]:
    """The uploads that belong on the live site: those a published item uses
    (of ``names``, if given). Lists and the front page show only photos of
    items that have their own page, so the detail pages say it all."""
    if names is not None:
        names = sorted(set(names))
        if not names:
            return set()
    return {name for page in DETAIL_PAGES.values() for name in page.media(site, names)}


def url_for(obj: Any) -> str:
    """The site path of a content object (what ``get_absolute_url`` returns)."""
    if isinstance(obj, Section):
        return PAGES["section"].url({"section": obj.slug})
    if isinstance(obj, Author):
        return PAGES["author"].url({"slug": obj.slug})
    page = PAGES[_DETAIL_PAGE_FOR[type(obj)]]
    return page.url(page.params_for(obj))  # type: ignore[attr-defined]
