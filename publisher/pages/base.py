"""What every page type shares: the ``Site`` of one build, the ``Page`` base
class, and ``Change``, an edited item as the publisher saw it.

Each ``Page`` says, in one place, the URL pattern of a page type, the
template it renders, how to enumerate every page of that type in batches
(few queries, streamed), and how to build one page on its own. Everything
that needs URLs reads them from the declarations: the URLconf (and so
django-distill and the dev server), the full build, the sitemap and
``get_absolute_url``.

Both paths -- ``contexts()`` for a whole batch and ``context()`` for one page --
must give the template the same data, so that a page renders to the same bytes
whichever way it was reached (tests check this for every page type).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.utils import timezone

from publisher.headers import file_headers
from publisher.pages.keyset import sql_key
from publisher.pages.routes import Params, formatter

Context = dict[str, Any]
T = TypeVar("T")


class ItemSpool(Protocol):
    """Keeps what a build's render reads of items, for work after the render
    (``publisher.search.Spool``: the search index's records)."""

    def __call__(self, page: Any, site: Site, item: Any) -> None: ...

    def flush(self) -> None:
        """Put away what is held in memory: each render process calls it once
        its pages are done."""


@dataclass
class Site:
    """What every page of one build (or one publish) shares, fetched once.

    ``now`` is pinned for the whole build, so an item whose embargo ends
    half-way through a build is either on every page or on none. ``cache``
    holds answers to questions asked more than once of this Site (totals,
    counted places, months): each entry is what one function computed and
    only that function reads it (see ``memo``).
    """

    url: str
    name: str
    now: datetime
    page_size: int
    cache: dict[Any, Any] = field(default_factory=dict)
    # When publishing: the live release being updated. A page may copy the
    # parts of its file there that the changes do not touch.
    previous: Path | None = None
    # When building with search: called with each searchable item whose
    # page a build renders (``DetailPage.rendered``; ``publisher.search.Spool``),
    # so the index is made from the rows the render read, not read again.
    spool: ItemSpool | None = None

    @classmethod
    def current(cls, now: datetime | None = None, previous: Path | None = None) -> Site:
        return cls(
            url=settings.PUBLISHER_SITE_URL,
            name=settings.PUBLISHER_SITE_NAME,
            now=now or timezone.now(),
            page_size=settings.PUBLISHER_PAGE_SIZE,
            previous=previous,
        )

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, asked once per Site."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def count(self, qs: QuerySet) -> int:
        """``qs.count()``, counted once per Site: a COUNT reads an index range
        as long as the list, and one publish asks for the same few totals
        (the list, its pages, the sitemap) several times."""
        return self.memo(("count", *sql_key(qs)), qs.count)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    def absolute(self, path: str) -> str:
        return self.url + path


# What every item's state holds; ``ItemView.extra`` holds the rest, but for
# the uploads (``Change.media``), which no page's address depends on.
_CORE = ("status", "publish_at", "slug", "media")


@dataclass(frozen=True)
class ItemView:
    """An item as it is, or as it was before an edit: enough to find its pages.

    ``extra`` holds what a kind adds to its state (a story's section and
    authors), as sorted (name, value) pairs; read it with ``get``.
    """

    kind: str
    id: int
    publish_at: datetime
    slug: str
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.publish_at, self.id)

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.extra:
            if key == name:
                return value
        return default


@dataclass
class Change:
    """One edited item: its states before the edits (and now), for ``affected``.

    A state is a dict from ``publisher.changes.state_of``; ``current`` is
    None once the item is deleted. Kinds that are not items (an author) have
    states without a status: no reader ever saw them as an item.
    """

    kind: str
    id: int | None
    before: list[dict]
    current: dict | None

    def view(self, state: dict) -> ItemView:
        extra = tuple(
            sorted(
                (name, tuple(value) if isinstance(value, list) else value)
                for name, value in state.items()
                if name not in _CORE
            )
        )
        return ItemView(
            kind=self.kind,
            id=self.id or 0,
            publish_at=datetime.fromisoformat(state["publish_at"]),
            slug=state["slug"],
            extra=extra,
        )

    def visible(self, site: Site, state: dict | None) -> ItemView | None:
        if state is None or state.get("status") != "published":
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


def views_of(site: Site, changes: Iterable[Change], *kinds: str) -> list[ItemView]:
    """What readers saw or see of the changed items of ``kinds`` (any kind
    when none is named)."""
    return [view for c in changes if not kinds or c.kind in kinds for view in c.views(site)]


def local_month(item: Any) -> tuple[int, int]:
    """The newsroom's (year, month) of an item's (or a view's) publish time."""
    local = timezone.localtime(item.publish_at)
    return local.year, local.month


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
    """One page type. Subclasses set the attributes and the two context methods.

    ``registry`` is the registry the page was declared in (set by
    ``Registry``): a page reaches its siblings and the site's kinds through it.
    """

    name: str
    route: str
    template: str = ""
    # The ``TEMPLATES`` alias that renders ``template``; None: the registry's
    # (``Registry(template_engine=...)``).
    template_engine: str | None = None
    # What the editors' preview and the dev server's 404 send; it must be what
    # the header policy (publisher.headers) gives this page type's files.
    content_type = "text/html; charset=utf-8"
    registry: Any  # the publisher.pages.registry.Registry that declared it

    def __init__(self) -> None:
        self._format = formatter(self.route)

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
        return list(self.params(self.registry.site()))

    # Enumeration
    def params(self, site: Site) -> Iterator[Params]:
        """Every page of this type, as URL parameters (cheap: no rendering)."""
        yield {}

    def front_params(self, site: Site) -> Iterator[Params]:
        """The pages of this type that the sitemap lists as fronts, when the
        registry names this type among its fronts."""
        return self.params(site)

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
        pages that should no longer exist: rendering those raises Http404).
        A question: it changes nothing."""
        return ()

    def expired(self, site: Site) -> Iterable[Params]:
        """The pages of this type that time alone has changed since they were
        written into ``site.previous`` (the live release): a page that shows
        the last hours, say. ``manage.py publish`` rewrites them; most types
        have none. A question: it changes nothing, and it is asked every
        minute, so it should cost next to nothing."""
        return ()

    def publish_context(self, site: Site, params: Params, changes: list[Change]) -> Context:
        """One affected page's context when publishing ``changes``: by default
        the same as ``context``; a page that can reuse the live file's
        untouched parts learns here which parts the changes touch."""
        return self.context(site, params)

    # Rendering
    def render(self, site: Site, params: Params, context: Context) -> bytes:
        url = self.url(params)
        context = {"site": site, "page_url": url, "canonical_url": site.absolute(url), **context}
        engine = self.template_engine or self.registry.template_engine
        return loader.get_template(self.template, using=engine).render(context).encode()

    def rendered(self, site: Site, params: Params, context: Context) -> None:
        """Called by a build once this type's page at ``params`` is rendered
        (from ``context``); nothing by default."""

    def warm(self) -> None:
        """Load (compile) this type's template now: a build does it once,
        before forking its workers, instead of once in every worker."""
        if self.template:
            loader.get_template(
                self.template, using=self.template_engine or self.registry.template_engine
            )

    def view(self, request: HttpRequest, **params: Any) -> HttpResponse:
        """The dev server's (and django-distill's) way in: same context, same
        bytes, and the headers lighttpd and S3 send with the built file."""
        site = self.registry.site()
        try:
            context = self.context(site, params)
        except Http404:
            # A removed item's address answers 410 Gone, as lighttpd does.
            gone = self.registry.gone()
            answer = gone.answer(site, request.path) if gone is not None else None
            if answer is None:
                raise
            return answer
        body = self.render(site, params, context)
        return HttpResponse(body, headers=file_headers(self.url(params)))
