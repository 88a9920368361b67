"""Published stories as every list shows them: their bylines and comment
counts in their own rows, and the columns a teaser shows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Aggregate, CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.db.models.query import ModelIterable

from content.models import Author, Byline, Comment, Story
from publisher.pages.base import Site


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
