"""RSS feeds, through django.contrib.syndication.

The feeds are rendered by the publisher into static files, so they never see
a real request: ``SiteRequest`` answers what ``Feed`` asks of one from
``PUBLISHER_SITE_URL``, which makes every link absolute on the public host.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from content.models import (
    Birth,
    Byline,
    Correction,
    CrimeReport,
    Obituary,
    Publishable,
    Section,
    Story,
    Wedding,
)

if TYPE_CHECKING:
    from publisher.pages.base import Site

FEED_ITEMS = 30
# lastBuildDate of a feed with no items; anything time-dependent would break
# byte-identical builds.
EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


class SiteRequest:
    """The parts of an HttpRequest that ``Feed.get_feed`` reads."""

    def __init__(self, site: Site, path: str) -> None:
        self.site = site
        self.path = path

    def get_host(self) -> str:
        return self.site.host

    def is_secure(self) -> bool:
        return self.site.scheme == "https"


class StableRss(Rss201rev2Feed):
    """RSS with plain-text titles and descriptions.

    Feed readers read a title and a description as HTML once the XML is
    parsed, but ours are plain text (a headline, a dek, a summary, a section
    or the paper's name): each is escaped here and again by the XML writer,
    Django's convention for titles (ticket 6533), so a headline typed as
    ``Fans cheer <img src=x onerror=...>`` reaches the reader as those words,
    never as an image."""

    def __init__(self, title: str, link: str, description: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(escape(title), link, escape(description), *args, **kwargs)

    def add_item(
        self, title: str, link: str, description: str | None, *args: Any, **kwargs: Any
    ) -> None:
        if description is not None:
            description = escape(description)
        super().add_item(escape(title), link, description, *args, **kwargs)

    def latest_post_date(self) -> datetime:
        if any(item.get("pubdate") or item.get("updateddate") for item in self.items):
            return super().latest_post_date()
        return EMPTY_FEED_DATE


class NewsroomFeed(Feed):
    feed_type = StableRss
    language = "en"
    title_suffix = ""
    link_path = "/"

    def __init__(self, site: Site, **context: Any) -> None:
        self.site = site
        self.context = context

    def render_bytes(self, path: str) -> bytes:
        feed = self.get_feed(None, SiteRequest(self.site, path))
        return feed.writeString("utf-8").encode()

    def title(self) -> str:
        return f"{self.site.name}: {self.title_suffix}"

    def link(self) -> str:
        return self.link_path

    def description(self) -> str:
        return f"The latest {self.title_suffix.lower()} from {self.site.name}."

    def items(self) -> Any:
        raise NotImplementedError

    def item_title(self, item: Publishable) -> str:
        return item.title

    def item_description(self, item: Publishable) -> str:
        return getattr(item, "dek", "") or item.summary

    def item_pubdate(self, item: Publishable) -> datetime:
        return item.publish_at

    def item_updateddate(self, item: Publishable) -> datetime:
        return item.updated_at


class NewsFeed(NewsroomFeed):
    title_suffix = "News"
    link_path = "/news/"

    def stories(self) -> Any:
        return (
            Story.objects.published(self.site.now)
            .select_related("section")
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
            .order_by("-publish_at", "-id")
        )

    def items(self) -> Any:
        return self.stories()[:FEED_ITEMS]

    def item_author_name(self, item: Story) -> str | None:
        names = [byline.author.name for byline in item.bylines.all()]
        return ", ".join(names) or None

    def item_categories(self, item: Story) -> list[str]:
        return [item.section.name]


class SectionFeed(NewsFeed):
    def __init__(self, site: Site, section: Section) -> None:
        super().__init__(site)
        self.section = section

    def title(self) -> str:
        return f"{self.site.name}: {self.section.name}"

    def description(self) -> str:
        return f"The latest {self.section.name} stories from {self.site.name}."

    def link(self) -> str:
        return self.section.get_absolute_url()

    def items(self) -> Any:
        return self.stories().filter(section=self.section)[:FEED_ITEMS]


class ObituaryFeed(NewsroomFeed):
    title_suffix = "Obituaries"
    link_path = "/obituaries/"

    def items(self) -> Any:
        return Obituary.objects.published(self.site.now).order_by("-publish_at", "-id")[:FEED_ITEMS]

    def item_description(self, item: Obituary) -> str:
        return item.summary


class CrimeFeed(NewsroomFeed):
    title_suffix = "Crime reports"
    link_path = "/crime/"

    def items(self) -> Any:
        return CrimeReport.objects.published(self.site.now).order_by("-publish_at", "-id")[
            :FEED_ITEMS
        ]

    def item_categories(self, item: CrimeReport) -> list[str]:
        return [item.get_incident_type_display()]


class CorrectionsFeed(NewsroomFeed):
    title_suffix = "Corrections"
    link_path = "/corrections/"

    def description(self) -> str:
        return f"Every correction {self.site.name} has published, newest first."

    def items(self) -> Any:
        return (
            Correction.objects.public(self.site.now)
            .select_related("story")
            .defer("story__body", "story__body_html")
            .order_by("-publish_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item: Correction) -> str:
        return f"Correction: {item.story.headline}"

    def item_description(self, item: Correction) -> str:
        return item.text

    def item_updateddate(self, item: Correction) -> datetime:
        return item.publish_at


class BirthFeed(NewsroomFeed):
    title_suffix = "Birth announcements"
    link_path = "/births/"

    def items(self) -> Any:
        return Birth.objects.published(self.site.now).order_by("-publish_at", "-id")[:FEED_ITEMS]

    def item_description(self, item: Birth) -> str:
        return item.description


class WeddingFeed(NewsroomFeed):
    title_suffix = "Weddings and engagements"
    link_path = "/weddings/"

    def items(self) -> Any:
        return Wedding.objects.published(self.site.now).order_by("-publish_at", "-id")[:FEED_ITEMS]

    def item_description(self, item: Wedding) -> str:
        return item.description

    def item_categories(self, item: Wedding) -> list[str]:
        return [item.get_announcement_display()]
