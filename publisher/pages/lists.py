"""Lists: a page type whose pages show a page size of items each, newest
first, numbered from the oldest so that a new item moves nothing (``Chunks``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from publisher.pages.base import WHOLE, Change, Context, ItemView, Page, Site, Unit
from publisher.pages.keyset import keyed, older_than, stream
from publisher.pages.places import key_at, rank
from publisher.pages.routes import Params, formatter

# Rows per fetch for lists, whose rows carry what a teaser shows (no body,
# bylines in the row): 1,000 at a time, a query per 50 list pages of 20.
# (2,000 held 2 MB more in a 50,000-story build, all processes, for a
# tenth fewer queries.)
LIST_CHUNK = 1000
LIST_PAGE_WEIGHT = 4  # a list page costs about this many detail pages to render


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
        self._format_paged = formatter(self.paged_route)

    def url(self, params: Params) -> str:
        if params.get("page", 0):
            return self._format_paged(params)
        return self._format({k: v for k, v in params.items() if k != "page"})

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        def index_pages() -> list[Params] | None:
            if "<" not in self.route:
                return None
            site = self.registry.site()
            return [self._strip(p) for p in self.params(site) if p["page"] == 0]

        def numbered_pages() -> list[Params]:
            return [p for p in self.params(self.registry.site()) if p["page"] > 0]

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

    def list_params(self, site: Site) -> Iterator[Params]:
        """Each list of this type, without counting its items."""
        for params, _ in self.lists(site):
            yield params

    def front_params(self, site: Site) -> Iterator[Params]:
        # A list's first page stands for it.
        for params in self.list_params(site):
            yield {**params, "page": 0}

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
        rows = stream(
            self.items(site, params),
            offset=offset,
            limit=end - offset,
            size=LIST_CHUNK,
            collect=self.cyclic_rows,
        )
        page = newest_page
        while True:
            limit = chunks.span(page)[1]
            items = [row for _, row in zip(range(limit), rows, strict=False)]
            yield {**params, "page": page}, self._page_context(site, params, items, page, chunks)
            if page == oldest_page:
                return
            page = chunks.last_page if page == 0 else page - 1

    kinds: tuple[str, ...] = ()
    # Whether the rows of ``items`` sit in reference cycles once their page is
    # rendered (a prefetch pointing back at its row, a file field read): then
    # each batch is freed by a full collection (``keyset.stream``).
    cyclic_rows = False

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
            ranks = [rank(site, qs, view) for _, view in entries]
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
