"""An item's own page: what every kind's page shares (its search record,
its comments and their form)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from content import comments as comment_rules
from content import routes
from content.models import Commenting
from content.pages.comments import approved_comments, comment_threads
from publisher.pages.base import Context, Site, Unit
from publisher.pages.detail import DetailPage
from publisher.pages.keyset import stream
from publisher.pages.routes import Params
from publisher.paths import file_path
from publisher.searchindex import Record


class ItemPage(DetailPage):
    """An item's own page, at the address ``content.routes`` gives its kind
    (the same one its model's ``get_absolute_url`` returns). Readers can
    search every kind of item (``/search/``).

    A kind with ``commentable`` set shows its approved comments (a
    guestbook, for obituaries) and, while they are open, the form.
    """

    searchable = True
    commentable = False
    # Items whose comments are fetched together in a build (one query each).
    COMMENT_BATCH = 200

    def __init__(self) -> None:
        self.route, self._params = routes.ITEM_ROUTES[self.kind]
        super().__init__()

    def params_for(self, item: Any) -> Params:
        return self._params(item)

    def search_record(self, site: Site, item: Any) -> Record:
        local = timezone.localtime(item.publish_at)
        label = self.registry.kinds[self.kind].label
        return Record(
            url=self.url(self.params_for(item)),
            title=item.title,
            kind=label[:1].upper() + label[1:],
            date=local.date().isoformat(),
            words=tuple(self.search_words(item)),
            html=item.body_html,
            filters={
                "kind": label[:1].upper() + label[1:],
                "year": str(local.year),
                **self.search_filters(item),
            },  # fmt: skip
        )

    def search_words(self, item: Any) -> Iterable[str]:
        """The fields readers search besides the title and the body."""
        return ()

    def comments_context(self, site: Site, item: Any) -> Context:
        """What the comments part of an item's page shows. A build puts the
        item's approved comments on it beforehand (``with_comments``); one
        page on its own fetches them here."""
        if not self.commentable:
            return {}
        found = getattr(item, "_comments", None)
        if found is None:
            found = item._comments = approved_comments(self.kind, [item.pk]).get(item.pk, [])
        # No form without a place to send it (PUBLISHER_SUBMIT_URL "-").
        open_now = bool(settings.PUBLISHER_COMMENTS and settings.PUBLISHER_SUBMIT_URL)
        open_now = open_now and comment_rules.is_open(
            self.kind, item.comments, item.publish_at, settings.PUBLISHER_COMMENTS_DAYS, site.now
        )
        return {
            "comments": comment_threads(found),
            "comment_count": len(found),
            "comments_open": open_now,
            "comment_form_url": f"{settings.PUBLISHER_SUBMIT_URL}comment/",
        }

    # How far back ``expired`` looks for pages whose comments closed: a day
    # of missed cron runs; older ones the nightly build rewrites.
    CLOSING_WINDOW = timedelta(days=1)

    def expired(self, site: Site) -> Iterable[Params]:
        """The live pages whose comments closed by age since they were
        written: they still carry the form (one indexed query, and a look
        at the few files of the items that closed in the last day)."""
        days = settings.PUBLISHER_COMMENTS_DAYS
        if not self.commentable or site.previous is None or days <= 0 or self.kind == "crime":
            return []
        line = site.now - timedelta(days=days)
        closed = (
            self.model.objects.published(site.now)
            .filter(
                comments=Commenting.DEFAULT,
                publish_at__lte=line,
                publish_at__gt=line - self.CLOSING_WINDOW,
            )
            .only("slug", "publish_at")
        )
        stale = []
        for item in closed:
            params = self.params_for(item)
            try:
                live = (site.previous / file_path(self.url(params))).read_bytes()
            except OSError:
                continue
            if b"data-comment-form" in live:
                stale.append(params)
        return stale

    def with_comments(self, items: Iterable[Any]) -> Iterator[Any]:
        """``items`` with their approved comments on them, a query per batch."""
        if not self.commentable:
            yield from items
            return
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) == self.COMMENT_BATCH:
                yield from self._attach(batch)
                batch = []
        yield from self._attach(batch)

    def _attach(self, batch: list[Any]) -> list[Any]:
        if batch:
            found = approved_comments(self.kind, [item.pk for item in batch])
            for item in batch:
                item._comments = found.get(item.pk, [])
        return batch

    def item_context(self, site: Site, item: Any) -> Context:
        return {"item": item, **self.comments_context(site, item)}

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        if not self.commentable:
            yield from super().unit_contexts(site, unit)
            return
        part, parts = unit.args
        qs = self.queryset(site)
        if parts > 1:  # shares by id: a row never moves between them
            qs = qs.alias(shard=F("id") % parts).filter(shard=part)
        for item in self.with_comments(stream(qs)):
            yield self.params_for(item), self.item_context(site, item)

    def search_filters(self, item: Any) -> dict[str, str]:
        return {}
