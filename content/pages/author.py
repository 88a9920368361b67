"""An author's page: their latest stories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from content import routes
from content.models import Author, Byline, Story
from publisher.pages.base import Change, Context, Page, Site, Unit, views_of
from publisher.pages.keyset import CHUNK
from publisher.pages.routes import Params

AUTHOR_STORIES = 50


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
