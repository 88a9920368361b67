"""The registry: a site's kinds of item and its page types, in build order.

A site declares one ``Registry`` in its own module and names it in the
``PUBLISHER_REGISTRY`` setting (``"content.pages.REGISTRY"``); the engine
finds it through ``registry()`` and never imports the site's code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.utils.module_loading import import_string

from publisher.media import media_names
from publisher.pages.base import Page, Site
from publisher.pages.detail import DetailPage
from publisher.pages.gone import GonePage
from publisher.renditions import Photo

P = TypeVar("P", bound=Page)


@dataclass(frozen=True)
class Kind:
    """One kind of content whose changes the publisher follows.

    ``name`` is the one spelling of the kind (publish jobs, previews, URLs of
    the admin) and the name of its detail page, unless ``page`` names another;
    ``label`` is what editors and readers read; ``plural`` names its items in
    lists that hold every kind (the month archive); ``sitemap_part`` names its
    part of the sitemap. Items (``item=True``) are what
    readers see, with a status and a publish time; other kinds (authors) are
    followed only for the pages that list them. ``extra_state`` adds what a
    kind's pages need to know of an item beyond its slug and dates (a story's
    section and authors): see ``publisher.changes.state_of``.
    """

    name: str
    model: Any
    label: str
    page: str = ""
    plural: str = ""
    sitemap_part: str = ""
    item: bool = True
    extra_state: Callable[[Any], dict[str, Any]] | None = None


class Registry:
    """The page types of a site in build order, and its kinds.

    Order matters for the build: pages that others link to come first (so a
    new release never links ahead of itself, and publishing writes a story
    before the lists that point to it).
    """

    def __init__(
        self,
        pages: Iterable[Page],
        kinds: Iterable[Kind],
        site_class: type[Site] = Site,
        fronts: Iterable[str] = (),
        template_engine: str | None = None,
    ) -> None:
        self.pages = list(pages)
        self.by_name = {page.name: page for page in self.pages}
        if len(self.by_name) != len(self.pages):
            raise ValueError("two page types share a name")
        for page in self.pages:
            page.registry = self
        self.kinds = {kind.name: kind for kind in kinds}
        self.site_class = site_class
        # The page types whose pages the sitemap lists as fronts, in order.
        self.fronts = list(fronts)
        # The TEMPLATES alias the page types' templates render through (a
        # page type may name another); None: the first engine that has one.
        self.template_engine = template_engine

    def page(self, name: str) -> Page:
        return self.by_name[name]

    def find(self, page_type: type[P]) -> P | None:
        """The first page of this type (or a subclass), if the site has one."""
        return next((page for page in self.pages if isinstance(page, page_type)), None)

    def site(self, now: datetime | None = None, previous: Path | None = None) -> Site:
        return self.site_class.current(now=now, previous=previous)

    @property
    def item_kinds(self) -> list[Kind]:
        return [kind for kind in self.kinds.values() if kind.item]

    def kind_of(self, model: type) -> Kind | None:
        for kind in self.kinds.values():
            if kind.model is model:
                return kind
        return None

    def live_photos(self, site: Site, names: Iterable[str] | None = None) -> set[Photo]:
        """The uploads that belong on the live site: those a published item
        uses (of ``names``, if given: uploads or their renditions). Lists and
        the front page show only photos of items that have their own page,
        so the detail pages say it all."""
        if names is not None:
            names = sorted(set(names))
            if not names:
                return set()
        return {
            photo
            for kind in self.item_kinds
            for photo in self.detail(kind.name).photos(site, names)
        }

    def live_media(self, site: Site, names: Iterable[str] | None = None) -> set[str]:
        """The files of ``live_photos`` (``publisher.media`` puts them in
        place): each upload and its renditions."""
        return media_names(self.live_photos(site, names))

    def gone(self) -> GonePage | None:
        """The page removed items leave behind, if the site declares one."""
        return self.find(GonePage)

    def detail(self, kind: str) -> DetailPage:
        found = self.kinds[kind]
        page = self.page(found.page or found.name)
        assert isinstance(page, DetailPage)
        return page


@functools.cache
def registry() -> Registry:
    """The site's registry, named by the ``PUBLISHER_REGISTRY`` setting."""
    return import_string(settings.PUBLISHER_REGISTRY)
