"""The feeds (news, each section, each kind, corrections) and the news
sitemap."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from content import routes
from content.feeds import (
    BirthFeed,
    CorrectionsFeed,
    CrimeFeed,
    NewsFeed,
    ObituaryFeed,
    SectionFeed,
    WeddingFeed,
)
from content.pages.corrections import correction_changes
from publisher.pages.base import Change, Context, Site, views_of
from publisher.pages.feeds import FeedPage
from publisher.pages.news_sitemap import NewsSitemapPage
from publisher.pages.routes import Params


class NewsFeedPage(FeedPage):
    name = "feed_news"
    route = routes.FEED_NEWS
    feed_class = NewsFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "story") else []


class SectionFeedPage(FeedPage):
    name = "feed_section"
    route = routes.FEED_SECTION
    feed_class = SectionFeed

    def params(self, site: Site) -> Iterator[Params]:
        for section in site.sections:
            yield {"section": section.slug}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        touched = {view.get("section") for view in views_of(site, changes, "story")}
        return [{"section": s.slug} for s in site.sections if s.pk in touched]

    def context(self, site: Site, params: Params) -> Context:
        return {"section": site.section(params["section"])}


class ObituaryFeedPage(FeedPage):
    name = "feed_obituaries"
    route = routes.FEED_OBITUARIES
    feed_class = ObituaryFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "obituary") else []


class CrimeFeedPage(FeedPage):
    name = "feed_crime"
    route = routes.FEED_CRIME
    feed_class = CrimeFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "crime") else []


class CorrectionsFeedPage(FeedPage):
    name = "feed_corrections"
    route = routes.FEED_CORRECTIONS
    feed_class = CorrectionsFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, correction_changes(site, changes)) else []


class LatestNewsSitemapPage(NewsSitemapPage):
    """/sitemaps/news.xml: the last 48 hours, for Google News."""

    route = routes.NEWS_SITEMAP
    language = "en"
    titles = {"story": "headline", "obituary": "full_name", "crime": "title"}


class BirthFeedPage(FeedPage):
    name = "feed_births"
    route = routes.FEED_BIRTHS
    feed_class = BirthFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "birth") else []


class WeddingFeedPage(FeedPage):
    name = "feed_weddings"
    route = routes.FEED_WEDDINGS
    feed_class = WeddingFeed

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return [{}] if views_of(site, changes, "wedding") else []
