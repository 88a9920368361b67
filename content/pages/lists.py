"""Lists of items: each kind's index (``/obituaries/``), the section
fronts and the month archive."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet

from content import routes
from content.models import Story
from content.pages.queries import TEASER_FIELDS, approved_count, stories
from publisher.pages.archive import ArchivePage
from publisher.pages.base import Context, ItemView, Site
from publisher.pages.keyset import newest_first
from publisher.pages.lists import PaginatedPage
from publisher.pages.registry import Kind
from publisher.pages.routes import Params


class KindListPage(PaginatedPage):
    """Every published item of one kind, newest first (``/obituaries/``)."""

    kind = ""
    title = ""
    feed = ""

    @property
    def kinds(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.kind,)

    @property
    def model(self) -> Any:
        return self.registry.kinds[self.kind].model

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(self.model.objects.published(site.now))

    def list_params(self, site: Site) -> Iterator[Params]:
        yield {}

    def items(self, site: Site, params: Params) -> QuerySet:
        # Lists of headlines: the bodies stay in the database.
        return newest_first(self.model.objects.published(site.now)).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": self.title, "feed_url": self.registry.page(self.feed).url({})}


class NewsIndexPage(KindListPage):
    name = "news"
    route = routes.NEWS
    template = "content/story_list.html"
    kind = "story"
    title = "All news"
    feed = "feed_news"

    def items(self, site: Site, params: Params) -> QuerySet:
        return stories(site).only(*TEASER_FIELDS)


class ObituaryIndexPage(KindListPage):
    name = "obituaries"
    route = routes.OBITUARIES
    template = "content/obituary_list.html"
    kind = "obituary"
    title = "Obituaries"
    feed = "feed_obituaries"

    def items(self, site: Site, params: Params) -> QuerySet:
        # Each teaser counts its guestbook's messages.
        return super().items(site, params).annotate(comment_count=approved_count("obituary"))


class CrimeIndexPage(KindListPage):
    name = "crimes"
    route = routes.CRIMES
    template = "content/crime_list.html"
    kind = "crime"
    title = "Crime reports"
    feed = "feed_crime"


class BirthIndexPage(KindListPage):
    name = "births"
    route = routes.BIRTHS
    template = "content/birth_list.html"
    kind = "birth"
    title = "Birth announcements"
    feed = "feed_births"


class WeddingIndexPage(KindListPage):
    name = "weddings"
    route = routes.WEDDINGS
    template = "content/wedding_list.html"
    kind = "wedding"
    title = "Weddings and engagements"
    feed = "feed_weddings"


class SectionPage(PaginatedPage):
    name = "section"
    route = routes.SECTION
    template = "content/story_list.html"
    kinds = ("story",)

    def list_of(self, site: Site, view: ItemView) -> Params | None:
        for section in site.sections:
            if section.pk == view.get("section"):
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

    def list_params(self, site: Site) -> Iterator[Params]:
        for section in site.sections:
            yield {"section": section.slug}

    def items(self, site: Site, params: Params) -> QuerySet:
        section = site.section(params["section"])
        return stories(site).filter(section=section).only(*TEASER_FIELDS)

    def list_context(self, site: Site, params: Params) -> Context:
        section = site.section(params["section"])
        return {
            "title": section.name,
            "section": section,
            "feed_url": self.registry.page("feed_section").url({"section": section.slug}),
        }


class MonthArchivePage(ArchivePage):
    route = routes.ARCHIVE
    template = "content/archive_month.html"

    def items(self, site: Site, kind: Kind) -> QuerySet:
        # Lists of headlines: the bodies stay in the database.
        qs = super().items(site, kind)
        if kind.model is Story:  # what content/archive_month.html shows of a story
            return qs.select_related("section").only("slug", "publish_at", "headline", "section")
        return qs.defer("body", "body_html")
