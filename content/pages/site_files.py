"""The site's own pages, of no item: robots.txt, /search/, the
unpublishing policy, 404 and 410, and what a moved or removed item's old
address answers."""

from __future__ import annotations

from collections.abc import Iterable

from content import routes
from content.policies import UnpublishingPolicy
from content.signals import POLICY
from publisher.pages.base import Change, Context, Page, Site
from publisher.pages.gone import GonePage
from publisher.pages.redirects import RedirectPage
from publisher.pages.routes import Params


class MovedPage(RedirectPage):
    template = "content/redirect.html"


class RemovedPage(GonePage):
    """A removed item's address (``records.decisions``): 410 Gone, and this page."""

    template = "content/gone.html"


class RobotsPage(Page):
    name = "robots"
    route = "robots.txt"
    template = "content/robots.txt"
    content_type = "text/plain; charset=utf-8"

    def context(self, site: Site, params: Params) -> Context:
        sitemaps = [self.registry.page(name) for name in ("sitemap", "news_sitemap")]
        return {"sitemaps": [site.absolute(page.url({})) for page in sitemaps]}


class SearchPage(Page):
    """/search/: readers search every item in their browser, against the index
    ``publisher.search`` writes (``?q=words`` runs a search on load). The page
    itself never changes with content."""

    name = "search"
    route = routes.SEARCH
    template = "content/search.html"


class UnpublishingPolicyPage(Page):
    """/policies/unpublishing/: the policy editors keep in the admin; saving
    it republishes this page (``content.signals``)."""

    name = "unpublishing_policy"
    route = routes.UNPUBLISHING_POLICY
    template = "content/policy.html"

    def context(self, site: Site, params: Params) -> Context:
        return {"policy": UnpublishingPolicy.current()}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if any(change.kind == POLICY for change in changes) else []


class NotFoundPage(Page):
    """The file lighttpd (or S3) answers with, status 404, for a missing page."""

    name = "not_found"
    route = "404.html"
    template = "content/404.html"


class RetiredAddressPage(Page):
    """The page lighttpd answers, status 410, at an old address retired for
    the name it held (``records.decisions``): no page of its own is left
    there, so this one says what happened without naming anyone."""

    name = "retired_address"
    route = "410.html"
    template = "content/410.html"
