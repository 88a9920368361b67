"""The newsroom's pages: one declaration per page type, in build order.

The publisher finds ``REGISTRY`` through the ``PUBLISHER_REGISTRY`` setting.
Each class says what its pages are (route, template, the rows it lists)
and which changes affect them; the engine's page kinds
(``publisher.pages``) do the paging, streaming and counting.

One module per kind of page (``story``, ``obituary``, ``crime``,
``announcements``, ``author``, ``home``, ``lists``, ``corrections``,
``feeds``, ``neighborhoods``, ``site_files``, ``submit_fallback``), what
they share (``site``, ``queries``, ``items``, ``comments``), and
``registry``: the kinds and every page type, in build order. Everything is
importable from here, as it was from the one module.
"""

from __future__ import annotations

from content.pages.announcements import BirthPage, WeddingPage
from content.pages.author import AUTHOR_STORIES, AuthorPage
from content.pages.comments import SHOWN, ShownComment, approved_comments, comment_threads
from content.pages.corrections import CorrectionsPage, correction_changes, public_corrections
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
from content.pages.home import HOME_SIDEBAR, HOME_STORIES, HomePage
from content.pages.items import ItemPage
from content.pages.lists import (
    BirthIndexPage,
    CrimeIndexPage,
    KindListPage,
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
from content.pages.queries import TEASER_FIELDS, approved_count, stories, with_bylines
from content.pages.registry import KINDS, REGISTRY
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
from content.pages.story import RELATED_STORIES, StoryPage, story_state
from content.pages.submit_fallback import SubmitUnavailablePage

# What a new page type is declared with (the docs' "Adding a page type"
# example runs in this namespace).
from publisher.pages.base import Page, views_of
from publisher.pages.lists import PaginatedPage

__all__ = [
    "AUTHOR_STORIES",
    "HOME_SIDEBAR",
    "HOME_STORIES",
    "KINDS",
    "REGISTRY",
    "RELATED_STORIES",
    "SHOWN",
    "TEASER_FIELDS",
    "TEMPLATE_ENGINE",
    "AuthorPage",
    "BirthFeedPage",
    "BirthIndexPage",
    "BirthPage",
    "CorrectionsFeedPage",
    "CorrectionsPage",
    "CrimeFeedPage",
    "CrimeIndexPage",
    "CrimePage",
    "HomePage",
    "ItemPage",
    "KindListPage",
    "LatestNewsSitemapPage",
    "MonthArchivePage",
    "MovedPage",
    "NeighborhoodCSVPage",
    "NeighborhoodFeedPage",
    "NeighborhoodGeoJSONPage",
    "NeighborhoodIndexPage",
    "NeighborhoodPage",
    "NewsFeedPage",
    "NewsIndexPage",
    "NewsroomSite",
    "NotFoundPage",
    "ObituaryFeedPage",
    "ObituaryIndexPage",
    "ObituaryPage",
    "Page",
    "PaginatedPage",
    "RemovedPage",
    "RetiredAddressPage",
    "RobotsPage",
    "SearchPage",
    "SectionFeedPage",
    "SectionPage",
    "ShownComment",
    "StoryPage",
    "SubmitUnavailablePage",
    "UnpublishingPolicyPage",
    "WeddingFeedPage",
    "WeddingIndexPage",
    "WeddingPage",
    "approved_comments",
    "approved_count",
    "comment_threads",
    "correction_changes",
    "crime_state",
    "public_corrections",
    "stories",
    "story_state",
    "views_of",
    "with_bylines",
]
