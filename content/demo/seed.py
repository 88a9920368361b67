"""``seed_demo()``: fill an empty database with the demo newsroom.

The same arguments always give the same rows (ids and timestamps included)
and the same photo bytes. Nothing here reads the clock except to default the
anchor to today.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from content.demo.births import birth_rows
from content.demo.comments import comment_rows
from content.demo.crimes import crime_rows
from content.demo.newsroom import create_newsroom
from content.demo.obituaries import obituary_rows
from content.demo.photos import write_community_images, write_demo_images
from content.demo.rows import delete_content, insert, insert_stories, reset_sequences
from content.demo.stories import story_rows
from content.demo.timeline import span_days
from content.demo.town import load_town
from content.demo.weddings import wedding_rows
from content.models import (
    Author,
    Birth,
    Comment,
    CrimeReport,
    Obituary,
    Section,
    Story,
    Wedding,
)

BATCH_SIZE = 1000
# A small town's announcements over the default demo's seven months.
DEFAULT_BIRTHS = 80
DEFAULT_WEDDINGS = 40

# Plural and singular names for counts, in the order the summary lists them.
NOUNS = {
    "stories": ("story", "stories"),
    "obituaries": ("obituary", "obituaries"),
    "crimes": ("crime report", "crime reports"),
    "births": ("birth announcement", "birth announcements"),
    "weddings": ("wedding or engagement", "weddings and engagements"),
    "comments": ("comment", "comments"),
    "sections": ("section", "sections"),
    "authors": ("author", "authors"),
}


class SeedError(Exception):
    """A reason not to seed; the message is meant for the operator."""


class DatabaseNotEmpty(SeedError):
    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        super().__init__(f"the database already has {describe_counts(counts)}")


@dataclass(frozen=True)
class SeedResult:
    stories: int
    obituaries: int
    crimes: int
    births: int
    weddings: int
    comments: int
    sections: int
    authors: int
    bylines: int
    images: int

    def describe(self) -> str:
        """``2,000 stories, 300 obituaries, ..., 24 authors``"""
        return describe_counts({name: getattr(self, name) for name in NOUNS}, skip_zero=False)


def describe_counts(counts: Mapping[str, int], *, skip_zero: bool = True) -> str:
    parts = []
    for name, (one, many) in NOUNS.items():
        n = counts.get(name, 0)
        if n or not skip_zero:
            parts.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(parts) or "no content"


def existing_content() -> dict[str, int]:
    return {
        "stories": Story.objects.count(),
        "obituaries": Obituary.objects.count(),
        "crimes": CrimeReport.objects.count(),
        "births": Birth.objects.count(),
        "weddings": Wedding.objects.count(),
        "comments": Comment.objects.count(),
        "sections": Section.objects.count(),
        "authors": Author.objects.count(),
    }


def seed_demo(
    *,
    stories: int,
    obituaries: int,
    crimes: int,
    seed: int,
    births: int = DEFAULT_BIRTHS,
    weddings: int = DEFAULT_WEDDINGS,
    anchor: date | None = None,
    replace: bool = False,
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH_SIZE,
) -> SeedResult:
    """Seed the demo newsroom; raise SeedError (DatabaseNotEmpty) without changes.

    ``anchor`` is the day everything is dated against (default: today, local):
    published items fall before it, embargoed ones 1-30 days after it.
    ``progress`` is called with the number of items written after each batch.
    Refuses a database that has any content unless ``replace`` is true, which
    deletes all content first, in the same transaction.
    """
    counts = {
        "stories": stories,
        "obituaries": obituaries,
        "crimes": crimes,
        "births": births,
        "weddings": weddings,
    }
    for name, n in counts.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise SeedError(f"{name} must be a whole number, 0 or more (got {n!r})")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SeedError(f"seed must be a whole number (got {seed!r})")
    if anchor is None:
        anchor = timezone.localdate()
    elif not isinstance(anchor, date) or isinstance(anchor, datetime):
        raise SeedError(f"anchor must be a date (got {anchor!r})")
    report = progress or (lambda n: None)
    # Births and weddings live within the others' span: counting them in
    # would move every older kind's dates whenever they outnumber the rest.
    span = span_days(max(stories, obituaries, crimes))

    with transaction.atomic():
        existing = existing_content()
        if any(existing.values()):
            if not replace:
                raise DatabaseNotEmpty(existing)
            delete_content()
        images = write_demo_images(_rng(seed, "photos"))
        newsroom = create_newsroom(_rng(seed, "newsroom"))
        n_bylines = insert_stories(
            story_rows(_rng(seed, "stories"), stories, anchor, span, newsroom, images),
            report,
            batch_size,
        )
        insert(
            Obituary,
            obituary_rows(_rng(seed, "obituaries"), obituaries, anchor, span, newsroom, images),
            report,
            batch_size,
        )
        town = load_town()
        insert(
            CrimeReport,
            crime_rows(_rng(seed, "crimes"), crimes, anchor, span, town),
            report,
            batch_size,
        )
        babies, couples = [], []
        if births or weddings:
            babies, couples = write_community_images(_rng(seed, "photos/community"))
        insert(
            Birth,
            birth_rows(_rng(seed, "births"), births, anchor, span, babies),
            report,
            batch_size,
        )
        insert(
            Wedding,
            wedding_rows(_rng(seed, "weddings"), weddings, anchor, span, couples),
            report,
            batch_size,
        )
        first_id = (Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        comments = comment_rows(_rng(seed, "comments"), _start_of(anchor), first_id)
        Comment.objects.bulk_create(comments)
        reset_sequences()

    return SeedResult(
        stories=stories,
        obituaries=obituaries,
        crimes=crimes,
        births=births,
        weddings=weddings,
        comments=len(comments),
        sections=len(newsroom.sections),
        authors=len(newsroom.authors),
        bylines=n_bylines,
        images=len(images.scenes) + len(images.portraits) + len(babies) + len(couples),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _rng(seed: int, stream: str) -> random.Random:
    # One stream per kind of content, so asking for more obituaries leaves
    # the stories exactly as they were.
    return random.Random(f"{seed}/{stream}")
