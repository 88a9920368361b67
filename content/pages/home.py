"""The front page."""

from __future__ import annotations

from collections.abc import Iterable

from content import routes
from content.models import Birth, CrimeReport, Obituary, Wedding
from content.pages.queries import stories
from publisher.pages.base import Change, Context, Page, Site, views_of
from publisher.pages.keyset import newest_first
from publisher.pages.routes import Params

HOME_STORIES = 10
HOME_SIDEBAR = 5


class HomePage(Page):
    name = "home"
    route = routes.HOME
    template = "content/home.html"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        touched = views_of(site, changes) or any(c.kind == "author" for c in changes)
        return [{}] if touched else []

    def context(self, site: Site, params: Params) -> Context:
        top = list(stories(site)[:HOME_STORIES])
        return {
            "lead": top[0] if top else None,
            "top_stories": top[1:],
            "obituaries": list(newest_first(Obituary.objects.published(site.now))[:HOME_SIDEBAR]),
            "crimes": list(newest_first(CrimeReport.objects.published(site.now))[:HOME_SIDEBAR]),
            # The community column: headlines only, the bodies stay in the database.
            "births": list(
                newest_first(Birth.objects.published(site.now)).defer("body", "body_html")[
                    :HOME_SIDEBAR
                ]
            ),
            "weddings": list(
                newest_first(Wedding.objects.published(site.now)).defer("body", "body_html")[
                    :HOME_SIDEBAR
                ]
            ),
        }
