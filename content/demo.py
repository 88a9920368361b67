"""A deterministic demo newsroom: The Millbrook Ledger at any size.

``seed_demo()`` fills an empty database with sections, authors, stories (with
bylines), obituaries and crime reports, dated relative to an anchor day, plus a
small pool of generated photos under MEDIA_ROOT. The same arguments always give
the same rows (ids and timestamps included) and the same photo bytes, so two
demo sites seeded alike render byte-identical pages (DESIGN.md, invariant 4).
Nothing here reads the clock except to default the anchor to today.

Rows go in through bulk_create, which skips ``Model.save()`` and signals: this
module sets ``body_html`` itself, and nothing is queued for publishing, so run
``build`` afterwards.
"""

from __future__ import annotations

import functools
import io
import math
import os
import random
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from content.models import (
    Author,
    Byline,
    CrimeReport,
    Obituary,
    Section,
    Status,
    Story,
    age_on,
)
from content.text import render_body

BATCH_SIZE = 1000

# Children first, so no foreign key ever points at a deleted row.
CONTENT_MODELS: tuple[type[models.Model], ...] = (
    Byline,
    Story,
    Obituary,
    CrimeReport,
    Author,
    Section,
)

# Plural and singular names for counts, in the order the summary lists them.
NOUNS = {
    "stories": ("story", "stories"),
    "obituaries": ("obituary", "obituaries"),
    "crimes": ("crime report", "crime reports"),
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
        "sections": Section.objects.count(),
        "authors": Author.objects.count(),
    }


def delete_content() -> None:
    """Delete every section, author, byline and item, one statement per table.

    Plain SQL rather than ``QuerySet.delete()``, which would load every story to
    cascade and send a ``post_delete`` signal for each: the site is about to be
    replaced wholesale, so there is nothing for a listener to republish.
    """
    with connection.cursor() as cursor:
        for model in CONTENT_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)


def seed_demo(
    *,
    stories: int,
    obituaries: int,
    crimes: int,
    seed: int,
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
    for name, n in (("stories", stories), ("obituaries", obituaries), ("crimes", crimes)):
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise SeedError(f"{name} must be a whole number, 0 or more (got {n!r})")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SeedError(f"seed must be a whole number (got {seed!r})")
    if anchor is None:
        anchor = timezone.localdate()
    elif not isinstance(anchor, date) or isinstance(anchor, datetime):
        raise SeedError(f"anchor must be a date (got {anchor!r})")
    report = progress or (lambda n: None)
    span = span_days(max(stories, obituaries, crimes))

    with transaction.atomic():
        existing = existing_content()
        if any(existing.values()):
            if not replace:
                raise DatabaseNotEmpty(existing)
            delete_content()
        images = _write_demo_images(seed)
        newsroom = _create_newsroom(_rng(seed, "newsroom"))
        n_bylines = _insert_stories(
            _rng(seed, "stories"), stories, anchor, span, newsroom, images, report, batch_size
        )
        _insert(
            Obituary,
            _obituary_rows(_rng(seed, "obituaries"), obituaries, anchor, span, newsroom, images),
            report,
            batch_size,
        )
        _insert(
            CrimeReport,
            _crime_rows(_rng(seed, "crimes"), crimes, anchor, span),
            report,
            batch_size,
        )
        _reset_sequences()

    return SeedResult(
        stories=stories,
        obituaries=obituaries,
        crimes=crimes,
        sections=len(newsroom.sections),
        authors=len(newsroom.authors),
        bylines=n_bylines,
        images=len(images.scenes) + len(images.portraits),
    )


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


def body_html(blocks: Sequence[str]) -> str:
    """What ``render_body("\\n\\n".join(blocks))`` returns, a block at a time.

    Markdown renders blank-line-separated blocks independently and joins them
    with a newline; plain prose needs nothing but its ``<p>``, and anything
    else goes through render_body once per distinct block. The tests hold this
    byte-identical to render_body on every seeded row.
    """
    return "\n".join(_block_html(block) for block in blocks)


# Prose that Markdown only wraps in <p> and the sanitiser leaves alone: no
# markup or HTML-special characters, and a capital first letter, so it cannot
# open a list, heading, quote, code block or definition.
_PROSE = re.compile(r"[A-Z“][A-Za-z0-9 ,.;:!?'’‘“”$%()/—–-]*\Z")


def _block_html(block: str) -> str:
    if _PROSE.match(block) and "  " not in block and not block.endswith(" "):
        return f"<p>{block}</p>"
    return _rendered(block)


@functools.lru_cache(maxsize=4096)
def _rendered(block: str) -> str:
    return render_body(block)


def _rng(seed: int, stream: str) -> random.Random:
    # One stream per kind of content, so asking for more obituaries leaves
    # the stories exactly as they were.
    return random.Random(f"{seed}/{stream}")


# --- Writing rows --------------------------------------------------------


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk_create_stamped(model: type[models.Model], objs: list) -> None:
    """bulk_create, keeping the created_at/updated_at that the objects carry.

    bulk_create runs every field's pre_save, where auto_now_add/auto_now stamp
    the wall clock over our values, so they are written again straight after.
    One executemany of a plain UPDATE: bulk_update would do the same through a
    CASE expression per row and takes ten times as long as the inserts.
    """
    stamps = [(obj.created_at, obj.updated_at) for obj in objs]
    model.objects.bulk_create(objs, batch_size=len(objs))
    opts, qn = model._meta, connection.ops.quote_name
    created, updated = opts.get_field("created_at"), opts.get_field("updated_at")
    sql = (
        f"UPDATE {qn(opts.db_table)} SET {qn(created.column)} = %s, "  # noqa: S608 (our own names)
        f"{qn(updated.column)} = %s WHERE {qn(opts.pk.column)} = %s"
    )
    params = [
        (
            created.get_db_prep_value(created_at, connection),
            updated.get_db_prep_value(updated_at, connection),
            obj.pk,
        )
        for obj, (created_at, updated_at) in zip(objs, stamps, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for obj, (created_at, updated_at) in zip(objs, stamps, strict=True):
        obj.created_at, obj.updated_at = created_at, updated_at


def _insert(
    model: type[models.Model],
    rows: Iterable[models.Model],
    report: Callable[[int], object],
    batch_size: int,
) -> None:
    for batch in _batched(rows, batch_size):
        _bulk_create_stamped(model, batch)
        report(len(batch))


def _reset_sequences() -> None:
    # Rows carry explicit ids (so two seedings match id for id); PostgreSQL's
    # sequences do not notice, SQLite's and MariaDB's counters do (no SQL).
    sql = connection.ops.sequence_reset_sql(no_style(), list(CONTENT_MODELS))
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


# --- The timeline --------------------------------------------------------


@dataclass(frozen=True)
class _When:
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


def _timeline(
    rng: random.Random, n: int, anchor: date, span: int, lead_minutes: tuple[int, int]
) -> list[_When]:
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
            times.append(_When(Status.DRAFT, created, created, updated))
        elif i < drafts + embargoed:
            publish = local(anchor + timedelta(days=rng.randint(1, 30)), rng.randint(5, 10))
            created = day_start - minutes(60, 14 * 24 * 60)
            updated = min(created + minutes(0, 2 * 24 * 60), latest)
            times.append(_When(Status.PUBLISHED, publish, created, updated))
        else:
            publish = local(_past_day(rng, anchor, span), rng.choices(_HOURS, _HOUR_WEIGHTS)[0])
            created = publish - minutes(*lead_minutes)
            # One in twenty gets a late correction; the rest a quick touch-up.
            later = minutes(0, 3 * 24 * 60) if rng.random() < 0.05 else minutes(0, 90)
            updated = max(min(publish + later, latest), created)
            times.append(_When(Status.PUBLISHED, publish, created, updated))
    times.sort(key=lambda when: when.created_at)  # stable: ties keep their order
    return times


def _past_day(rng: random.Random, anchor: date, span: int) -> date:
    while True:
        day = anchor - timedelta(days=rng.randint(1, span))
        # A small newsroom posts less at weekends.
        if day.weekday() < 5 or rng.random() < 0.4:
            return day


def _local_date(at: datetime) -> date:
    return timezone.localtime(at, timezone.get_default_timezone()).date()


class _Slugs:
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


# --- Sections, authors and the town's cast ----------------------------------


@dataclass
class _Newsroom:
    sections: list[Section]
    section_weights: list[int]
    authors: list[Author]
    beats: dict[str, list[int]]  # section slug -> author ids
    photographer: Author
    cast: dict[str, object]


def _create_newsroom(rng: random.Random) -> _Newsroom:
    sections = [
        Section(id=i, name=name, slug=slug, position=i * 10, description=description)
        for i, (name, slug, description, _) in enumerate(SECTIONS, start=1)
    ]
    Section.objects.bulk_create(sections)

    names = _unique_names(rng, len(ROLES), MODERN_FIRST)
    authors, beats = [], {slug: [] for _, slug, _, _ in SECTIONS}
    for i, ((title, section_slugs, beat), name) in enumerate(zip(ROLES, names, strict=True), 1):
        first, last = name.split(" ", 1)
        email = f"{first[0]}{last}@millbrookledger.example".lower().replace(" ", "")
        bio = (
            f"{name} is the Ledger's {title.lower()} and covers {beat}. "
            f"Reach {first} at {email} or 555-0150."
        )
        authors.append(Author(id=i, name=name, slug=slugify(name), title=title, bio=bio))
        for slug in section_slugs:
            beats[slug].append(i)
    Author.objects.bulk_create(authors)
    photographer = next(a for a in authors if a.title == "Photographer")

    cast_names = iter(_unique_names(rng, len(CAST_ROLES) + 6 + len(COACHED_SPORTS), ADULT_FIRST))
    cast: dict[str, object] = {role: next(cast_names) for role in CAST_ROLES}
    cast["council"] = [next(cast_names) for _ in range(6)]
    cast["coaches"] = {sport: next(cast_names) for sport in COACHED_SPORTS}
    return _Newsroom(
        sections=sections,
        section_weights=[weight for *_, weight in SECTIONS],
        authors=authors,
        beats=beats,
        photographer=photographer,
        cast=cast,
    )


def _unique_names(rng: random.Random, n: int, firsts: Sequence[str]) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(firsts)} {rng.choice(LAST_NAMES)}"
        if name not in names:
            names.append(name)
    return names


# --- Template slots ----------------------------------------------------------


class _Slots(dict):
    """Values for one story's templates, each made on first use, so the
    headline, dek and lede agree on the street, the score, the vote."""

    def __init__(self, rng: random.Random, day: date, cast: Mapping[str, object]) -> None:
        super().__init__()
        self.rng, self.day, self.cast = rng, day, cast

    def __missing__(self, key: str) -> str:
        value = self[key] = SLOT_MAKERS[key](self)
        return value

    def fill(self, template: str) -> str:
        return template.format_map(self)

    def distinct(self, key: str, make: Callable[[], str] | Sequence[str]) -> str:
        """A value unlike those of this key's siblings (street, street2...):
        one story's two council members are two people."""
        if not callable(make):
            options = make
            make = lambda: self.rng.choice(options)  # noqa: E731
        stem = key.rstrip("0123456789")
        used = [v for k, v in self.items() if k.rstrip("0123456789") == stem]
        while (value := make()) in used:
            pass
        return value


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _score(rng: random.Random, low: int, high: int, margin: int | None = None) -> str:
    winner = rng.randint(low, high)
    loser = rng.randint(max(0, winner - (margin or winner)), winner - 1)
    return f"{winner}-{loser}"


def _weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def _clock(at: datetime) -> str:
    """AP style: 9 a.m., 2:15 p.m., noon, midnight."""
    if at.minute == 0 and at.hour in (0, 12):
        return "midnight" if at.hour == 0 else "noon"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes} {'a.m.' if at.hour < 12 else 'p.m.'}"


def _series(items: Sequence[str]) -> str:
    """AP style: "a, b and c"; semicolons once an item has a comma of its own."""
    if len(items) == 1:
        return items[0]
    sep = "; " if any("," in item for item in items) else ", "
    last_sep = "; and " if sep == "; " else " and "
    return sep.join(items[:-1]) + last_sep + items[-1]


def _number(n: int) -> str:
    """AP style: words below 10, figures from 10."""
    return NUMBER_WORDS[n] if n < 10 else str(n)


def _other_than(rng: random.Random, options: Sequence[str], avoid: str) -> str:
    while (value := rng.choice(options)) == avoid:
        pass
    return value


def _long_date(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _street(name_suffix: tuple[str, str]) -> str:
    name, suffix = name_suffix
    return f"{name} {STREET_SUFFIXES[suffix]}"


def _business(s: _Slots) -> str:
    kind = s["business_kind"]
    last = s["owner"].split()[-1]
    return s.rng.choice(
        [f"{last}'s {kind.title()}", f"{s.rng.choice(BUSINESS_WORDS)} {kind.title()}"]
    )


SLOT_MAKERS: dict[str, Callable[[_Slots], str]] = {
    # Places
    "street": lambda s: _street(s.distinct("street", STREETS)),
    "street2": lambda s: _street(s.distinct("street2", STREETS)),
    "cross": lambda s: f"{_ordinal(s.rng.randint(1, 9))} {s.rng.choice(('Street', 'Avenue'))}",
    "block": lambda s: f"{s.rng.randint(1, 19)}00 block",
    "address": lambda s: f"{s.rng.randint(101, 1999)} {s['street']}",
    "park": lambda s: s.rng.choice(PARKS),
    "school": lambda s: s.rng.choice(SCHOOLS),
    "church": lambda s: s.rng.choice(CHURCHES),
    "rival": lambda s: s.distinct("rival", TOWNS),
    "rival2": lambda s: s.distinct("rival2", TOWNS),
    "rival_upper": lambda s: s["rival"].upper(),
    "town2": lambda s: s.rng.choice(TOWNS),
    "city": lambda s: s.rng.choice(CITIES),
    "highway": lambda s: s.rng.choice(("14", "30", "63", "151", "218")),
    "county_road": lambda s: s.rng.choice(("E23", "X14", "B40", "V62", "D16")),
    "nws": lambda s: s.rng.choice(("Des Moines", "the Quad Cities", "La Crosse")),
    # People
    "person": lambda s: s.distinct("person", _adult(s)),
    "person2": lambda s: s.distinct("person2", _adult(s)),
    "owner": lambda s: s["person3"],
    "person3": lambda s: s.distinct("person3", _adult(s)),
    "player": lambda s: s.distinct("player", _young(s)),
    "player2": lambda s: s.distinct("player2", _young(s)),
    "boy": lambda s: s.distinct("boy", _young(s, MODERN_MALE)),
    "boy2": lambda s: s.distinct("boy2", _young(s, MODERN_MALE)),
    "girl": lambda s: s.distinct("girl", _young(s, MODERN_FEMALE)),
    "girl2": lambda s: s.distinct("girl2", _young(s, MODERN_FEMALE)),
    "student": lambda s: s.distinct("student", _young(s)),
    "council_member": lambda s: s.distinct("council_member", s.cast["council"]),
    "council_member2": lambda s: s.distinct("council_member2", s.cast["council"]),
    "coach": lambda s: s.rng.choice(list(s.cast["coaches"].values())),
    # Things
    "business_kind": lambda s: s.rng.choice(BUSINESS_KINDS),
    "a_business_kind": lambda s: (
        ("an " if s["business_kind"][0] in "aeiou" else "a ") + s["business_kind"]
    ),
    "business_name": _business,
    "factory": lambda s: s.rng.choice(FACTORIES),
    "contractor": lambda s: s.rng.choice(CONTRACTORS),
    "project": lambda s: s.rng.choice(PROJECTS),
    "road_work": lambda s: s.rng.choice(ROAD_WORK),
    "org": lambda s: s.rng.choice(ORGS),
    "event": lambda s: s.rng.choice(EVENTS),
    "Event": lambda s: s["event"][0].upper() + s["event"][1:],
    "cause": lambda s: s.rng.choice(CAUSES),
    "play": lambda s: s.rng.choice(PLAYS),
    "subject": lambda s: s.rng.choice(SUBJECTS),
    "contest": lambda s: s.rng.choice(CONTESTS),
    "sport": lambda s: s.rng.choice(COACHED_SPORTS).replace("_", " "),
    "anniversary": lambda s: s.rng.choice(("50th", "75th", "100th", "125th", "150th")),
    "memory": lambda s: s.rng.choice(MEMORIES),
    "forecast": lambda s: s.rng.choice(FORECASTS),
    # Numbers and money
    "amount": lambda s: f"${s.rng.randint(11, 95) / 10:.1f} million",
    "amount_k": lambda s: f"${s.rng.randrange(15, 480) * 1000:,}",
    "dollars": lambda s: f"${s.rng.randint(150, 900) / 100:.2f}",
    "pct": lambda s: f"{s.rng.randint(1, 9)}.{s.rng.randint(0, 9)}%",
    "vote": lambda s: s.rng.choice(("4-3", "5-2", "5-2", "6-1", "6-1", "7-0", "7-0", "7-0")),
    "count_small": lambda s: str(s.rng.randint(2, 9)),
    "count": lambda s: str(s.rng.randint(12, 80)),
    "count_big": lambda s: str(s.rng.randint(96, 480)),
    "outages": lambda s: f"{s.rng.randint(200, 2400):,}",
    "years": lambda s: str(s.rng.randint(6, 38)),
    "months": lambda s: str(s.rng.randint(3, 18)),
    "weeks": lambda s: str(s.rng.randint(2, 10)),
    "minutes": lambda s: str(s.rng.randint(12, 45)),
    "miles": lambda s: str(s.rng.randint(2, 9)),
    "age": lambda s: str(s.rng.randint(19, 84)),
    "pipe_age": lambda s: str(s.rng.randint(50, 95)),
    "phone": lambda s: f"555-0{s.rng.randint(101, 199)}",
    "old_year": lambda s: str(s.rng.randint(1921, 1975)),
    "cents": lambda s: str(s.rng.randint(5, 30)),
    # Dates, relative to the story's day
    "day": lambda s: _weekday(s.day - timedelta(days=1)),
    "next_day": lambda s: _weekday(s.day + timedelta(days=s.rng.randint(2, 6))),
    "weekday": lambda s: s.rng.choice(WEEKDAYS),
    "month_next": lambda s: MONTHS[(s.day.month - 1 + s.rng.randint(1, 3)) % 12],
    "next_year": lambda s: str(s.day.year + 1),
    "school_year": lambda s: _school_year(s.day),
    # Sports
    "fb_score": lambda s: _score(s.rng, 14, 56),
    "fb_close": lambda s: (lambda w: f"{w}-{w - 3}")(s.rng.randint(17, 38)),
    "bb_score": lambda s: _score(s.rng, 46, 84, 24),
    "base_score": lambda s: _score(s.rng, 2, 13),
    "vb_score": lambda s: s.rng.choice(("3-0", "3-1", "3-2")),
    "soc_score": lambda s: _score(s.rng, 1, 6),
    "wr_score": lambda s: _score(s.rng, 36, 60, 30),
    "record": lambda s: f"{s.rng.randint(1, 9)}-{s.rng.randint(0, 6)}",
    "yards": lambda s: str(s.rng.randint(90, 260)),
    "tds": lambda s: str(s.rng.randint(2, 4)),
    "points": lambda s: str(s.rng.randint(14, 34)),
    "kills": lambda s: str(s.rng.randint(9, 24)),
    "strikeouts": lambda s: str(s.rng.randint(6, 14)),
    "seconds": lambda s: str(s.rng.randint(4, 55)),
    "xc_time": lambda s: f"{s.rng.randint(15, 19)}:{s.rng.randint(0, 59):02d}",
    # Weather
    "snow": lambda s: str(s.rng.randint(3, 16)),
    "wind_chill": lambda s: str(s.rng.randint(15, 35)),
    "heat": lambda s: str(s.rng.randint(100, 112)),
    "rain": lambda s: f"{s.rng.randint(12, 45) / 10:.1f}",
    "crest": lambda s: f"{s.rng.randint(5, 40) / 10:.1f}",
    "frost": lambda s: str(s.rng.randint(26, 32)),
}
for _role in ("mayor", "administrator", "chief", "fire_chief", "sheriff", "superintendent",
              "principal", "board_president", "county_chair", "works_director",
              "chamber_director", "librarian", "parks_director"):  # fmt: skip
    SLOT_MAKERS[_role] = lambda s, role=_role: s.cast[role]
for _sport in ("football", "boys_basketball", "girls_basketball", "volleyball", "wrestling",
               "baseball", "softball", "track", "cross_country", "soccer"):  # fmt: skip
    SLOT_MAKERS[f"coach_{_sport}"] = lambda s, sport=_sport: s.cast["coaches"][sport]


def _adult(s: _Slots) -> Callable[[], str]:
    return lambda: f"{s.rng.choice(ADULT_FIRST)} {s.rng.choice(LAST_NAMES)}"


def _young(s: _Slots, firsts: Sequence[str] = ()) -> Callable[[], str]:
    return lambda: f"{s.rng.choice(firsts or MODERN_FIRST)} {s.rng.choice(LAST_NAMES)}"


def _school_year(day: date) -> str:
    # The school year that starts next fall: budgets are set in spring.
    start = day.year if day.month <= 6 else day.year + 1
    return f"{start}-{(start + 1) % 100:02d}"


def _season(day: date) -> str:
    if day.month in (12, 1, 2):
        return "winter"
    if day.month in (3, 4, 5):
        return "spring"
    if day.month in (6, 7) or (day.month == 8 and day.day < 15):
        return "summer"
    return "fall"


# --- Stories -----------------------------------------------------------------


def _insert_stories(
    rng: random.Random,
    n: int,
    anchor: date,
    span: int,
    newsroom: _Newsroom,
    images: _Images,
    report: Callable[[int], object],
    batch_size: int,
) -> int:
    rows = _story_rows(rng, n, anchor, span, newsroom, images)
    bylines = 0
    for batch in _batched(rows, batch_size):
        _bulk_create_stamped(Story, [story for story, _ in batch])
        batch_bylines = [byline for _, story_bylines in batch for byline in story_bylines]
        Byline.objects.bulk_create(batch_bylines, batch_size=batch_size)
        bylines += len(batch_bylines)
        report(len(batch))
    return bylines


def _story_rows(
    rng: random.Random,
    n: int,
    anchor: date,
    span: int,
    newsroom: _Newsroom,
    images: _Images,
) -> Iterator[tuple[Story, list[Byline]]]:
    slugs = _Slugs("story")
    pools = {
        section.slug: _paragraph_pool(rng, BODY_PARAGRAPHS[section.slug], anchor, newsroom.cast)
        for section in newsroom.sections
    }
    authors_by_id = {author.id: author for author in newsroom.authors}
    byline_id = 0
    for story_id, when in enumerate(_timeline(rng, n, anchor, span, (20, 6 * 60)), start=1):
        section = rng.choices(newsroom.sections, newsroom.section_weights)[0]
        day = _local_date(when.publish_at)
        templates = HEADLINES[section.slug]
        if isinstance(templates, dict):  # seasonal: no snowstorms in July
            templates = templates[_season(day)] + templates["any"]
        headline, dek, lede, follow_ups = rng.choice(templates)
        slots = _Slots(rng, day, newsroom.cast)
        headline = slots.fill(rng.choice(headline.split(" | ")))
        dek, lede = slots.fill(dek), slots.fill(lede)

        n_paragraphs = rng.choices((3, 4, 5, 6, 7, 8), (10, 18, 22, 20, 16, 14))[0]
        own = [slots.fill(text) for text in follow_ups[: n_paragraphs - 1]]
        pool = pools[section.slug]
        # One fill each of distinct templates: no paragraph said twice.
        fillers = rng.sample(pool, min(n_paragraphs - 1 - len(own), len(pool)))
        blocks = [lede, *own, *(rng.choice(fills) for fills in fillers)]
        if len(blocks) >= 6 and section.slug != "opinion" and rng.random() < 0.5:
            blocks.insert(len(blocks) - 2, rng.choice(SUBHEADS))
        if rng.random() < 0.06:
            notes = STORY_NOTES + (AGENDA_NOTE,) if section.slug == "government" else STORY_NOTES
            blocks.append(rng.choice(notes))

        author_ids = [rng.choice(newsroom.beats[section.slug])]
        if section.slug != "opinion" and rng.random() < 0.18:
            others = [a.id for a in newsroom.authors if a.id != author_ids[0]]
            author_ids.append(rng.choice(others))
        bylines = []
        for position, author_id in enumerate(author_ids):
            byline_id += 1
            bylines.append(
                Byline(id=byline_id, story_id=story_id, author_id=author_id, position=position)
            )

        photo = {}
        if rng.random() < 1 / 8:
            scene = rng.choice(images.scenes)
            credit = rng.choices(
                (
                    f"{newsroom.photographer.name}/The Millbrook Ledger",
                    f"{authors_by_id[author_ids[0]].name}/The Millbrook Ledger",
                    "Submitted photo",
                ),
                (5, 3, 2),
            )[0]
            photo = {
                "photo": scene.name,
                "photo_alt": scene.alt,
                "photo_caption": scene.caption,
                "photo_credit": credit,
            }
        body = "\n\n".join(blocks)
        story = Story(
            id=story_id,
            slug=slugs(headline),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            headline=headline,
            dek=dek,
            section_id=section.id,
            body=body,
            body_html=body_html(blocks),
            **photo,
        )
        yield story, bylines


def _paragraph_pool(
    rng: random.Random, templates: Sequence[str], anchor: date, cast: Mapping[str, object]
) -> list[list[str]]:
    """A few fills of each template, filled once for the whole run: a modest
    pool keeps 50,000 bodies cheap to build and to render."""
    return [
        list(dict.fromkeys(_Slots(rng, anchor, cast).fill(template) for _ in range(4)))
        for template in templates
    ]


# --- Obituaries --------------------------------------------------------------


def _obituary_rows(
    rng: random.Random,
    n: int,
    anchor: date,
    span: int,
    newsroom: _Newsroom,
    images: _Images,
) -> Iterator[Obituary]:
    tz = timezone.get_default_timezone()
    slugs = _Slugs("obituary")
    for obit_id, when in enumerate(_timeline(rng, n, anchor, span, (60, 2 * 24 * 60)), start=1):
        female = rng.random() < 0.5
        first = rng.choice(OLD_FEMALE_FIRST if female else OLD_MALE_FIRST)
        last = rng.choice(LAST_NAMES)
        middle = rng.choice("ABCDEFGHJKLMNPRSTW")
        married = rng.random() < 0.85
        # A married woman's obituary names her parents by her maiden name,
        # and often shows it in parentheses.
        maiden = _other_than(rng, LAST_NAMES, last) if female and married else last
        if maiden != last and rng.random() < 0.4:
            full_name = f"{first} {middle}. ({maiden}) {last}"
        else:
            full_name = f"{first} {middle}. {last}"
        he, his = ("She", "Her") if female else ("He", "His")

        created_day = _local_date(when.created_at)
        death_date = created_day - timedelta(days=rng.randint(1, 4))
        years_lived = round(rng.triangular(45, 102, 88))
        birth_date = death_date - timedelta(days=round(years_lived * 365.25) + rng.randint(0, 364))
        age = age_on(birth_date, death_date)
        hometown = "Millbrook" if rng.random() < 0.7 else rng.choice(TOWNS)

        service_time, service_place = None, ""
        if rng.random() < 0.85:
            service_day = _local_date(when.publish_at) + timedelta(days=rng.randint(2, 6))
            service_time = datetime.combine(
                service_day, time(rng.choice((10, 10, 11, 13, 14))), tzinfo=tz
            ).astimezone(UTC)
            service_place = (
                rng.choice([*CHURCHES, *FUNERAL_HOMES])
                + ", "
                + rng.choice(("Millbrook", "Millbrook", "Millbrook", *TOWNS[:3]))
            )

        blocks = [
            f"{full_name}, {age}, of {hometown}, died {_weekday(death_date)}, "
            f"{_long_date(death_date)}, {rng.choice(PLACES_OF_DEATH)}.",
            f"{first} was born {_long_date(birth_date)}, in {rng.choice(BIRTHPLACES)}, to "
            f"{rng.choice(OLD_MALE_FIRST)} and {_other_than(rng, OLD_FEMALE_FIRST, first)} {maiden}. "
            f"{he} graduated from {rng.choice(HIGH_SCHOOLS)} in {birth_date.year + 18}.",
        ]
        spouse = None
        if married:
            # Obituaries name a wife by her maiden name, a husband by his own.
            spouse = rng.choice(OLD_MALE_FIRST if female else OLD_FEMALE_FIRST)
            spouse_last = last if female else _other_than(rng, LAST_NAMES, last)
            wedding = birth_date.year + rng.randint(19, 30)
            blocks.append(
                f"{he} married {spouse} {spouse_last} in {wedding} at {rng.choice(CHURCHES)}."
            )
        if rng.random() < 0.85:
            retired = birth_date.year + rng.randint(58, 67)
            blocks.append(
                f"{he} worked for {rng.randint(12, 40)} years at {rng.choice(EMPLOYERS)}"
                + (f", retiring in {retired}." if retired < death_date.year else ".")
            )
        if rng.random() < 0.75:
            hobbies = rng.sample(HOBBIES, 3)
            aside = rng.choice(OBIT_ASIDES).format(his=his.lower())
            blocks.append(f"{he} loved {hobbies[0]}, {hobbies[1]} and {hobbies[2]}, {aside}.")

        survivors, preceded = [], [f"{his.lower()} parents"]
        if spouse:
            partner = "husband" if female else "wife"
            (survivors if rng.random() < 0.5 else preceded).append(
                f"{his.lower()} {partner}, {spouse}"
            )
        children = rng.choices(range(6), (10, 12, 25, 25, 16, 12))[0]
        if children:
            grandchildren = children * rng.randint(1, 3)
            survivors.append(f"{_number(children)} {'child' if children == 1 else 'children'}")
            survivors.append(
                f"{_number(grandchildren)} grandchild{'' if grandchildren == 1 else 'ren'}"
            )
        survivors.append(rng.choice(SIBLINGS))
        preceded.append(rng.choice(PRECEDED))
        blocks.append(f"Survivors include {_series(survivors)}.")
        if rng.random() < 0.6:
            blocks.append(f"{he} was preceded in death by {_series(preceded)}.")
        if service_time:
            local_service = timezone.localtime(service_time, tz)
            blocks.append(
                f"Services will be at {_clock(local_service)} {_weekday(local_service.date())}, "
                f"{MONTHS[local_service.month - 1]} {local_service.day}, at {service_place}. "
                "Visitation will be one hour before the service."
            )
        else:
            blocks.append(rng.choice(NO_SERVICE))
        if rng.random() < 0.6:
            blocks.append(f"Memorials may be made to {rng.choice(MEMORIALS)}.")

        photo, photo_alt = "", ""
        if rng.random() < 1 / 5:
            photo, photo_alt = rng.choice(images.portraits).name, f"Portrait of {full_name}"
        yield Obituary(
            id=obit_id,
            slug=slugs(full_name),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            full_name=full_name,
            birth_date=birth_date,
            death_date=death_date,
            age=age,
            hometown=hometown,
            service_time=service_time,
            service_place=service_place,
            photo=photo,
            photo_alt=photo_alt,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )


# --- Crime reports -----------------------------------------------------------


def _crime_rows(rng: random.Random, n: int, anchor: date, span: int) -> Iterator[CrimeReport]:
    tz = timezone.get_default_timezone()
    slugs = _Slugs("crime")
    incidents = list(CRIMES)
    weights = [CRIMES[incident]["weight"] for incident in incidents]
    case_numbers: dict[int, int] = {}
    for crime_id, when in enumerate(_timeline(rng, n, anchor, span, (15, 4 * 60)), start=1):
        occurred_at = when.created_at - timedelta(seconds=rng.randint(20 * 60, 48 * 3600))
        occurred = timezone.localtime(occurred_at, tz)
        incident = rng.choices(incidents, weights)[0]
        spec = CRIMES[incident]

        name, suffix = rng.choice(STREETS)
        street = f"{name} {suffix}"
        if rng.random() < 0.65:
            address_block = f"{rng.randint(1, 29)}00 block of {street}"
            where = f"in the {address_block}"
        else:
            address_block = (
                f"{street} and {_ordinal(rng.randint(1, 9))} {rng.choice(('St', 'Ave'))}"
            )
            where = f"at {address_block}"
        # Case numbers run on through the year, with gaps for the calls that
        # never make the paper.
        year = occurred.year
        case_numbers[year] = case_numbers.get(year, rng.randint(100, 400)) + rng.randint(1, 30)
        case_number = f"{year}-{case_numbers[year]:06d}"

        values = {
            "where": where,
            "street": street,
            "neighborhood": rng.choice(NEIGHBORHOODS),
            "store": rng.choice(STORES),
            "target": rng.choice(TARGETS),
            "town": rng.choice(("Millbrook", "Millbrook", *TOWNS)),
            "amount": f"${rng.randint(4, 90) * 100:,}",
            "count": str(rng.randint(2, 9)),
            "age": str(rng.randint(18, 67)),
            "time": _clock(occurred),
            "weekday": _weekday(occurred.date()),
            "case": case_number,
        }
        title = rng.choice(spec["titles"]).format(**values)
        blocks = [rng.choice(spec["openings"]).format(**values)]
        if rng.random() < 0.8:
            blocks.append(rng.choice(spec["details"]).format(**values))
        if rng.random() < 0.7:
            blocks.append(rng.choice(CRIME_OUTCOMES).format(**values))
        if rng.random() < 0.6:
            blocks.append(rng.choice(CRIME_TIPS).format(**values))
        yield CrimeReport(
            id=crime_id,
            slug=slugs(title),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            title=title,
            incident_type=incident,
            occurred_at=occurred_at,
            address_block=address_block,
            neighborhood=values["neighborhood"],
            case_number=case_number,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )


# --- Photos ------------------------------------------------------------------


@dataclass(frozen=True)
class _Photo:
    name: str  # relative to MEDIA_ROOT, as an ImageField stores it
    alt: str
    caption: str


@dataclass(frozen=True)
class _Images:
    scenes: list[_Photo]
    portraits: list[_Photo]


def _write_demo_images(seed: int, scenes: int = 12, portraits: int = 8) -> _Images:
    """Draw the photo pool and write it under MEDIA_ROOT (only files that differ).

    Pure drawing with fixed JPEG settings, so the same seed gives the same
    bytes, and a second seeding leaves the files (and their mtimes) alone.
    """
    rng = _rng(seed, "photos")
    root = Path(settings.MEDIA_ROOT)
    scene_photos, portrait_photos = [], []
    for i in range(1, scenes + 1):
        data, alt, caption = _draw_scene(rng)
        name = f"photos/demo/scene-{i:02d}.jpg"
        _write_if_changed(root / name, data)
        scene_photos.append(_Photo(name, alt, caption))
    for i in range(1, portraits + 1):
        name = f"obituaries/demo/portrait-{i:02d}.jpg"
        _write_if_changed(root / name, _draw_portrait(rng))
        portrait_photos.append(_Photo(name, "", ""))
    return _Images(scene_photos, portrait_photos)


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Via a temporary file, so the media server never sends half a JPEG.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _draw_scene(rng: random.Random, size: tuple[int, int] = (800, 533)) -> tuple[bytes, str, str]:
    width, height = size
    sky_name, sky_top, sky_bottom, sun = rng.choice(SKIES)
    ground_name, ground_colors = rng.choice(GROUNDS)
    feature_name, feature_caption, draw_feature = rng.choice(FEATURES)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(sky_top, sky_bottom, y / height))
    if sun:
        x, y, r = rng.randint(80, width - 80), rng.randint(50, 170), rng.randint(24, 44)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=sun)
    horizon = rng.randint(300, 360)
    for layer, color in enumerate(ground_colors):
        base = horizon + layer * 55
        phase, wave, period = rng.uniform(0, math.tau), rng.randint(12, 30), rng.uniform(90, 160)
        points = [(x, base - wave * math.sin(phase + x / period)) for x in range(0, width + 40, 40)]
        draw.polygon([(0, height), *points, (width, height)], fill=color)
    draw_feature(draw, rng, rng.randint(120, width - 220), horizon + 30)
    alt = f"Illustration: {feature_name} among {ground_name} under {sky_name}."
    caption = f"{feature_caption} outside Millbrook."
    return _jpeg(image), alt, caption


def _draw_barn(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    draw.rectangle([x, y - 110, x + 150, y], fill=(150, 32, 28))
    draw.polygon([(x - 10, y - 110), (x + 75, y - 170), (x + 160, y - 110)], fill=(90, 70, 60))
    draw.rectangle([x + 50, y - 70, x + 100, y], fill=(235, 230, 220))


def _draw_storefronts(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(4):
        top = y - rng.randint(90, 140)
        color = rng.choice(((160, 90, 60), (120, 110, 100), (180, 150, 110), (110, 60, 50)))
        draw.rectangle([x + i * 48, top, x + i * 48 + 46, y], fill=color)
        for row in range(top + 12, y - 30, 28):
            draw.rectangle([x + i * 48 + 8, row, x + i * 48 + 38, row + 14], fill=(250, 230, 170))


def _draw_water_tower(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for leg in (20, 50, 80):
        draw.line([(x + leg, y), (x + 50, y - 150)], fill=(90, 90, 100), width=5)
    draw.ellipse([x, y - 230, x + 100, y - 140], fill=(200, 205, 215))


def _draw_elevator(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(3):
        draw.rectangle([x + i * 42, y - 200, x + i * 42 + 40, y], fill=(210, 205, 195))
    draw.rectangle([x + 126, y - 250, x + 160, y], fill=(180, 175, 165))


def _draw_trees(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(6):
        tx, r = x + i * 40 + rng.randint(-6, 6), rng.randint(22, 34)
        draw.rectangle([tx - 4, y - 40, tx + 4, y], fill=(80, 55, 35))
        draw.ellipse([tx - r, y - 40 - 2 * r, tx + r, y - 40], fill=(40, 95 + i * 8, 45))


def _draw_steeple(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    draw.rectangle([x, y - 90, x + 140, y], fill=(240, 238, 232))
    draw.polygon([(x - 8, y - 90), (x + 70, y - 140), (x + 148, y - 90)], fill=(70, 70, 80))
    draw.rectangle([x + 50, y - 200, x + 90, y - 90], fill=(240, 238, 232))
    draw.polygon([(x + 46, y - 200), (x + 70, y - 270), (x + 94, y - 200)], fill=(70, 70, 80))


def _draw_portrait(rng: random.Random, size: tuple[int, int] = (400, 500)) -> bytes:
    width, height = size
    background = rng.choice(((200, 205, 215), (215, 205, 190), (190, 200, 190), (180, 185, 200)))
    clothes = rng.choice(((40, 50, 80), (70, 40, 45), (60, 60, 60), (30, 70, 60)))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(background, (250, 250, 250), y / height / 2))
    skin = rng.choice(((230, 200, 175), (205, 165, 135), (160, 115, 85), (240, 215, 195)))
    draw.ellipse([40, 330, 360, 620], fill=clothes)
    draw.rectangle([175, 280, 225, 350], fill=skin)
    draw.ellipse([120, 110, 280, 310], fill=skin)
    hair = rng.choice(((230, 230, 230), (190, 190, 195), (120, 100, 80), (60, 50, 45)))
    draw.chord([112, 96, 288, 250], 180, 360, fill=hair)
    return _jpeg(image)


# --- Word lists --------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip

SECTIONS = [
    # name, slug, description, share of stories
    ("Local News", "local-news", "Roads, police, fire and the people who keep Millbrook running.", 24),
    ("Government", "government", "City hall, the county board and the decisions that shape Millbrook.", 14),
    ("Schools", "schools", "Millbrook Community Schools: the board, the budget and the classrooms.", 12),
    ("Business", "business", "Openings, closings, farms and factories across Harlan County.", 9),
    ("Sports", "sports", "Millers athletics and the Harlan Valley Conference.", 20),
    ("Opinion", "opinion", "Editorials, columns and letters from readers.", 9),
    ("Community", "community", "Festivals, churches, clubs and neighbors.", 9),
    ("Weather", "weather", "Storms, forecasts and what the weather means for Millbrook.", 3),
]  # fmt: skip

ROLES = [
    # title, sections, beat (for the bio)
    ("Editor", ["opinion"], "the opinion pages"),
    ("Managing Editor", ["local-news", "government"], "city hall and breaking news"),
    ("City Editor", ["local-news"], "local news"),
    ("Sports Editor", ["sports"], "Millers athletics"),
    ("Staff Writer", ["government"], "city government"),
    ("Staff Writer", ["local-news"], "public safety"),
    ("Staff Writer", ["schools"], "Millbrook Community Schools"),
    ("Staff Writer", ["community"], "community events"),
    ("Staff Writer", ["local-news", "weather"], "roads, weather and the outdoors"),
    ("Sports Reporter", ["sports"], "high school sports"),
    ("Sports Reporter", ["sports"], "Harlan Valley Conference sports"),
    ("Business Reporter", ["business"], "business and development"),
    ("Education Reporter", ["schools"], "schools and the school board"),
    ("County Government Reporter", ["government"], "Harlan County government"),
    ("Police and Courts Reporter", ["local-news"], "police and the courts"),
    ("Features Writer", ["community"], "people and places"),
    ("Photographer", ["community", "sports"], "Millbrook in pictures"),
    ("Columnist", ["opinion"], "life in Millbrook"),
    ("Columnist", ["opinion", "community"], "local history"),
    ("Correspondent", ["community", "schools"], "rural Harlan County"),
    ("Correspondent", ["sports"], "youth and summer sports"),
    ("Agriculture Reporter", ["business", "local-news"], "farming and agriculture"),
    ("Weather Columnist", ["weather"], "the weather"),
    ("Summer Intern", ["local-news", "community"], "local news"),
]

CAST_ROLES = ("mayor", "administrator", "chief", "fire_chief", "sheriff", "superintendent",
              "principal", "board_president", "county_chair", "works_director",
              "chamber_director", "librarian", "parks_director")  # fmt: skip
COACHED_SPORTS = ("football", "boys_basketball", "girls_basketball", "volleyball", "wrestling",
                  "baseball", "softball", "track", "cross_country", "soccer")  # fmt: skip

MODERN_FEMALE = (
    "Emily", "Sarah", "Jessica", "Megan", "Rachel", "Olivia", "Hannah", "Grace", "Abby",
    "Kayla", "Lauren", "Natalie", "Jenna", "Maria", "Ana", "Priya", "Aisha", "Mei", "Claire",
)  # fmt: skip
MODERN_MALE = (
    "Michael", "Ryan", "Tyler", "Kyle", "Jacob", "Ethan", "Luis", "Carlos", "Andre", "Ben",
    "Nick", "Sam", "Derek", "Marcus", "Evan", "Zach", "Caleb", "Owen", "Nate", "Jordan",
)  # fmt: skip
MODERN_FIRST = MODERN_FEMALE + MODERN_MALE
ADULT_FIRST = MODERN_FIRST + (
    "Linda", "Karen", "Susan", "Lisa", "Julie", "Amy", "Angela", "Brenda", "Denise", "Tammy",
    "Mark", "Steve", "Jeff", "Brian", "Scott", "Todd", "Doug", "Greg", "Randy", "Dave",
)  # fmt: skip
OLD_FEMALE_FIRST = (
    "Dorothy", "Margaret", "Betty", "Shirley", "Helen", "Joan", "Donna", "Carol", "Barbara",
    "Patricia", "Judith", "Marilyn", "Lois", "Phyllis", "Darlene", "Norma", "Arlene", "Beverly",
    "Joyce", "Janet", "Linda", "Sharon", "Karen", "Sandra", "Nancy", "Mary", "Ruth", "Evelyn",
    "Irene", "Gloria",
)  # fmt: skip
OLD_MALE_FIRST = (
    "Robert", "James", "Donald", "Richard", "Gerald", "Kenneth", "Harold", "Raymond", "Eugene",
    "Dale", "Larry", "Gary", "Dennis", "Roger", "Wayne", "Marvin", "Leroy", "Lyle", "Duane",
    "Ronald", "Charles", "William", "Thomas", "Paul", "Jerry", "Merle", "Vernon", "Floyd",
    "Clarence", "Walter",
)  # fmt: skip
LAST_NAMES = (
    "Anderson", "Bauer", "Becker", "Brandt", "Carlson", "Christensen", "Dahl", "Engel",
    "Fischer", "Garcia", "Gustafson", "Hansen", "Hartley", "Hoffman", "Hollis", "Jensen",
    "Johnson", "Keller", "Klein", "Kowalski", "Krueger", "Larsen", "Lindqvist", "Lopez",
    "Lutz", "Meyer", "Miller", "Moreno", "Nelson", "Nguyen", "Novak", "Olson", "Petersen",
    "Pham", "Quinn", "Ramirez", "Reyes", "Richter", "Schmidt", "Schneider", "Schultz",
    "Sorensen", "Stein", "Sullivan", "Swanson", "Thompson", "Vogel", "Wagner", "Walsh",
    "Weber", "Wilson", "Winter", "Yoder", "Zimmerman", "Baker", "Cole", "Dunn", "Foster",
    "Grant", "Hayes", "Holt", "Marsh", "Reed", "Shaw", "Tate", "Ward",
)  # fmt: skip

TOWNS = ("Ashford", "Carver", "Dunmore", "Pine Ridge", "Westfield", "Granger", "Oak Hollow",
         "Fenwick", "Bristow", "Clay Center", "New Holland", "Lakeview")  # fmt: skip
CITIES = ("Des Moines", "Minneapolis", "Chicago", "Omaha", "Madison", "Kansas City")
NEIGHBORHOODS = ("Downtown", "Riverside", "North End", "Mill Hill", "Oak Park", "Westgate",
                 "Fairgrounds", "Lakeview", "Depot District", "Prairie Heights")  # fmt: skip
STREET_SUFFIXES = {"St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane"}
STREETS = (
    ("Elm", "St"), ("Main", "St"), ("Oak", "Ave"), ("Maple", "Ave"), ("Division", "St"),
    ("Mill", "Rd"), ("River", "Rd"), ("Lincoln", "Ave"), ("Washington", "St"),
    ("Jefferson", "St"), ("Pine", "St"), ("Cedar", "St"), ("Walnut", "St"), ("Hickory", "Ln"),
    ("Prairie", "Ave"), ("Depot", "St"), ("Court", "St"), ("Church", "St"), ("Park", "Ave"),
    ("Highland", "Dr"), ("Sunset", "Dr"), ("Orchard", "Ln"), ("Bridge", "St"), ("Water", "St"),
    ("Spring", "St"), ("College", "Ave"),
)  # fmt: skip
PARKS = ("Riverside Park", "Lincoln Park", "Heritage Park", "Mill Pond Park",
         "Veterans Memorial Park")  # fmt: skip
SCHOOLS = ("Lincoln Elementary", "Prairie View Elementary", "Jefferson Elementary",
           "Millbrook Middle School", "Millbrook High School")  # fmt: skip
CHURCHES = ("St. Mark's Lutheran Church", "First United Methodist Church",
            "St. Joseph Catholic Church", "Grace Baptist Church", "First Presbyterian Church",
            "Trinity Reformed Church")  # fmt: skip
FUNERAL_HOMES = ("Hansen-Lutz Funeral Home", "Anderson Funeral Chapel",
                 "Becker Family Funeral Home")  # fmt: skip
BUSINESS_KINDS = ("bakery", "hardware store", "coffee shop", "dental clinic", "brewery",
                  "bookstore", "florist", "auto repair shop", "pizzeria", "yoga studio",
                  "taqueria", "insurance agency", "farm supply store", "barbershop",
                  "bike shop", "diner")  # fmt: skip
BUSINESS_WORDS = ("Main Street", "Prairie", "Mill Creek", "Harlan", "Corner", "Depot",
                  "Riverside", "Hometown")  # fmt: skip
FACTORIES = ("Harlan Precision Tool", "Millbrook Castings", "Prairie Fiberglass",
             "Mill Creek Foods", "Heartland Cabinet Co.")  # fmt: skip
CONTRACTORS = ("Hollis Paving", "Harlan Excavating", "Prairie Construction", "Dahl and Sons",
               "Mid-State Underground", "Kessler Asphalt")  # fmt: skip
PROJECTS = ("splash pad at Riverside Park", "new fire station", "downtown streetscape project",
            "Mill Creek trail extension", "renovation of the city pool",
            "new public works garage", "repainting of the water tower")  # fmt: skip
ROAD_WORK = ("resurfacing", "water main replacement", "sewer lining",
             "sidewalk and curb repairs", "storm sewer work", "a full reconstruction")  # fmt: skip
ORGS = ("Millbrook Rotary Club", "Millbrook Lions Club", "American Legion Post 212",
        "Friends of the Millbrook Library", "Harlan County 4-H", "Millbrook Garden Club",
        "Knights of Columbus", "Millbrook Jaycees")  # fmt: skip
EVENTS = ("Millbrook Days", "the Harvest Festival", "the Fourth of July parade",
          "Holiday Lights on the Square", "the Mill Creek Run", "the Harlan County Fair",
          "Music in the Park")  # fmt: skip
CAUSES = ("the food pantry", "the new splash pad", "scholarships for graduating seniors",
          "the animal shelter", "flood relief", "the hospital's cancer center")  # fmt: skip
PLAYS = ("Our Town", "The Music Man", "Oklahoma!", "Annie", "Arsenic and Old Lace",
         "You Can't Take It With You", "Little Women")  # fmt: skip
SUBJECTS = ("science", "math", "English", "history", "art", "music", "Spanish",
            "agriculture", "special education", "first grade", "kindergarten")  # fmt: skip
CONTESTS = ("FFA", "speech", "robotics", "science fair", "jazz band", "mock trial",
            "quiz bowl")  # fmt: skip
MEMORIES = ("the Dairy Queen opened", "the river flooded the ball fields",
            "the Millers won state", "the old depot burned", "the drive-in closed")  # fmt: skip
FORECASTS = ("temperatures would return to normal by the weekend",
             "more of the same was likely into next week",
             "another system could bring rain by Thursday",
             "a quieter pattern should settle in by Sunday")  # fmt: skip

# Each entry: (headline, dek, lede, follow-ups). A headline may offer
# alternatives separated by " | "; every {name} comes from SLOT_MAKERS, and one
# story's templates share the values, so the dek and the lede agree.
HEADLINES: dict[str, object] = {
    "local-news": [
        ("{street} to close for {weeks} weeks for {road_work} | Detours ahead as {road_work} starts on {street}",
         "Traffic will be sent to {street2} starting {next_day}, city crews say.",
         "MILLBROOK — A stretch of {street} between {cross} and {street2} will close to "
         "through traffic for about {weeks} weeks starting {next_day} while crews finish "
         "{road_work}, the city's public works department said.",
         ("Public works director {works_director} said crews would work from 7 a.m. to 6 p.m. "
          "on weekdays and asked drivers to slow down in the work zone.",
          "“We know it's an inconvenience, but this work has been put off as long as it can "
          "be,” {works_director} said.",
          "The last major work on {street} was done in {old_year}, according to city records.")),
        ("Water main break floods {street}, leaves {count} homes without water",
         "Crews expect to have service restored by evening.",
         "MILLBROOK — A break in a {pipe_age}-year-old water main flooded part of {street} "
         "early {day}, leaving about {count} homes without water for most of the day, public "
         "works director {works_director} said.",
         ("Residents on {street} and {street2} were asked to boil their water until tests "
          "come back clean, probably by {next_day}.",
          "“Most of the mains on this side of town went in before World War II,” "
          "{works_director} said. “We replace a few blocks a year, and it isn't enough.”")),
        ("Fire damages home on {street}; no one hurt | Family escapes house fire on {street}",
         "The family is staying with relatives, the fire chief said.",
         "MILLBROOK — Fire caused heavy damage to a house in the {block} of {street} on {day} "
         "afternoon, but everyone inside got out safely, Fire Chief {fire_chief} said.",
         ("Firefighters were called at about 3:40 p.m. and had the fire under control within "
          "half an hour. Crews from {town2} helped.",
          "The cause is under investigation, but {fire_chief} said it appeared to have "
          "started in the kitchen.",
          "The Millbrook Volunteer Fire Department has {count} members, about half as many as "
          "it had in the 1990s, {fire_chief} said.")),
        ("Library to add Sunday hours starting in {month_next} | Millbrook library will open on Sundays",
         "The change follows a year of requests from families and students.",
         "MILLBROOK — The Millbrook Public Library will be open from 1 to 5 p.m. on Sundays "
         "starting in {month_next}, library director {librarian} announced {day}.",
         ("“Sunday afternoon is when a lot of families have time to come in together,” "
          "{librarian} said.",
          "The extra hours will cost about {amount_k} a year, paid for by the Friends of the "
          "Millbrook Library.")),
        ("New playground opens at {park}",
         "The {amount_k} project was paid for with donations and a state grant.",
         "MILLBROOK — Children were climbing on the new playground at {park} within minutes "
         "of the ribbon cutting {day}, the end of a two-year fundraising effort led by the "
         "{org}.",
         ("Parks director {parks_director} said the old equipment had been in place since "
          "{old_year} and no longer met safety standards.",
          "“My kids have been asking every day when it would be done,” said {person}, who "
          "lives a block away.")),
        ("Stopped train blocks crossings on {street} for {minutes} minutes",
         "Residents again asked the railroad to keep crossings clear.",
         "MILLBROOK — A stopped freight train blocked the crossings at {street} and {street2} "
         "for about {minutes} minutes on {day}, the third such delay this month, residents "
         "told the city.",
         ("Police Chief {chief} said officers were sent to help drivers turn around, and an "
          "ambulance had to take the long way to a call on the north side.",
          "Mayor {mayor} said the city has written to the railroad and to the state's "
          "congressional delegation.")),
        ("Bridge on County Road {county_road} closed after inspection",
         "Engineers found cracked beams; the detour adds about {minutes} minutes.",
         "HARLAN COUNTY — The bridge over Mill Creek on County Road {county_road} is closed "
         "indefinitely after an inspection found cracked support beams, county engineer "
         "{person} said {day}.",
         ("The bridge was built in {old_year} and carries about 400 vehicles a day, many of "
          "them farm trucks, {person} said.",
          "Replacing it would cost about {amount}, and the county is applying for state and "
          "federal money.")),
        ("Millbrook man, {age}, hurt in rollover on Highway {highway}",
         "He was taken to Millbrook Memorial Hospital.",
         "HARLAN COUNTY — A {age}-year-old Millbrook man was hurt {day} when his pickup left "
         "Highway {highway} and rolled into a ditch about {miles} miles north of town, the "
         "Harlan County Sheriff's Office said.",
         ("Sheriff {sheriff} said the man was wearing a seat belt and was able to call for "
          "help himself.",
          "The crash remains under investigation.")),
        ("Police department adds {count_small} officers as calls rise",
         "Chief {chief} says the new hires will mean more patrols at night.",
         "MILLBROOK — The Millbrook Police Department swore in {count_small} new officers "
         "{day}, bringing the force to its largest size in years, Police Chief {chief} said.",
         ("Calls for service have risen by about a fifth in five years, {chief} said, mostly "
          "traffic complaints and welfare checks.",
          "The new officers will spend their first weeks riding with senior officers.")),
    ],
    "government": [
        ("Council approves {amount} contract for {road_work} on {street}",
         "The {vote} vote came after an hour of debate over how to pay for the work.",
         "MILLBROOK — The Millbrook City Council voted {vote} on {day} to hire {contractor} "
         "for {road_work} on {street}, a project city staff estimate will cost {amount}.",
         ("Council members {council_member} and {council_member2} voted against the contract, "
          "saying the city should have sought more bids.",
          "City administrator {administrator} said the money would come from reserves and a "
          "state grant, without raising property taxes this year.",
          "Work is expected to start in {month_next}.")),
        ("City property tax levy would rise {pct} under proposed budget",
         "Council members will hold a public hearing before the final vote.",
         "MILLBROOK — Millbrook homeowners would pay about {pct} more in city property taxes "
         "next year under a preliminary budget the City Council reviewed {day}, city "
         "administrator {administrator} said.",
         ("Most of the increase would go to police and fire wages and to the rising cost of "
          "health insurance, {administrator} said.",
          "“Nobody up here likes raising taxes,” Mayor {mayor} said. “But putting it off only "
          "makes it more expensive.”")),
        ("Council rejects rezoning for apartments near {street}",
         "Neighbors said the {count}-unit building would bring too much traffic.",
         "MILLBROOK — After more than two hours of public comment, the City Council voted "
         "{vote} on {day} against rezoning a lot on {street} for a {count}-unit apartment "
         "building.",
         ("The developer, {person}, said Millbrook badly needs rental housing and that the "
          "project could be redesigned.",
          "“Nobody is against housing,” said {person2}, who lives across the street. “We are "
          "against this building on this block.”")),
        ("County board weighs {amount} jail expansion",
         "Commissioners are split on whether to put the question to voters.",
         "HARLAN COUNTY — The Harlan County Board of Commissioners spent most of its meeting "
         "{day} on a proposed {amount} expansion of the county jail, which board chair "
         "{county_chair} said has been over capacity for {months} months.",
         ("Sheriff {sheriff} told the board the county now pays other counties to hold some "
          "inmates, at about $60 a day each.",
          "The board will hold a public hearing before deciding whether to ask voters to "
          "approve bonds.")),
        ("Water and sewer rates to rise {pct} in {next_year}",
         "The increase pays for a new treatment plant required by the state.",
         "MILLBROOK — The average Millbrook household will pay about {dollars} more a month "
         "for water and sewer service starting in January after the City Council approved a "
         "{pct} rate increase {day}.",
         ("The state ordered the city to upgrade its wastewater plant by {next_year}, and the "
          "rates will repay a low-interest state loan, {administrator} said.",)),
        ("Mayor {mayor} will not seek another term",
         "Council member {council_member} is expected to announce a run.",
         "MILLBROOK — Mayor {mayor} said {day} that the current term will be the last, ending "
         "a career in city government that began on the park board.",
         ("“It's been the honor of my life, and it's time for someone else,” {mayor} said.",
          "Candidates can file at City Hall starting in {month_next}.")),
        ("Council approves {project} after years of debate | Council says yes to {project}",
         "Construction could start as soon as {month_next}.",
         "MILLBROOK — The City Council voted {vote} on {day} to move ahead with the "
         "{project}, an idea first proposed more than a decade ago.",
         ("The project is expected to cost about {amount}, with about a third covered by "
          "grants, city administrator {administrator} said.",
          "{council_member} asked staff to report back on the cost every month.")),
        ("Harlan County to spend {amount_k} on new voting equipment",
         "The county auditor says the old machines are no longer supported.",
         "HARLAN COUNTY — Harlan County will replace its aging voting machines before the "
         "next election after the Board of Commissioners approved a {amount_k} purchase "
         "{day}, county auditor {person} said.",
         ("Voters will still mark paper ballots, which are kept for recounts and audits, "
          "{person} said.",)),
    ],
    "schools": [
        ("School board approves {school_year} budget",
         "The {amount} budget includes raises for teachers and {count_small} new positions.",
         "MILLBROOK — The Millbrook Community School Board voted {vote} on {day} to approve a "
         "{amount} budget for the {school_year} school year, Superintendent "
         "{superintendent} said.",
         ("Teachers will get raises of about {pct} under the contract approved last month.",
          "“Our teachers and staff have done remarkable work with what they have,” board "
          "president {board_president} said.")),
        ("Voters to decide {amount} school building referendum",
         "The plan would replace {school}, which opened in {old_year}.",
         "MILLBROOK — Millbrook voters will decide in {month_next} whether the school district "
         "can borrow {amount} to replace {school}, after the school board voted {vote} on "
         "{day} to put the question on the ballot.",
         ("Superintendent {superintendent} said the building's heating system and roof both "
          "need replacing within five years.",
          "The district will hold tours of {school} for residents before the vote.")),
        ("{school} teacher named regional teacher of the year",
         "Students describe {person} as patient, demanding and funny.",
         "MILLBROOK — {person}, who has taught {subject} at {school} for {years} years, was "
         "named the region's teacher of the year {day}, Superintendent {superintendent} "
         "said.",
         ("“I get to spend every day with kids who are figuring out who they are,” {person} "
          "said. “I don't know a better job.”",)),
        ("Millbrook High students win {count_small} firsts at state {contest} contest",
         "Several students advance to national competition.",
         "MILLBROOK — Millbrook High School students brought home {count_small} first-place "
         "awards from the state {contest} competition {day}, adviser {person} said.",
         ("{student}, a junior, said the team had practiced after school since September.",)),
        ("District to add bus routes after enrollment jump",
         "Enrollment is up {count} students from last year.",
         "MILLBROOK — Millbrook Community Schools will add {count_small} bus routes next fall "
         "after enrollment rose by {count} students, transportation director {person} told "
         "the school board {day}.",
         ("The district is still looking for drivers and will pay for training, {person} "
          "said.",)),
        ("School board adopts new cellphone rules for middle school",
         "Phones will stay in lockers during class time starting this fall.",
         "MILLBROOK — Millbrook Middle School students will keep their phones in their "
         "lockers during the school day under a policy the school board approved {vote} on "
         "{day}.",
         ("“Most of us get why they're doing it,” said {student}, an eighth grader.",
          "Parents can still reach their children through the school office.")),
        ("School lunch prices to rise {cents} cents",
         "Food costs are up, the district's nutrition director says.",
         "MILLBROOK — Lunch at Millbrook schools will cost {cents} cents more next year after "
         "the school board approved new prices {day}, citing higher food and labor costs.",
         ("Families who qualify for free or reduced-price meals will not be affected.",)),
    ],
    "business": [
        ("{business_name} opens on {street}",
         "{owner} says the {business_kind} has been a dream for {years} years.",
         "MILLBROOK — {owner} has wanted to open {a_business_kind} in Millbrook since high "
         "school. On {day}, the doors of {business_name} at {address} opened to a line of "
         "customers.",
         ("{owner} grew up in {town2} and worked in {city} for several years before moving "
          "back to Harlan County.",
          "The Millbrook Economic Development Corporation provided a {amount_k} low-interest "
          "loan for the project.",
          "The business is open from 7 a.m. to 6 p.m. Tuesday through Saturday.")),
        ("{business_name} to close after {years} years on {street}",
         "The owner cites rising costs and plans to retire.",
         "MILLBROOK — {business_name}, a fixture on {street} for {years} years, will close at "
         "the end of {month_next}, owner {owner} said {day}.",
         ("“We have had the best customers anybody could ask for,” {owner} said. “That's the "
          "hard part.”",
          "The building is for sale.")),
        ("{factory} to add {count} jobs with new production line",
         "The expansion is the company's largest since it came to Millbrook.",
         "MILLBROOK — {factory} will hire about {count} workers over the next year as it adds "
         "a production line at its plant on {street}, the company said {day}.",
         ("Plant manager {person} said starting pay would be about $21 an hour.",
          "The city agreed to a five-year property tax break for the expansion.")),
        ("Chamber names {business_name} business of the year",
         "The award recognizes the {business_kind}'s work with local schools.",
         "MILLBROOK — The Millbrook Area Chamber of Commerce named {business_name} its "
         "business of the year at its annual dinner {day}, executive director "
         "{chamber_director} said.",
         ("Owner {owner} hires high school students every summer and sponsors the Millers' "
          "booster club.",)),
        ("Downtown vacancies fall to lowest level in a decade",
         "The chamber counts {count_small} empty storefronts on Main Street.",
         "MILLBROOK — Only {count_small} storefronts on Main Street stand empty, the fewest "
         "in at least ten years, according to a count the Millbrook Area Chamber of Commerce "
         "released {day}.",
         ("“Small towns live or die by their Main Street,” chamber director "
          "{chamber_director} said. “Every open door matters.”",)),
        ("New owners take over {business_name}",
         "The {business_kind} will keep its name and its staff.",
         "MILLBROOK — {business_name} has new owners, but regulars will not notice much "
         "change, said {owner}, who bought the {business_kind} with a partner this month.",
         ("The previous owners ran the business for {years} years.",)),
        ("Farmers market moves to {street} for the season",
         "Vendors wanted more shade and more parking.",
         "MILLBROOK — The Millbrook Farmers Market will set up on {street} this season, "
         "market manager {person} said {day}, after vendors asked for more shade and "
         "parking.",
         ("The market runs from 8 a.m. to noon on Saturdays through October.",)),
    ],
    "sports": {
        "fall": [
            ("Millers roll past {rival} {fb_score} | {boy} runs for {yards} yards as Millers beat {rival}",
             "{boy} ran for {yards} yards and {tds} touchdowns at Miller Field.",
             "MILLBROOK — {boy} ran for {yards} yards and scored {tds} touchdowns as the "
             "Millers beat {rival} {fb_score} on {day} night at Miller Field.",
             ("“Our line did the work tonight,” coach {coach_football} said.",
              "{boy2} added an interception in the fourth quarter.")),
            ("Late field goal lifts {rival} past Millers {fb_close}",
             "Millbrook falls to {record} in the Harlan Valley Conference.",
             "{rival_upper} — A field goal with {seconds} seconds left gave {rival} a "
             "{fb_close} win over Millbrook on {day} night.",
             ("“We had our chances,” coach {coach_football} said. “That one will sting for a "
              "while.”",)),
            ("Millbrook volleyball beats {rival} {vb_score}",
             "{girl} had {kills} kills for the Millers.",
             "MILLBROOK — {girl} had {kills} kills and the Millbrook volleyball team beat "
             "{rival} {vb_score} on {day} in the high school gym.",
             ("{girl2} added 31 assists. Coach {coach_volleyball} said the serving was the "
              "difference.",)),
            ("{player} wins conference cross country title",
             "The Millbrook runner covered the 5K course in {xc_time}.",
             "{rival_upper} — Millbrook's {player} won the Harlan Valley Conference cross "
             "country meet {day}, finishing the 5-kilometer course in {xc_time}.",
             ("Coach {coach_cross_country} said {player} will run at the state meet next "
              "month.",)),
            ("Millbrook soccer tops {rival} {soc_score}",
             "{player} scored twice in the second half.",
             "MILLBROOK — {player} scored twice in the second half as Millbrook beat {rival} "
             "{soc_score} on {day} at the Riverside Park fields.",
             ("Goalkeeper {player2} made six saves.",)),
        ],
        "winter": [
            ("Millers hold off {rival} {bb_score}",
             "{boy} scored {points} points for the Millbrook boys.",
             "MILLBROOK — {boy} scored {points} points and the Millbrook boys basketball "
             "team held off a late run to beat {rival} {bb_score} on {day} night.",
             ("“We got stops when we needed them,” coach {coach_boys_basketball} said.",)),
            ("Millbrook girls fall to {rival} {bb_score}",
             "The Millers couldn't recover from a slow start.",
             "{rival_upper} — The Millbrook girls basketball team trailed by double digits "
             "at halftime and lost to {rival} {bb_score} on {day}.",
             ("{girl} led Millbrook with {points} points. Coach {coach_girls_basketball} "
              "said the team would be back in the gym Monday.",)),
            ("Millbrook wrestlers beat {rival} {wr_score}",
             "{player} earned a pin in the final match.",
             "MILLBROOK — {player} pinned an opponent in the final match {day} to seal a "
             "{wr_score} dual win for Millbrook over {rival}.",
             ("Coach {coach_wrestling} said the team is healthy heading into the conference "
              "tournament.",)),
        ],
        "spring": [
            ("Millers sweep doubleheader from {rival}",
             "{boy} struck out {strikeouts} in the opener.",
             "MILLBROOK — {boy} struck out {strikeouts} batters in the opener and the "
             "Millers swept {rival} in a baseball doubleheader {day}.",
             ("{boy2} had three hits in the second game. Coach {coach_baseball} said the "
              "pitching staff is the deepest in years.",)),
            ("{rival} softball rallies past Millbrook {base_score}",
             "The Millers led until the sixth inning.",
             "{rival_upper} — {rival} scored four runs in the sixth inning to rally past "
             "Millbrook {base_score} in softball {day}.",
             ("{girl} homered for Millbrook. Coach {coach_softball} said the team would "
              "learn from it.",)),
            ("Millbrook relay team qualifies for state track meet",
             "The 4x400 team ran its best time of the season.",
             "{rival_upper} — The Millbrook girls 4x400 relay team of {girl}, {girl2} and "
             "two freshmen qualified for the state meet {day}, coach {coach_track} said.",
             ("The state meet is in Des Moines next month.",)),
        ],
        "summer": [
            ("Millbrook Legion baseball wins district opener",
             "Post 212 beat {rival} {base_score}.",
             "MILLBROOK — {boy} drove in three runs and Millbrook's American Legion team "
             "beat {rival} {base_score} in the district tournament opener {day}.",
             ("Millbrook plays again {next_day} at Miller Field.",)),
            ("{player} wins Millbrook Country Club championship",
             "The recent graduate won by {count_small} strokes.",
             "MILLBROOK — {player} shot a final-round 71 to win the Millbrook Country Club "
             "championship by {count_small} strokes {day}.",
             ("{player} will play golf in college this fall.",)),
        ],
        "any": [
            ("Millers name {person} new {sport} coach",
             "{person} replaces a coach who led the program for {years} years.",
             "MILLBROOK — {person}, a Millbrook graduate, will take over the Millbrook High "
             "School {sport} program, athletic director {person2} announced {day}.",
             ("“I sat in those bleachers as a kid. This is the job I wanted,” {person} said.",)),
        ],
    },
    "opinion": [
        ("Editorial: The {project} deserves a public hearing",
         "The council should hear from residents before it spends {amount}.",
         "The Millbrook City Council is moving quickly on the {project}, and the price tag, "
         "{amount} by the latest estimate, is the largest the city has considered in years.",
         ("We do not oppose the project. We oppose deciding it before most residents know it "
          "is on the table.",)),
        ("Letter: Thank you to everyone who made {event} a success",
         "A reader says the volunteers deserve the credit.",
         "To the editor: I want to thank the dozens of volunteers who gave up their weekend "
         "to make {event} happen again this year.",
         ("They set up before dawn and stayed until the last trash can was emptied. Millbrook "
          "is lucky to have them.",
          "{person} lives in Millbrook.")),
        ("Letter: Slow down on {street}",
         "Drivers treat the street like a highway, a resident writes.",
         "To the editor: I have lived on {street} for {years} years, and I have never seen "
         "drivers go as fast as they do now.",
         ("There are children on this street. A speed bump or a patrol car now and then would "
          "do a lot of good.",
          "{person} lives on {street}.")),
        ("Column: What {years} years of Friday nights taught me",
         "A longtime fan looks back on Millers football.",
         "I saw my first Millers football game when I was 6 years old, sitting on my father's "
         "shoulders behind the north end zone.",
         ("I grew up on {street}, and I still remember when {memory}.",)),
        ("Editorial: Millbrook needs more child care",
         "Waiting lists of a year or more hold back families and employers.",
         "Ask any young family in Millbrook about child care and you will hear the same "
         "story: the waiting lists are long, and the options are few.",
         ("Employers feel it too: {chamber_director} of the chamber says several have lost "
          "workers who could not find care.",)),
        ("Column: Remembering the Millbrook of {old_year}",
         "Main Street has changed, but some things have not.",
         "My grandmother kept a box of photographs of Main Street from {old_year}, and I "
         "spent an afternoon this week going through them.",
         ("I grew up on {street}, and I still remember when {memory}.",)),
        ("Editorial: Vote yes on the school referendum",
         "The buildings are old, and the cost of waiting keeps rising.",
         "Millbrook voters will decide in {month_next} whether to borrow {amount} to replace "
         "{school}. We urge a yes vote.",
         ("The roof leaks, the boiler is older than most of the teachers, and every year of "
          "delay adds to the cost.",)),
    ],
    "community": [
        ("{Event} returns {next_day} with parade, music and fireworks",
         "Organizers expect the biggest crowd in years.",
         "MILLBROOK — {Event} returns to downtown Millbrook starting {next_day}, with a "
         "parade down Main Street, live music on the courthouse square and fireworks over "
         "Riverside Park.",
         ("“It's the one weekend a year the whole town comes out,” said {person}, one of the "
          "organizers.",
          "Parking will be available at Millbrook High School, with a shuttle every 15 "
          "minutes.")),
        ("{org} raises {amount_k} for {cause}",
         "The money came from the group's pancake breakfast and auction.",
         "MILLBROOK — Members of the {org} raised {amount_k} for {cause} this year, "
         "organizer {person} said {day}.",
         ("The group has held the breakfast for {years} years.",)),
        ("Eagle Scout project brings new benches to {park}",
         "{student} spent {months} months planning and building them.",
         "MILLBROOK — Visitors to {park} have {count_small} new places to sit, thanks to an "
         "Eagle Scout project by {student} of Troop 41.",
         ("Parks director {parks_director} said the city paid for the materials.",)),
        ("{church} to celebrate {anniversary} anniversary",
         "A service and potluck dinner are planned for {next_day}.",
         "MILLBROOK — {church} will mark its {anniversary} anniversary with a special "
         "service and a potluck dinner {next_day}, the Rev. {person} said.",
         ("Former members are invited, and old photographs will be on display.",)),
        ("Community Players open “{play}” {next_day}",
         "Tickets are available at the door.",
         "MILLBROOK — The Millbrook Community Players will open their production of "
         "“{play}” at 7 p.m. {next_day} in the Millbrook High School auditorium, director "
         "{person} said.",
         ("The cast of {count} includes three generations of one family.",)),
        ("Food pantry sees record demand",
         "Volunteers served {count_big} families last month.",
         "MILLBROOK — The Millbrook Food Pantry served {count_big} families last month, the "
         "most since it opened, volunteer coordinator {person} said {day}.",
         ("Donations can be dropped off at {church} on weekday mornings.",)),
        ("Summer reading program draws {count_big} children",
         "The library's theme this year was space.",
         "MILLBROOK — More children signed up for the Millbrook Public Library's summer "
         "reading program this year than ever before, library director {librarian} said.",
         ("Readers logged more than 9,000 hours over the summer.",)),
    ],
    "weather": {
        "winter": [
            ("Storm drops {snow} inches of snow on Millbrook",
             "Schools closed and city plows worked through the night.",
             "MILLBROOK — A winter storm left {snow} inches of snow in Millbrook by {day} "
             "morning, closing schools and keeping city plows out overnight, public works "
             "director {works_director} said.",
             ("Residents are asked to keep cars off snow routes until the streets are "
              "cleared.",)),
            ("Bitter cold to linger through the weekend",
             "Wind chills could reach {wind_chill} below zero.",
             "MILLBROOK — Wind chills as low as {wind_chill} below zero are expected through "
             "the weekend, the National Weather Service said {day}.",
             ("Frostbite can set in within 15 minutes on exposed skin at those temperatures.",)),
        ],
        "spring": [
            ("Storms knock out power to {outages} homes",
             "Crews worked overnight to clear fallen trees.",
             "MILLBROOK — Thunderstorms with winds over 60 mph knocked down trees and power "
             "lines across Millbrook {day}, leaving about {outages} homes without power.",
             ("Brush can be left at the curb for pickup through next week.",)),
            ("Mill Creek expected to crest {crest} feet above flood stage",
             "Sandbags are available at the public works garage.",
             "MILLBROOK — Mill Creek is expected to crest about {crest} feet above flood stage "
             "late {next_day}, and the city is handing out sandbags, {works_director} said.",
             ("The ball fields at Riverside Park are closed until the water goes down.",)),
        ],
        "summer": [
            ("Heat index could top {heat} degrees this week",
             "Cooling centers open at the library and the senior center.",
             "MILLBROOK — The heat index could reach {heat} degrees by {next_day}, and the "
             "city will open cooling centers at the library and the senior center.",
             ("The city pool will stay open an extra hour each evening.",)),
            ("{rain} inches of rain ease drought worries",
             "Farmers say the timing could hardly be better.",
             "MILLBROOK — Storms dropped {rain} inches of rain on Millbrook {day}, the most in "
             "a single day since spring, easing worries about dry fields around town.",
             ("“We've seen worse years, but we needed this one,” said {person}, who farms "
              "north of town.",)),
        ],
        "fall": [
            ("First frost expected {next_day}; cover your gardens",
             "Lows could fall to {frost} degrees.",
             "MILLBROOK — The first frost of the season could arrive {next_day}, with lows "
             "near {frost} degrees, the National Weather Service said.",
             ("Gardeners should cover tender plants or bring them inside overnight.",)),
            ("Dry fall puts farmers ahead on harvest",
             "Some fields were done by mid-October.",
             "HARLAN COUNTY — A dry, mild fall has let farmers around Millbrook get ahead of "
             "schedule on the harvest, county extension director {person} said {day}.",
             ("Dry fields also mean a higher risk of field fires, and the fire department "
              "asks residents to hold off on burning.",)),
        ],
        "any": [],
    },
}  # fmt: skip

# Paragraphs that fit any story in their section, after the story's own;
# filled once into a pool.
BODY_PARAGRAPHS: dict[str, list[str]] = {
    "local-news": [
        "Residents with questions can call City Hall at 555-0100 during business hours.",
        "Updates will be posted on the city's website and on its Facebook page.",
        "“It's the kind of thing people in a town this size notice,” said {person}, who has "
        "lived on {street} for {years} years.",
        "City officials said more details would be shared at the next council meeting.",
        "Millbrook, the Harlan County seat, has about 8,400 residents.",
        "The Ledger will update this story as more information becomes available.",
    ],
    "government": [
        "About {count} residents attended the meeting, and {count_small} spoke during the "
        "public comment period.",
        "The council meets at 6 p.m. on the first and third Tuesdays of each month at City "
        "Hall, 200 Main Street. Meetings are streamed on the city's website.",
        "The city's general fund budget is about {amount} this year, according to figures "
        "presented at the meeting.",
        "The council also approved a street closure for {event} and a liquor license "
        "renewal for the American Legion.",
        "Meeting agendas and minutes are posted at City Hall and on the city's website.",
        "Harlan County Board chair {county_chair} said the county is watching the city's "
        "decision closely.",
    ],
    "schools": [
        "The district serves about 1,900 students in five buildings.",
        "Parents with questions can call the district office at 555-0120.",
        "The school board meets at 6:30 p.m. on the second Monday of each month in the high "
        "school library.",
        "Board members also approved the hiring of {count_small} teachers and accepted the "
        "resignation of a middle school counselor.",
        "Superintendent {superintendent} said enrollment has grown by about {count} students "
        "over the past five years.",
        "{principal}, principal of Millbrook High School, said families would get more "
        "details in a letter next week.",
    ],
    "business": [
        "{chamber_director}, executive director of the Millbrook Area Chamber of Commerce, "
        "said {count_small} new businesses have opened downtown in the past year.",
        "Harlan County's unemployment rate was {pct} last month, according to state figures.",
        "Harlan County's population has held steady at about 21,000 for two decades.",
        "A ribbon cutting with the chamber is planned for later this month.",
        "The Millbrook Economic Development Corporation has helped {count_small} businesses "
        "open or expand this year, director {person} said.",
    ],
    "sports": [
        "Millbrook plays at {rival2} next week.",
        "The next game will be broadcast on KMLB 1340 AM and streamed on the school's website.",
        "Fans packed the stands, and the student section stayed until the end.",
        "Millbrook is in the Harlan Valley Conference with {rival2} and six other schools.",
        "The Millers have not lost at home since {month_next} of last year.",
        "{player2}, a senior, has committed to play in college next year.",
    ],
    "opinion": [
        "None of this is simple, and reasonable people will disagree. But the worst choice "
        "would be to do nothing and hope the problem goes away.",
        "Take a walk down Main Street on a Saturday morning and you will see what is at stake.",
        "Millbrook has faced harder questions than this and found its way through. We trust "
        "it will again.",
        "The people making these decisions are our neighbors. They should hear from more of us.",
        "Letters to the editor should be under 300 words and include the writer's name and town.",
    ],
    "community": [
        "Organizers are still looking for volunteers to help with setup and cleanup.",
        "For more information, call {person} at {phone}.",
        "The group meets at 7 p.m. on the first Thursday of each month at {church}.",
        "Admission is free, and donations are welcome.",
        "Items for the community calendar can be sent to news@millbrookledger.example.",
    ],
    "weather": [
        "The National Weather Service office serving {nws} said {forecast}.",
        "{works_director} asked residents to check on elderly neighbors and to call 911 in "
        "an emergency.",
        "Millbrook Memorial Hospital reported no weather-related injuries.",
        "Harlan County Emergency Management posts updates on its website and on KMLB 1340 AM.",
        "Weather records kept at the Millbrook water plant go back to 1893.",
    ],
}

SUBHEADS = ("## What's next", "## Background", "## By the numbers", "## What people said")
STORY_NOTES = (
    "*This story has been updated with additional information.*",
    "**Correction:** An earlier version of this story misspelled a name.",
)
AGENDA_NOTE = (
    "Agendas and minutes are on the city's website at "
    "[millbrook.example.gov](https://millbrook.example.gov/)."
)

PLACES_OF_DEATH = ("at home, surrounded by family", "at Millbrook Memorial Hospital",
                   "at Riverside Care Center in Millbrook", "at the hospital in Ashford",
                   "at Prairie View Assisted Living")  # fmt: skip
BIRTHPLACES = ("Millbrook", "rural Harlan County", *TOWNS[:6], "Des Moines", "Chicago",
               "Omaha")  # fmt: skip
HIGH_SCHOOLS = ("Millbrook High School", "Ashford High School", "Carver High School",
                "Dunmore High School", "St. Joseph Academy")  # fmt: skip
EMPLOYERS = ("Millbrook Castings", "the Harlan County Co-op", "the Millbrook post office",
             "Millbrook Community Schools", "Millbrook Memorial Hospital", "the family farm",
             "First State Bank of Millbrook", "Prairie Fiberglass",
             "the Harlan County Highway Department", "Hollis Hardware",
             "the Chicago and North Western Railway")  # fmt: skip
HOBBIES = ("fishing", "gardening", "quilting", "playing cards", "bowling", "woodworking",
           "baking pies for church dinners", "polka dancing", "restoring old tractors",
           "crossword puzzles", "bird watching", "deer hunting", "singing in the choir",
           "golf")  # fmt: skip
OBIT_ASIDES = ("and never missed a Millers football game",
               "and was happiest with {his} grandchildren close by",
               "and could fix almost anything", "and kept a garden the neighbors envied",
               "and rarely missed Sunday coffee with friends")  # fmt: skip
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SIBLINGS = ("a brother", "a sister", "two sisters", "two brothers",
            "many nieces and nephews")  # fmt: skip
PRECEDED = ("a brother", "a sister", "two brothers", "a son", "an infant daughter",
            "a grandson")  # fmt: skip
NO_SERVICE = ("A private family service will be held.",
              "A celebration of life will be held at a later date.")  # fmt: skip
MEMORIALS = ("the Millbrook Public Library", "Harlan County Hospice",
             "the Millbrook Food Pantry", "the Millbrook Volunteer Fire Department",
             "St. Mark's Lutheran Church", "the American Heart Association")  # fmt: skip

STORES = ("Millbrook Foods", "the Dollar Mart on Division St", "Hollis Hardware",
          "the Kwik Stop on Highway 30", "Prairie Pharmacy")  # fmt: skip
TARGETS = ("the Lincoln Park shelter house", "the old depot", "Millbrook Middle School",
           "a storage building", "the water tower fence")  # fmt: skip
CRIMES: dict[str, dict] = {
    CrimeReport.Incident.THEFT: {
        "weight": 30,
        "titles": ["Bicycle stolen from garage in {neighborhood}",
                   "Catalytic converter cut from van {where}",
                   "Tools stolen from pickup {where}", "Shoplifting reported at {store}",
                   "Package thefts reported in {neighborhood}"],
        "openings": ["Millbrook police were called {where} at {time} {weekday} after a "
                     "report of a theft."],
        "details": ["The owner told officers the items were worth about {amount}.",
                    "A neighbor's doorbell camera may have recorded the theft, police said."],
    },
    CrimeReport.Incident.BURGLARY: {
        "weight": 12,
        "titles": ["Burglary reported {where}", "Home burglarized on {street}; electronics taken",
                   "Shed broken into {where}", "Business burglarized overnight on {street}"],
        "openings": ["Someone forced open a back door {where}, Millbrook police said after "
                     "the break-in was reported at {time} {weekday}."],
        "details": ["Missing were a television, a laptop and cash, police said.",
                    "Officers found pry marks on the door frame."],
    },
    CrimeReport.Incident.VANDALISM: {
        "weight": 14,
        "titles": ["Graffiti sprayed on {target}", "Tires slashed on {count} vehicles in {neighborhood}",
                   "Mailboxes damaged along {street}", "Windows broken at {target}"],
        "openings": ["Millbrook police took a report of vandalism {where} at {time} {weekday}."],
        "details": ["Damage was estimated at {amount}.",
                    "Public works crews cleaned up the damage later that day."],
    },
    CrimeReport.Incident.DUI: {
        "weight": 12,
        "titles": ["{town} man arrested on DUI charge after crash {where}",
                   "Driver charged with DUI after traffic stop {where}",
                   "Woman arrested on second DUI charge on {street}"],
        "openings": ["An officer stopped a car {where} at {time} {weekday} after seeing it "
                     "cross the center line, Millbrook police said."],
        "details": ["The driver, {age}, was taken to the Harlan County Jail.",
                    "No one was hurt, police said."],
    },
    CrimeReport.Incident.FRAUD: {
        "weight": 10,
        "titles": ["Resident loses {amount} to phone scam",
                   "Police warn of gift card scam after {neighborhood} resident loses {amount}",
                   "Counterfeit bills passed at {store}", "Check fraud reported at {store}"],
        "openings": ["A Millbrook resident reported {weekday} that a caller claiming to be "
                     "from the sheriff's office talked them into sending {amount}."],
        "details": ["Police remind residents that no government office asks to be paid in "
                    "gift cards.", "The money was sent by wire and has not been recovered."],
    },
    CrimeReport.Incident.VEHICLE_THEFT: {
        "weight": 8,
        "titles": ["Pickup stolen from driveway in {neighborhood}",
                   "Car taken with keys inside {where}", "Stolen SUV recovered {where}"],
        "openings": ["A vehicle was reported stolen {where} at {time} {weekday}, Millbrook "
                     "police said."],
        "details": ["The keys had been left inside, police said.",
                    "The vehicle was later found abandoned in {neighborhood}."],
    },
    CrimeReport.Incident.ASSAULT: {
        "weight": 8,
        "titles": ["Man charged with assault after fight {where}",
                   "Woman hurt in assault {where}",
                   "Two men arrested after fight outside bar on {street}"],
        "openings": ["Millbrook police were called to a fight {where} at {time} {weekday}."],
        "details": ["One person was treated at Millbrook Memorial Hospital and released.",
                    "Witnesses told officers the two knew each other."],
    },
    CrimeReport.Incident.OTHER: {
        "weight": 6,
        "titles": ["Police investigate suspicious fire {where}",
                   "Shots reported {where}; no one hurt", "Trespassing reported at {target}"],
        "openings": ["Millbrook police responded {where} at {time} {weekday}."],
        "details": ["Officers searched the area but found no one.",
                    "The Millbrook Volunteer Fire Department assisted."],
    },
}  # fmt: skip
CRIME_OUTCOMES = (
    "No arrests had been made as of {weekday} evening.",
    "Officers arrested a {age}-year-old {town} man at the scene.",
    "The case remains under investigation.",
    "A {age}-year-old was cited and released.",
)
CRIME_TIPS = (
    "Anyone with information is asked to call the Millbrook Police Department at 555-0140 "
    "and mention case {case}.",
    "Tips can be left anonymously with Harlan County Crime Stoppers at 555-0199.",
)

SKIES = [
    # description, top colour, horizon colour, sun colour (or None)
    ("a blue midday sky", (70, 130, 200), (175, 210, 235), (255, 245, 200)),
    ("an orange evening sky", (80, 60, 120), (245, 150, 80), (255, 200, 120)),
    ("a gray overcast sky", (120, 125, 135), (190, 192, 195), None),
    ("a pink dawn sky", (110, 120, 180), (245, 185, 180), (255, 235, 210)),
]
GROUNDS = [
    ("green hills", [(90, 140, 70), (70, 120, 55), (50, 100, 45)]),
    ("golden fields", [(200, 170, 90), (180, 150, 70), (160, 130, 60)]),
    ("snowy hills", [(235, 238, 245), (215, 220, 230), (200, 205, 220)]),
    ("plowed fields", [(120, 95, 70), (100, 78, 58), (85, 65, 50)]),
]
FEATURES = [
    ("a red barn", "A red barn", _draw_barn),
    ("a row of brick storefronts", "Storefronts on a quiet street", _draw_storefronts),
    ("a water tower", "A water tower", _draw_water_tower),
    ("a grain elevator", "A grain elevator", _draw_elevator),
    ("a line of trees", "A windbreak", _draw_trees),
    ("a white church", "A country church", _draw_steeple),
]
