"""The newsroom's addresses: one route per page type, and the URL of each
kind of object. The page declarations (``content.pages``) and the models'
``get_absolute_url`` both read them from here."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from publisher.pages.routes import Params, formatter

HOME = ""
NEWS = "news/"
SECTION = "news/<slug:section>/"
STORY = "news/<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/"
OBITUARIES = "obituaries/"
OBITUARY = "obituaries/<yyyy:year>/<mm:month>/<slug:slug>/"
CRIMES = "crime/"
CRIME = "crime/<yyyy:year>/<mm:month>/<dd:day>/<slug:slug>/"
BIRTHS = "births/"
BIRTH = "births/<yyyy:year>/<mm:month>/<slug:slug>/"
WEDDINGS = "weddings/"
WEDDING = "weddings/<yyyy:year>/<mm:month>/<slug:slug>/"
AUTHOR = "authors/<slug:slug>/"
ARCHIVE = "archive/<yyyy:year>/<mm:month>/"
FEED_NEWS = "feeds/news.xml"
FEED_SECTION = "feeds/news/<slug:section>.xml"
FEED_OBITUARIES = "feeds/obituaries.xml"
FEED_CRIME = "feeds/crime.xml"
CORRECTIONS = "corrections/"
FEED_CORRECTIONS = "feeds/corrections.xml"
NEWS_SITEMAP = "sitemaps/news.xml"
SEARCH = "search/"
UNPUBLISHING_POLICY = "policies/unpublishing/"
FEED_BIRTHS = "feeds/births.xml"
FEED_WEDDINGS = "feeds/weddings.xml"
NEIGHBORHOODS = "crime/neighborhoods/"
NEIGHBORHOOD = "crime/neighborhoods/<slug:slug>/"
NEIGHBORHOOD_GEOJSON = "crime/neighborhoods/<slug:slug>.geojson"
NEIGHBORHOOD_CSV = "crime/neighborhoods/<slug:slug>.csv"
FEED_NEIGHBORHOOD = "feeds/crime/<slug:slug>.xml"


def _local(at: Any) -> Any:
    # The newsroom's zone (TIME_ZONE): an address never depends on a zone
    # activated for whoever asks. Cached per process; Django's current zone
    # is a thread-local read (about 3.5 µs, asked for every address a page
    # links to).
    return timezone.localtime(at, timezone.get_default_timezone())


def dated(item: Any) -> Params:
    """Year, month, day and slug of an item's address (its local publish date)."""
    when = _local(item.publish_at)
    return {"year": when.year, "month": when.month, "day": when.day, "slug": item.slug}


def monthly(item: Any) -> Params:
    """Year, month and slug of an item's address (no day: obituaries, births, weddings)."""
    when = _local(item.publish_at)
    return {"year": when.year, "month": when.month, "slug": item.slug}


# Each kind of item: its route and how an item fills it in.
ITEM_ROUTES = {
    "story": (STORY, dated),
    "obituary": (OBITUARY, monthly),
    "crime": (CRIME, dated),
    "birth": (BIRTH, monthly),
    "wedding": (WEDDING, monthly),
}
_ITEM_URLS = {kind: (formatter(route), params) for kind, (route, params) in ITEM_ROUTES.items()}
_section_url = formatter(SECTION)
_author_url = formatter(AUTHOR)
_neighborhood_url = formatter(NEIGHBORHOOD)


def item_url(kind: str, item: Any) -> str:
    format_url, params = _ITEM_URLS[kind]
    return format_url(params(item))


def section_url(slug: str) -> str:
    return _section_url({"section": slug})


def author_url(slug: str) -> str:
    return _author_url({"slug": slug})


def neighborhood_url(slug: str) -> str:
    return _neighborhood_url({"slug": slug})
