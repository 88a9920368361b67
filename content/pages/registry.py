"""The kinds of item and the registry of every page type, in build order.

The publisher finds ``REGISTRY`` through the ``PUBLISHER_REGISTRY`` setting
(``content.pages.REGISTRY``).
"""

from __future__ import annotations

from content.models import Author, Birth, CrimeReport, Neighborhood, Obituary, Story, Wedding
from content.pages.announcements import BirthPage, WeddingPage
from content.pages.author import AuthorPage
from content.pages.corrections import CorrectionsPage
from content.pages.crime import CrimePage, crime_state
from content.pages.feeds import (
    BirthFeedPage,
    CorrectionsFeedPage,
    CrimeFeedPage,
    LatestNewsSitemapPage,
    NewsFeedPage,
    ObituaryFeedPage,
    SectionFeedPage,
    WeddingFeedPage,
)
from content.pages.home import HomePage
from content.pages.lists import (
    BirthIndexPage,
    CrimeIndexPage,
    MonthArchivePage,
    NewsIndexPage,
    ObituaryIndexPage,
    SectionPage,
    WeddingIndexPage,
)
from content.pages.neighborhoods import (
    NeighborhoodCSVPage,
    NeighborhoodFeedPage,
    NeighborhoodGeoJSONPage,
    NeighborhoodIndexPage,
    NeighborhoodPage,
)
from content.pages.obituary import ObituaryPage
from content.pages.site import TEMPLATE_ENGINE, NewsroomSite
from content.pages.site_files import (
    MovedPage,
    NotFoundPage,
    RemovedPage,
    RetiredAddressPage,
    RobotsPage,
    SearchPage,
    UnpublishingPolicyPage,
)
from content.pages.story import StoryPage, story_state
from content.pages.submit_fallback import SubmitUnavailablePage
from publisher.pages.registry import Kind, Registry
from publisher.pages.sitemap import SitemapPage, SitemapPartPage

KINDS = [
    Kind(
        "story",
        Story,
        "story",
        plural="stories",
        sitemap_part="stories",
        extra_state=story_state,
    ),
    Kind(
        "obituary",
        Obituary,
        "obituary",
        plural="obituaries",
        sitemap_part="obituaries",
    ),
    Kind(
        "crime",
        CrimeReport,
        "crime report",
        plural="crimes",
        sitemap_part="crime",
        extra_state=crime_state,
    ),
    # After the older kinds, so their sitemap parts keep their place.
    Kind(
        "birth",
        Birth,
        "birth announcement",
        plural="births",
        sitemap_part="births",
    ),
    Kind(
        "wedding",
        Wedding,
        "wedding or engagement",
        plural="weddings",
        sitemap_part="weddings",
    ),
    Kind("author", Author, "author", item=False),
    Kind("neighborhood", Neighborhood, "neighborhood", item=False),
]

# Pages that others link to come first (see Registry).
REGISTRY = Registry(
    [
        StoryPage(),
        ObituaryPage(),
        CrimePage(),
        BirthPage(),
        WeddingPage(),
        MovedPage(),
        RemovedPage(),
        AuthorPage(),
        MonthArchivePage(),
        SectionPage(),
        NewsIndexPage(),
        ObituaryIndexPage(),
        CrimeIndexPage(),
        NeighborhoodPage(),
        NeighborhoodIndexPage(),
        BirthIndexPage(),
        WeddingIndexPage(),
        CorrectionsPage(),
        NewsFeedPage(),
        SectionFeedPage(),
        ObituaryFeedPage(),
        CrimeFeedPage(),
        NeighborhoodFeedPage(),
        NeighborhoodGeoJSONPage(),
        NeighborhoodCSVPage(),
        BirthFeedPage(),
        WeddingFeedPage(),
        CorrectionsFeedPage(),
        SitemapPartPage(),
        SitemapPage(),
        LatestNewsSitemapPage(),
        RobotsPage(),
        SearchPage(),
        SubmitUnavailablePage(),
        UnpublishingPolicyPage(),
        NotFoundPage(),
        RetiredAddressPage(),
        HomePage(),
    ],
    KINDS,
    site_class=NewsroomSite,
    template_engine=TEMPLATE_ENGINE,
    fronts=[
        "home",
        "news",
        "obituaries",
        "crimes",
        "births",
        "weddings",
        "corrections",
        "section",
        "author",
        "archive",
        # After the older fronts, so their entries keep their place.
        "neighborhoods",
        "neighborhood",
    ],
)
