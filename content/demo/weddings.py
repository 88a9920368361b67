"""Demo wedding and engagement announcements, from ``data/weddings.toml``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from content.demo.photos import Photo, maybe_photo
from content.demo.text import body_html, long_date, weekday
from content.demo.timeline import Slugs, local_date, timeline
from content.demo.words import (
    ADULT_FIRST,
    CHURCHES,
    LAST_NAMES,
    MODERN_FEMALE,
    MODERN_MALE,
    TOWNS,
    toml,
)
from content.models import Wedding

_DATA = toml("weddings")
VENUES: list[str] = _DATA["venues"]
OFFICIANTS: list[str] = _DATA["officiants"]
JOBS: list[str] = _DATA["jobs"]
SCHOOLS: list[str] = _DATA["schools"]
TRIPS: list[str] = _DATA["trips"]

SATURDAY = 5


def wedding_rows(
    rng: random.Random, n: int, anchor: date, span: int, photos: list[Photo]
) -> Iterator[Wedding]:
    slugs = Slugs("wedding")
    for wedding_id, when in enumerate(timeline(rng, n, anchor, span, (60, 5 * 24 * 60)), start=1):
        one_last, two_last = rng.choice(LAST_NAMES), rng.choice(LAST_NAMES)
        one = f"{rng.choice(MODERN_FEMALE)} {one_last}"
        # One couple in twenty is two women or two men.
        two_first = rng.choice(MODERN_FEMALE if rng.random() < 0.05 else MODERN_MALE)
        two = f"{two_first} {two_last}"
        engaged = rng.random() < 0.4
        town = "Millbrook" if rng.random() < 0.6 else rng.choice(TOWNS)
        written = local_date(when.created_at)

        if rng.random() < 0.6:
            place = f"{rng.choice(CHURCHES)}, {rng.choice(('Millbrook', 'Millbrook', *TOWNS))}"
        else:
            place = rng.choice(VENUES)
        if engaged:
            day = _saturday(written + timedelta(days=rng.randint(90, 450)))
            if rng.random() < 0.2:
                day, place = None, ""  # no date set yet
            blocks = [f"{one} and {two}, both of {town}, announce their engagement."]
            if day:
                blocks.append(f"The wedding is planned for {long_date(day)}, at {place}.")
            else:
                blocks.append("No date has been set for the wedding.")
        else:
            day = _saturday(written - timedelta(days=rng.randint(3, 45)))
            blocks = [
                f"{one} and {two} were married {weekday(day)}, {long_date(day)}, at {place}.",
                rng.choice(OFFICIANTS).format(
                    friend=f"{rng.choice(ADULT_FIRST)} {rng.choice(LAST_NAMES)}"
                ),
            ]
        for name in (one, two):
            blocks.append(
                f"{name.split()[0]} is a {written.year - rng.randint(2, 12)} graduate of "
                f"{rng.choice(SCHOOLS)} and works as {rng.choice(JOBS)}."
            )
        if not engaged and rng.random() < 0.7:
            blocks.append(f"After {rng.choice(TRIPS)}, the couple will live in {town}.")

        photo = maybe_photo(rng, photos, f"{one} and {two}")
        announcement = Wedding.Announcement.ENGAGEMENT if engaged else Wedding.Announcement.WEDDING
        yield Wedding(
            id=wedding_id,
            slug=slugs(f"{one} and {two}"),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            partner_one=one,
            partner_two=two,
            announcement=announcement,
            date=day,
            place=place,
            **photo,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )


def _saturday(day: date) -> date:
    """The Saturday on or before ``day``: when small-town weddings are."""
    return day - timedelta(days=(day.weekday() - SATURDAY) % 7)
