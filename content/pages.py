"""The newsroom's pages: one declaration per page type, in build order.

The publisher finds ``REGISTRY`` through the ``PUBLISHER_REGISTRY`` setting.
Each class says what its pages are (route, template, the rows it lists)
and which changes affect them; the engine's page kinds
(``publisher.pages``) do the paging, streaming and counting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Concat, RowNumber
from django.db.models.query import ModelIterable
from django.http import Http404
from django.template import loader
from django.utils import timezone
from django.utils.safestring import mark_safe

from content import comments as comment_rules
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
from content.models import (
    Author,
    Birth,
    Byline,
    Comment,
    Commenting,
    Correction,
    CrimeReport,
    Neighborhood,
    Obituary,
    Section,
    Story,
    Wedding,
)
from content.neighborhood_pages import (
    NeighborhoodCSVPage,
    NeighborhoodFeedPage,
    NeighborhoodGeoJSONPage,
    NeighborhoodIndexPage,
    NeighborhoodPage,
    changed_neighborhoods,
    spot,
)
from content.policies import UnpublishingPolicy
from content.signals import POLICY
from content.submit_fallback import SubmitUnavailablePage
from publisher.changes import ABSENT
from publisher.pages.archive import ArchivePage
from publisher.pages.base import WHOLE, Change, Context, ItemView, Page, Site, Unit, views_of
from publisher.pages.detail import DetailPage
from publisher.pages.feeds import FeedPage
from publisher.pages.gone import GonePage
from publisher.pages.keyset import CHUNK, keyed, newer_than, newest_first, older_than, stream
from publisher.pages.lists import PaginatedPage
from publisher.pages.news_sitemap import NewsSitemapPage
from publisher.pages.redirects import RedirectPage
from publisher.pages.registry import Kind, Registry
from publisher.pages.routes import Params
from publisher.pages.sitemap import SitemapPage, SitemapPartPage
from publisher.paths import file_path
from publisher.searchindex import Record

# The reader templates are Jinja2 (content/jinja2/, content/templating.py);
# the admin's stay Django's.
TEMPLATE_ENGINE = "jinja2"
HOME_STORIES = 10
HOME_SIDEBAR = 5
AUTHOR_STORIES = 50
RELATED_STORIES = 4


@dataclass
class NewsroomSite(Site):
    """The Site, with the sections every page's navigation shows."""

    sections: list[Section] = field(default_factory=list)
    # Reader search is on (PUBLISHER_SEARCH): the masthead links to it.
    search: bool = False
    # Where the footer sends readers with news (PUBLISHER_SUBMIT_URL; empty: no link).
    submit_url: str = ""

    @classmethod
    def current(cls, now: datetime | None = None, previous: Path | None = None) -> NewsroomSite:
        site = super().current(now=now, previous=previous)
        assert isinstance(site, NewsroomSite)
        site.sections = list(Section.objects.all())
        site.search = settings.PUBLISHER_SEARCH
        site.submit_url = settings.PUBLISHER_SUBMIT_URL
        return site

    @cached_property
    def nav_html(self) -> str:
        """The section navigation, the same on every page: rendered once per build."""
        html = loader.render_to_string(
            "content/_nav.html", {"sections": self.sections}, using=TEMPLATE_ENGINE
        )
        return mark_safe(html)  # noqa: S308 (rendered with escaping)

    def section(self, slug: str) -> Section:
        for section in self.sections:
            if section.slug == slug:
                return section
        raise Http404("no such section")


class _GroupConcat(Aggregate):
    function = "GROUP_CONCAT"  # SQLite and MariaDB alike; "," between values
    output_field = CharField()


def _byline_keys() -> Subquery:
    """A story's bylines as one column: "position:id:author" for each, in
    any order (SQLite's GROUP_CONCAT takes no ORDER BY)."""
    text = [Cast(name, CharField()) for name in ("position", "id", "author_id")]
    key = Concat(text[0], Value(":"), text[1], Value(":"), text[2], output_field=CharField())
    return Subquery(
        Byline.objects.filter(story=OuterRef("pk"))
        .order_by()
        .values("story")
        .annotate(keys=_GroupConcat(key))
        .values("keys")
    )


class _BylinesIterable(ModelIterable):
    """Stories with their bylines from the ``byline_keys`` column: one
    Byline per author (``bylines``), shared by every story the author is on."""

    bylines: dict[int, Byline] = {}

    def __iter__(self) -> Iterator[Story]:
        bylines = self.bylines
        for story in super().__iter__():
            keys = story.__dict__.pop("byline_keys")
            if not keys:
                story._bylines = []
            else:
                order = sorted(tuple(map(int, key.split(":"))) for key in keys.split(","))
                missing = [author_id for _, _, author_id in order if author_id not in bylines]
                if missing:  # an author added since the Site's were read
                    bylines.update(_bylines_of(Author.objects.filter(pk__in=missing)))
                story._bylines = [bylines[author_id] for _, _, author_id in order]
            yield story


def _bylines_of(authors: Iterable[Author]) -> dict[int, Byline]:
    out = {}
    for author in authors:
        byline = Byline(author=author)
        byline._state.adding = False
        out[author.pk] = byline
    return out


def _shared_bylines(site: Site) -> dict[int, Byline]:
    return site.memo("a byline per author", lambda: _bylines_of(Author.objects.all()))


def with_bylines(site: Site, qs: QuerySet[Story]) -> QuerySet[Story]:
    """``qs`` with each story's bylines (``Story.byline_list``) in its own row.

    Not a prefetch: that is a second query per batch of stories, a Byline
    and an Author built per byline, and each byline pointing back at its
    story, a reference cycle only a full collection frees. Here a byline is
    what pages show of it, its author: one per author for the whole Site
    (its story and position left unset).
    """
    qs = qs.annotate(byline_keys=_byline_keys())
    qs._iterable_class = type("Bylines", (_BylinesIterable,), {"bylines": _shared_bylines(site)})
    return qs


def approved_count(kind: str) -> Subquery:
    """An item's approved comments, counted in its own row (the teaser's
    "3 comments"): one index range of ``comment_item`` per row."""
    return Subquery(
        Comment.objects.approved()
        .filter(kind=kind, item_id=OuterRef("pk"))
        .order_by()
        .values("item_id")
        .annotate(n=Count("id"))
        .values("n")
    )


def stories(site: Site) -> QuerySet[Story]:
    """Published stories as every list shows them: newest first, bylines and
    comment counts ready."""
    return with_bylines(
        site,
        Story.objects.published(site.now)
        .select_related("section")
        .annotate(comment_count=approved_count("story"))
        .order_by("-publish_at", "-id"),
    )


# What a story's teaser on a list shows (content/_story_item.html), its
# address included: the other columns stay in the database (a list walks
# every story, and each datetime column costs a conversion per row).
TEASER_FIELDS = ("slug", "publish_at", "headline", "dek", "section")


# -- Lists -----------------------------------------------------------------------


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


def public_corrections(site: Site) -> QuerySet[Correction]:
    """The corrections readers see, newest first, with their stories' headlines."""
    return (
        newest_first(Correction.objects.public(site.now))
        .select_related("story")
        .defer("story__body", "story__body_html")
    )


def correction_changes(site: Site, changes: list[Change]) -> list[Change]:
    """The changed stories' corrections, as changes of their own: one is
    public while it is published and its story is (``story_state`` lists a
    story's published corrections). Any change of its story changes its
    entry (the headline, the address)."""
    out = []
    for change in changes:
        if change.kind != "story":
            continue
        states = [*change.before, change.current]
        listed = [_listed_corrections(state) for state in states]
        for pk in sorted({pk for found in listed for pk in found}):
            seen = [
                {"status": "published", "publish_at": found[pk], "slug": str(pk)}
                if pk in found and change.visible(site, state)
                else ABSENT
                for state, found in zip(states, listed, strict=True)
            ]
            current = None if change.current is None else seen[-1]
            out.append(Change("correction", pk, seen[:-1], current))
    return out


def _listed_corrections(state: dict | None) -> dict[int, str]:
    if not state:
        return {}
    return {int(pk): at for pk, _, at in (c.partition("@") for c in state.get("corrections", ()))}


class CorrectionsPage(PaginatedPage):
    """/corrections/: every public correction, newest first, each linking to
    its story."""

    name = "corrections"
    route = routes.CORRECTIONS
    template = "content/corrections.html"
    kinds = ("correction",)

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(Correction.objects.public(site.now))

    def list_params(self, site: Site) -> Iterator[Params]:
        yield {}

    def items(self, site: Site, params: Params) -> QuerySet:
        return public_corrections(site)

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": "Corrections", "feed_url": self.registry.page("feed_corrections").url({})}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return super().affected(site, correction_changes(site, changes))


# -- Items -----------------------------------------------------------------------


def comment_threads(comments: Iterable[ShownComment]) -> list[ShownComment]:
    """Approved comments oldest first, each top one with its approved
    replies (``thread``) under it: one level, as the form allows. A reply
    whose comment is no longer shown (removed since) stands on its own, so
    every approved comment is on the page and its count is the teaser's."""
    top: list[ShownComment] = []
    by_id: dict[int, ShownComment] = {}
    for comment in comments:
        comment.thread = []
        if comment.parent_id in by_id:
            by_id[comment.parent_id].thread.append(comment)
        else:
            top.append(comment)
            by_id[comment.pk] = comment
    return top


@dataclass
class ShownComment:
    """What a page shows of an approved comment: a plain row, not a model
    instance (a build makes one per comment on the site)."""

    pk: int
    item_id: int
    parent_id: int | None
    name: str
    body: str
    body_html: str
    posted_at: datetime
    thread: list[ShownComment] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


SHOWN = ("pk", "item_id", "parent_id", "name", "body", "body_html", "posted_at")


def approved_comments(kind: str, ids: Iterable[int]) -> dict[int, list[ShownComment]]:
    """The approved comments of these items, by item, oldest first (one query)."""
    found: dict[int, list[ShownComment]] = {}
    rows = (
        Comment.objects.approved()
        .filter(kind=kind, item_id__in=list(ids))
        .order_by("posted_at", "id")
        .values_list(*SHOWN)
    )
    for row in rows:
        comment = ShownComment(*row)
        found.setdefault(comment.item_id, []).append(comment)
    return found


class ItemPage(DetailPage):
    """An item's own page, at the address ``content.routes`` gives its kind
    (the same one its model's ``get_absolute_url`` returns). Readers can
    search every kind of item (``/search/``).

    A kind with ``commentable`` set shows its approved comments (a
    guestbook, for obituaries) and, while they are open, the form.
    """

    searchable = True
    commentable = False
    # Items whose comments are fetched together in a build (one query each).
    COMMENT_BATCH = 200

    def __init__(self) -> None:
        self.route, self._params = routes.ITEM_ROUTES[self.kind]
        super().__init__()

    def params_for(self, item: Any) -> Params:
        return self._params(item)

    def search_record(self, site: Site, item: Any) -> Record:
        local = timezone.localtime(item.publish_at)
        label = self.registry.kinds[self.kind].label
        return Record(
            url=self.url(self.params_for(item)),
            title=item.title,
            kind=label[:1].upper() + label[1:],
            date=local.date().isoformat(),
            words=tuple(self.search_words(item)),
            html=item.body_html,
            filters={
                "kind": label[:1].upper() + label[1:],
                "year": str(local.year),
                **self.search_filters(item),
            },  # fmt: skip
        )

    def search_words(self, item: Any) -> Iterable[str]:
        """The fields readers search besides the title and the body."""
        return ()

    def comments_context(self, site: Site, item: Any) -> Context:
        """What the comments part of an item's page shows. A build puts the
        item's approved comments on it beforehand (``with_comments``); one
        page on its own fetches them here."""
        if not self.commentable:
            return {}
        found = getattr(item, "_comments", None)
        if found is None:
            found = item._comments = approved_comments(self.kind, [item.pk]).get(item.pk, [])
        # No form without a place to send it (PUBLISHER_SUBMIT_URL "-").
        open_now = bool(settings.PUBLISHER_COMMENTS and settings.PUBLISHER_SUBMIT_URL)
        open_now = open_now and comment_rules.is_open(
            self.kind, item.comments, item.publish_at, settings.PUBLISHER_COMMENTS_DAYS, site.now
        )
        return {
            "comments": comment_threads(found),
            "comment_count": len(found),
            "comments_open": open_now,
            "comment_form_url": f"{settings.PUBLISHER_SUBMIT_URL}comment/",
        }

    # How far back ``expired`` looks for pages whose comments closed: a day
    # of missed cron runs; older ones the nightly build rewrites.
    CLOSING_WINDOW = timedelta(days=1)

    def expired(self, site: Site) -> Iterable[Params]:
        """The live pages whose comments closed by age since they were
        written: they still carry the form (one indexed query, and a look
        at the few files of the items that closed in the last day)."""
        days = settings.PUBLISHER_COMMENTS_DAYS
        if not self.commentable or site.previous is None or days <= 0 or self.kind == "crime":
            return []
        line = site.now - timedelta(days=days)
        closed = (
            self.model.objects.published(site.now)
            .filter(
                comments=Commenting.DEFAULT,
                publish_at__lte=line,
                publish_at__gt=line - self.CLOSING_WINDOW,
            )
            .only("slug", "publish_at")
        )
        stale = []
        for item in closed:
            params = self.params_for(item)
            try:
                live = (site.previous / file_path(self.url(params))).read_bytes()
            except OSError:
                continue
            if b"data-comment-form" in live:
                stale.append(params)
        return stale

    def with_comments(self, items: Iterable[Any]) -> Iterator[Any]:
        """``items`` with their approved comments on them, a query per batch."""
        if not self.commentable:
            yield from items
            return
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) == self.COMMENT_BATCH:
                yield from self._attach(batch)
                batch = []
        yield from self._attach(batch)

    def _attach(self, batch: list[Any]) -> list[Any]:
        if batch:
            found = approved_comments(self.kind, [item.pk for item in batch])
            for item in batch:
                item._comments = found.get(item.pk, [])
        return batch

    def item_context(self, site: Site, item: Any) -> Context:
        return {"item": item, **self.comments_context(site, item)}

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        if not self.commentable:
            yield from super().unit_contexts(site, unit)
            return
        part, parts = unit.args
        qs = self.queryset(site)
        if parts > 1:  # shares by id: a row never moves between them
            qs = qs.alias(shard=F("id") % parts).filter(shard=part)
        for item in self.with_comments(stream(qs)):
            yield self.params_for(item), self.item_context(site, item)

    def search_filters(self, item: Any) -> dict[str, str]:
        return {}


class StoryPage(ItemPage):
    name = "story"
    template = "content/story_detail.html"
    kind = "story"
    commentable = True
    # Its record shows its section (a filter) and its byline's names.
    search_depends = ("section__name", "bylines__position", "bylines__author__name")

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        yield from super().affected(site, changes)
        # The stories just newer in its section list it under "More in".
        for view in views_of(site, changes, "story"):
            at, pk = view.key
            in_section = Story.objects.published(site.now).filter(section_id=view.get("section"))
            newer = (
                keyed(in_section, newer_than(at, pk) & ~Q(pk=pk))
                .only("slug", "publish_at")
                .order_by("publish_at", "id")[:RELATED_STORIES]
            )
            for story in newer:
                yield self.params_for(story)

    def queryset(self, site: Site) -> QuerySet:
        return stories(site)

    def search_words(self, item: Any) -> Iterable[str]:
        yield item.dek
        yield ", ".join(byline.author.name for byline in item.byline_list)

    def search_filters(self, item: Any) -> dict[str, str]:
        return {"section": item.section.name}

    def item_context(self, site: Site, item: Any, related: list | None = None) -> Context:
        if related is None:
            related = list(self.related(site, item))
        if not hasattr(item, "_corrections"):  # one page: its own query
            item._corrections = list(
                item.corrections.published(site.now).order_by("publish_at", "id")
            )
        return {
            "item": item,
            "story": item,
            "related": related,
            **self.comments_context(site, item),
        }

    @staticmethod
    def corrections(site: Site) -> dict[int, list[Correction]]:
        """Every story's published corrections, fetched once per build: few
        next to the stories, and a query per batch of story pages would cost
        more than all of them."""

        def by_story() -> dict[int, list[Correction]]:
            found: dict[int, list[Correction]] = {}
            published = Correction.objects.published(site.now).order_by("publish_at", "id")
            for correction in published.iterator(chunk_size=CHUNK):
                found.setdefault(correction.story_id, []).append(correction)
            return found

        return site.memo("corrections by story", by_story)

    @staticmethod
    def related(site: Site, story: Story) -> QuerySet:
        """The stories published just before this one in its section."""
        in_section = Story.objects.published(site.now).filter(section_id=story.section_id)
        return (
            keyed(in_section, older_than(story.publish_at, story.id))
            .select_related("section")
            .order_by("-publish_at", "-id")[:RELATED_STORIES]
        )

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        """Shares of one section each, cut at (publish time, id) keys."""
        keys = (
            Story.objects.published(site.now)
            .order_by("section_id", "-publish_at", "-id")
            .values_list("section_id", "publish_at", "id")
        )
        bounds: list[tuple[int, tuple]] = []  # (section, newest key of the share)
        weights: list[int] = []
        for section_id, publish_at, pk in keys.iterator(chunk_size=CHUNK * 10):
            if not bounds or bounds[-1][0] != section_id or weights[-1] == size:
                bounds.append((section_id, (publish_at, pk)))
                weights.append(0)
            weights[-1] += 1
        units = []
        for index, (section_id, newest) in enumerate(bounds):
            following = bounds[index + 1] if index + 1 < len(bounds) else None
            oldest_excluded = following[1] if following and following[0] == section_id else None
            units.append(Unit(self.name, (section_id, newest, oldest_excluded), weights[index]))
        return units

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        # Walking a section newest first, a story's related stories are simply
        # the next few in the walk: a look-ahead window, no query per story.
        section_id, newest, stop_key = unit.args
        walk = self.with_comments(
            stream(self.queryset(site).filter(section_id=section_id), start=newest)
        )
        corrections = self.corrections(site)
        ahead: deque[Story] = deque()
        for story in walk:
            story._corrections = corrections.get(story.id, [])
            ahead.append(story)
            if len(ahead) > RELATED_STORIES:
                head = ahead.popleft()
                if stop_key is not None and (head.publish_at, head.id) <= stop_key:
                    return
                yield self.params_for(head), self.item_context(site, head, list(ahead))
        while ahead:
            head = ahead.popleft()
            if stop_key is not None and (head.publish_at, head.id) <= stop_key:
                return
            yield self.params_for(head), self.item_context(site, head, list(ahead))


class ObituaryPage(ItemPage):
    name = "obituary"
    template = "content/obituary_detail.html"
    kind = "obituary"
    commentable = True  # the guestbook

    def search_words(self, item: Any) -> Iterable[str]:
        # The full name (a maiden name in parentheses) is the title.
        return (item.hometown, item.service_place)


class CrimePage(ItemPage):
    name = "crime"
    template = "content/crime_detail.html"
    kind = "crime"
    commentable = True  # closed unless an editor opens them

    def search_words(self, item: Any) -> Iterable[str]:
        return (item.get_incident_type_display(), item.address_block, item.neighborhood)

    def item_context(self, site: Site, item: Any) -> Context:
        return {**super().item_context(site, item), **spot(site, item)}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        yield from super().affected(site, changes)
        # A neighborhood renamed or redrawn: its reports' pages name it and map it.
        slugs = changed_neighborhoods(changes)
        if slugs:
            qs = CrimeReport.objects.published(site.now).filter(located_in__slug__in=slugs)
            for item in qs.only("slug", "publish_at").iterator(chunk_size=CHUNK):
                yield self.params_for(item)


class BirthPage(ItemPage):
    name = "birth"
    template = "content/birth_detail.html"
    kind = "birth"


class WeddingPage(ItemPage):
    name = "wedding"
    template = "content/wedding_detail.html"
    kind = "wedding"


class AuthorPage(Page):
    name = "author"
    route = routes.AUTHOR
    template = "content/author_detail.html"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        ids = {pk for view in views_of(site, changes, "story") for pk in view.get("authors", ())}
        for slug in Author.objects.filter(pk__in=ids).values_list("slug", flat=True):
            yield {"slug": slug}
        for change in changes:
            if change.kind == "author":  # an author added or removed
                for state in [*change.before, change.current]:
                    if state and "slug" in state:
                        yield {"slug": state["slug"]}

    def params(self, site: Site) -> Iterator[Params]:
        for slug in Author.objects.order_by("name", "id").values_list("slug", flat=True):
            yield {"slug": slug}

    def count(self, site: Site) -> int:
        return Author.objects.count()

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        # One query for every author's latest stories (a window function),
        # rather than one query per author.
        latest = (
            Byline.objects.filter(story__status="published", story__publish_at__lte=site.now)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("author_id")],
                    order_by=[F("story__publish_at").desc(), F("story_id").desc()],
                )
            )
            .filter(rank__lte=AUTHOR_STORIES)
            .select_related("story__section")
            .defer("story__body", "story__body_html")
            .order_by("author_id", "-story__publish_at", "-story_id")
        )
        by_author: dict[int, list[Story]] = {}
        for byline in latest.iterator(chunk_size=CHUNK):
            by_author.setdefault(byline.author_id, []).append(byline.story)
        for author in Author.objects.order_by("name", "id"):
            yield {"slug": author.slug}, {"author": author, "items": by_author.get(author.pk, [])}

    def context(self, site: Site, params: Params) -> Context:
        author = Author.objects.filter(slug=params["slug"]).first()
        if author is None:
            raise Http404("no such author")
        items = list(
            Story.objects.published(site.now)
            .filter(bylines__author=author)
            .select_related("section")
            .defer("body", "body_html")
            .order_by("-publish_at", "-id")[:AUTHOR_STORIES]
        )
        return {"author": author, "items": items}


class MonthArchivePage(ArchivePage):
    route = routes.ARCHIVE
    template = "content/archive_month.html"

    def items(self, site: Site, kind: Kind) -> QuerySet:
        # Lists of headlines: the bodies stay in the database.
        qs = super().items(site, kind)
        if kind.model is Story:  # what content/archive_month.html shows of a story
            return qs.select_related("section").only("slug", "publish_at", "headline", "section")
        return qs.defer("body", "body_html")


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


# -- Feeds, the sitemap and the odd files ------------------------------------------


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


def story_state(story: Story) -> dict[str, Any]:
    """What a story's pages need beyond its slug and dates: its section front
    and the authors' pages list it, and its corrections are on /corrections/."""
    published = story.corrections.filter(status="published").order_by("id")
    return {
        "section": story.section_id,
        "authors": sorted(story.bylines.values_list("author_id", flat=True)),
        # "id@publish time": the corrections page places each by its time.
        "corrections": [
            f"{pk}@{at.isoformat()}" for pk, at in published.values_list("id", "publish_at")
        ],
    }


def crime_state(crime: CrimeReport) -> dict[str, Any]:
    """The neighborhood a report is in: its pages and counts list it."""
    return {"neighborhood": crime.located_in_id}


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
