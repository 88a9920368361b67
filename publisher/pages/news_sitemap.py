"""The Google News sitemap: the items published in the last two days.

One file (``/sitemaps/news.xml`` in the newsroom) in the news sitemap format
(``news:publication`` with the paper's name and language, the publication
date and the title), newest first, at most ``NEWS_LIMIT`` items. It depends
on the time as well as on the items: an item leaves it 48 hours after its
publish time, with no edit to say so. So a publish rewrites it when a
change touches a recent item or when the live file still lists an item past
the line (``expired``), and ``manage.py publish`` (cron, every minute) asks
``expired`` alone: a look at the live file, no query, and a rewrite only when
an item crossed the line since the last one. What the file lists follows from
the build's pinned ``now``, so the same database renders the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from heapq import merge
from typing import Any

from django.utils import timezone
from django.utils.html import escape

from publisher.pages.base import Change, Context, Page, Site, views_of
from publisher.pages.routes import Params
from publisher.paths import file_path

NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000  # the format's limit per file

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
)
FOOTER = "</urlset>\n"
_DATES = re.compile(rb"<news:publication_date>([^<]+)</news:publication_date>")


def _w3c(moment: datetime, zone: Any) -> str:
    # To the second: W3C dates, as the format asks.
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


class NewsSitemapPage(Page):
    """The news sitemap of the kinds named in ``titles`` (kind -> the field
    holding an item's title), in the site's ``language`` (ISO 639)."""

    name = "news_sitemap"
    content_type = "application/xml; charset=utf-8"
    language = "en"
    titles: dict[str, str] = {}

    def cutoff(self, site: Site) -> datetime:
        """Items published at or before this moment are no longer news."""
        return site.now - NEWS_WINDOW

    def context(self, site: Site, params: Params) -> Context:
        cutoff = self.cutoff(site)

        def recent(kind: str, title: str) -> Any:
            model = self.registry.kinds[kind].model
            rows = (
                model.objects.published(site.now)
                .filter(publish_at__gt=cutoff)
                .order_by("-publish_at", "-id")
                .only("id", "slug", "publish_at", title)[:NEWS_LIMIT]
            )
            page = self.registry.detail(kind)
            for row in rows:
                # Newest first across kinds; the kind breaks a tie of time and id.
                yield (row.publish_at, row.id, kind), page.url(page.params_for(row)), row, title

        found = merge(
            *(recent(kind, title) for kind, title in self.titles.items()),
            key=lambda entry: entry[0],
            reverse=True,
        )
        entries = []
        for _, url, row, title in found:
            entries.append((url, row.publish_at, getattr(row, title)))
            if len(entries) == NEWS_LIMIT:
                break
        return {"entries": entries}

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        zone = timezone.get_current_timezone()
        publication = (
            f"<news:publication><news:name>{escape(site.name)}</news:name>"
            f"<news:language>{escape(self.language)}</news:language></news:publication>"
        )
        out = [HEADER]
        for url, published, title in context["entries"]:
            out.append(
                f"<url><loc>{escape(site.absolute(url))}</loc><news:news>{publication}"
                f"<news:publication_date>{_w3c(published, zone)}"
                f"</news:publication_date><news:title>{escape(title)}</news:title>"
                "</news:news></url>\n"
            )
        out.append(FOOTER)
        return "".join(out).encode()

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        cutoff = self.cutoff(site)
        recent = [v for v in views_of(site, changes, *self.titles) if v.publish_at > cutoff]
        return [{}] if recent else self.expired(site)

    def expired(self, site: Site) -> Iterable[Params]:
        """The file, if the live one lists an item published 48 hours or more
        ago (or there is none). Its entries are newest first: the last date
        is the oldest."""
        if site.previous is None:
            return []
        try:
            data = (site.previous / file_path(self.url({}))).read_bytes()
        except OSError:
            return [{}]
        dates = _DATES.findall(data[-4096:]) or _DATES.findall(data)
        if not dates:
            return []
        # Written to the second: an item may show as past the line up to a
        # second early, which costs one rewrite, never a stale file.
        oldest = datetime.fromisoformat(dates[-1].decode())
        return [{}] if oldest <= self.cutoff(site) else []
