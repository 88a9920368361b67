"""Detail pages: one page per published item of a kind."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from publisher import renditions
from publisher.media import file_fields
from publisher.pages.base import WHOLE, Change, Context, Page, Site, Unit, views_of
from publisher.pages.keyset import CHUNK, newest_first, stream
from publisher.pages.routes import Params
from publisher.renditions import Photo
from publisher.searchindex import Record


class DetailPage(Page):
    """One page per published item of the registry's kind ``kind``: a model
    with ``slug``, ``publish_at``, ``updated_at`` and a ``published()``
    queryset."""

    kind = ""
    # Readers can search this type's items (publisher.search) when it says
    # what of an item is found and shown: ``search_record``.
    searchable = False
    # What a search record shows besides the item's own row (which its
    # ``updated_at`` stamps): lookups across relations, e.g. a section's name.
    # A build reuses a shard of the index while these and every row's id and
    # ``updated_at`` are the same (``search_fingerprint``).
    search_depends: tuple[str, ...] = ()

    @property
    def model(self) -> Any:
        return self.registry.kinds[self.kind].model

    def queryset(self, site: Site) -> QuerySet:
        return newest_first(self.model.objects.published(site.now))

    def params_for(self, item: Any) -> Params:
        raise NotImplementedError

    def params(self, site: Site) -> Iterator[Params]:
        light = newest_first(self.model.objects.published(site.now)).only("slug", "publish_at")
        for item in light.iterator(chunk_size=CHUNK * 4):
            yield self.params_for(item)

    def count(self, site: Site) -> int:
        return site.count(self.model.objects.published(site.now))

    def item_context(self, site: Site, item: Any) -> Context:
        return {"item": item}

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

    def rendered(self, site: Site, params: Params, context: Context) -> None:
        # A build with search keeps the item's record as its page is made
        # (a detail context holds its item as ``item``).
        if self.searchable and site.spool is not None:
            site.spool(self, site, context["item"])

    def search_record(self, site: Site, item: Any) -> Record:
        """What readers find of a live item, and what a result shows of it."""
        raise NotImplementedError

    def search_items(self, site: Site, start: datetime, end: datetime) -> Iterator[Any]:
        """The live items published in [start, end), newest first, in batches."""
        return stream(self.queryset(site).filter(publish_at__gte=start, publish_at__lt=end))

    def search_fingerprint(self, site: Site, start: datetime, end: datetime) -> Iterator[tuple]:
        """What decides the records of the live items published in [start, end),
        read without building them: each item's id and ``updated_at`` and its
        ``search_depends``, in a fixed order (one query)."""
        qs = self.model.objects.published(site.now).filter(
            publish_at__gte=start, publish_at__lt=end
        )
        order = ("-publish_at", "-id", *self.search_depends)
        # ``updated_at`` as the database writes it: a stamp compares it with
        # itself only, and no datetime is made per row.
        qs = qs.annotate(stamped_at=Cast("updated_at", CharField()))
        return qs.order_by(*order).values_list("id", "stamped_at", *self.search_depends).iterator()

    def lookup(self, site: Site, params: Params) -> Any:
        """The published item at these URL parameters (dates must match too)."""
        item = self.queryset(site).filter(slug=params["slug"]).first()
        if item is None or self.params_for(item) != params:
            raise Http404("no such item")
        return item

    def context(self, site: Site, params: Params) -> Context:
        return self.item_context(site, self.lookup(site, params))

    def preview(self, site: Site, item: Any) -> bytes:
        """Render an item as it will look once published (drafts included)."""
        context = {**self.item_context(site, item), "preview": True}
        return self.render(site, self.params_for(item), context)

    def photos(self, site: Site, names: Iterable[str] | None = None) -> set[Photo]:
        """The uploads this type's published items use (of ``names``, if
        given: uploads, or renditions, which name their photo's digest):
        every upload field of a live item is on its page. One query per
        upload field, whatever the number of items."""
        out: set[Photo] = set()
        published = self.model.objects.published(site.now).order_by()
        if names is not None:
            names = set(names)
            digests = {d for d in map(renditions.digest_of, names) if d}
        for upload in file_fields(self.model):
            field = self.model._meta.get_field(upload)
            digest_field = getattr(field, "digest_field", "")
            width_field = getattr(field, "width_field", None)
            height_field = getattr(field, "height_field", None)
            used = published.exclude(**{upload: ""})
            if names is not None:
                wanted = Q(**{f"{upload}__in": names})
                if digest_field and digests:
                    wanted |= Q(**{f"{digest_field}__in": digests})
                used = used.filter(wanted)
            columns = [upload, digest_field, width_field, height_field]
            for name, digest, width, height in used.values_list(
                *(c or upload for c in columns)
            ).distinct():
                out.add(
                    Photo(
                        name,
                        digest if digest_field else "",
                        width if width_field else 0,
                        height if height_field else 0,
                    )
                )
        return out
