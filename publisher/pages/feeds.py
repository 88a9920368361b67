"""Feeds: a page rendered by a ``django.contrib.syndication`` Feed class.

The site's feed classes take the ``Site`` and the page's context and render
with ``render_bytes(path)`` (see ``content.feeds``).
"""

from __future__ import annotations

from publisher.pages.base import Context, Page, Site
from publisher.pages.routes import Params


class FeedPage(Page):
    content_type = "application/rss+xml; charset=utf-8"
    feed_class: type

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        feed = self.feed_class(site, **context)
        return feed.render_bytes(self.url(params))
