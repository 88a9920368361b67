"""When each demo item was created, published and updated; and its slug."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from content.models import Status

# A small-town newsroom's steady output, averaged over the week (about eleven
# a weekday, fewer at weekends): a bigger archive is a longer history, not a
# busier newsroom, so a month holds about as much in any size of demo.
STORIES_PER_DAY = 9
# Stories a newsroom has scheduled ahead at any time: a pipeline, not a share
# of the archive.
MAX_EMBARGOED = 20


def span_days(n: int) -> int:
    """How far back the archive reaches for ``n`` items of the biggest kind:
    about 15 years for 50,000 stories, 7 months for the 2,000-story demo."""
    return max(30, round(n / STORIES_PER_DAY))


@dataclass(frozen=True)
class When:
    status: str
    publish_at: datetime
    created_at: datetime
    updated_at: datetime


# Publishing hours, local time: the morning push and the after-work update.
# Never 1-3 a.m., so a local time never falls in a daylight-saving gap.
_HOURS = list(range(5, 23))
_HOUR_WEIGHTS = [2, 6, 9, 9, 7, 6, 5, 5, 5, 5, 5, 6, 7, 6, 4, 3, 2, 1]


def held_back(n: int) -> tuple[int, int]:
    """How many of ``n`` items are drafts and how many embargoed (at least one
    of each from 10 items up, so every demo shows both)."""
    drafts, embargoed = round(n * 0.03), min(round(n * 0.015), MAX_EMBARGOED)
    if n >= 10:
        drafts, embargoed = max(drafts, 1), max(embargoed, 1)
    return drafts, embargoed


def timeline(
    rng: random.Random, n: int, anchor: date, span: int, lead_minutes: tuple[int, int]
) -> list[When]:
    """``n`` publish/created/updated times, oldest created first (= id order).

    All in UTC and all arithmetic in UTC, so a daylight-saving change never
    lands a time in a gap. Everything created or updated is before the anchor
    day starts; only embargoed items publish after it.
    """
    tz = timezone.get_default_timezone()
    day_start = datetime.combine(anchor, time(), tzinfo=tz).astimezone(UTC)
    latest = day_start - timedelta(seconds=1)
    drafts, embargoed = held_back(n)

    def minutes(low: int, high: int) -> timedelta:
        return timedelta(seconds=rng.randint(low * 60, high * 60))

    def local(day: date, hour: int) -> datetime:
        at = time(hour, rng.randrange(60), rng.randrange(60))
        return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)

    times = []
    for i in range(n):
        if i < drafts:
            # The admin defaults publish time to "now", i.e. when it was started.
            created = day_start - minutes(60, 30 * 24 * 60)
            updated = min(created + minutes(0, 3 * 24 * 60), latest)
            times.append(When(Status.DRAFT, created, created, updated))
        elif i < drafts + embargoed:
            publish = local(anchor + timedelta(days=rng.randint(1, 30)), rng.randint(5, 10))
            created = day_start - minutes(60, 14 * 24 * 60)
            updated = min(created + minutes(0, 2 * 24 * 60), latest)
            times.append(When(Status.PUBLISHED, publish, created, updated))
        else:
            publish = local(_past_day(rng, anchor, span), rng.choices(_HOURS, _HOUR_WEIGHTS)[0])
            created = publish - minutes(*lead_minutes)
            # One in twenty gets a late correction; the rest a quick touch-up.
            later = minutes(0, 3 * 24 * 60) if rng.random() < 0.05 else minutes(0, 90)
            updated = max(min(publish + later, latest), created)
            times.append(When(Status.PUBLISHED, publish, created, updated))
    times.sort(key=lambda when: when.created_at)  # stable: ties keep their order
    return times


def _past_day(rng: random.Random, anchor: date, span: int) -> date:
    while True:
        day = anchor - timedelta(days=rng.randint(1, span))
        # A small newsroom posts less at weekends.
        if day.weekday() < 5 or rng.random() < 0.4:
            return day


def local_date(at: datetime) -> date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


class Slugs:
    """Unique slugs from titles, counted in memory (no queries)."""

    def __init__(self, fallback: str) -> None:
        self.fallback = fallback
        self.taken: set[str] = set()
        self.next_suffix: dict[str, int] = {}

    def __call__(self, title: str) -> str:
        base = slugify(title)[:100].strip("-") or self.fallback
        slug = base
        while slug in self.taken:
            suffix = self.next_suffix.get(base, 2)
            self.next_suffix[base] = suffix + 1
            slug = f"{base}-{suffix}"
        self.taken.add(slug)
        return slug
