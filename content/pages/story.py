"""A story's page, with the stories just before it in its section."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet

from content.models import Correction, Story
from content.pages.items import ItemPage
from content.pages.queries import stories
from publisher.pages.base import WHOLE, Change, Context, Site, Unit, views_of
from publisher.pages.keyset import CHUNK, keyed, newer_than, older_than, stream
from publisher.pages.routes import Params

RELATED_STORIES = 4


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
