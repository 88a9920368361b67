"""Small helpers that make content rows, with overrides: make_story(headline=...)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from content.models import (
    Author,
    Birth,
    Byline,
    CrimeReport,
    Obituary,
    Section,
    Status,
    Story,
    Wedding,
)

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_section(**overrides: Any) -> Section:
    n = _n()
    fields = {"name": f"Section {n}", "slug": f"section-{n}", "position": n}
    return Section.objects.create(**{**fields, **overrides})


def make_author(**overrides: Any) -> Author:
    n = _n()
    fields = {"name": f"Reporter {n}", "slug": f"reporter-{n}", "title": "Staff Writer"}
    return Author.objects.create(**{**fields, **overrides})


def make_story(authors: list[Author] | None = None, **overrides: Any) -> Story:
    n = _n()
    fields = {
        "headline": f"Story number {n}",
        "slug": f"story-{n}",
        "dek": f"What happened in story {n}.",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "body": f"First paragraph of story {n}.\n\nSecond paragraph.",
    }
    fields.update(overrides)
    if "section" not in fields:
        fields["section"] = Section.objects.first() or make_section()
    story = Story.objects.create(**fields)
    for position, author in enumerate(authors if authors is not None else [make_author()]):
        Byline.objects.create(story=story, author=author, position=position)
    return story


def make_obituary(**overrides: Any) -> Obituary:
    n = _n()
    fields = {
        "full_name": f"Person Number{n}",
        "slug": f"person-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "birth_date": date(1940, 1, 1),
        "death_date": date(2020, 1, 1),
        "age": 80,
        "hometown": "Millbrook",
        "body": f"Obituary {n}.",
    }
    return Obituary.objects.create(**{**fields, **overrides})


def make_crime(**overrides: Any) -> CrimeReport:
    n = _n()
    fields = {
        "title": f"Incident number {n}",
        "slug": f"incident-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "incident_type": CrimeReport.Incident.THEFT,
        "occurred_at": timezone.now() - timedelta(hours=n + 2),
        "address_block": "400 block of Elm St",
        "neighborhood": "Downtown",
        "case_number": f"2026-{n:06d}",
        "body": f"Report {n}.",
    }
    return CrimeReport.objects.create(**{**fields, **overrides})


def make_birth(**overrides: Any) -> Birth:
    n = _n()
    fields = {
        "baby_name": f"Baby Number{n}",
        "slug": f"baby-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "birth_date": date(2024, 5, 1),
        "parents": f"Anna and Mark Number{n}",
        "hometown": "Millbrook",
        "weight_pounds": 7,
        "weight_ounces": 4,
        "body": f"Birth {n}.",
    }
    return Birth.objects.create(**{**fields, **overrides})


def make_wedding(**overrides: Any) -> Wedding:
    n = _n()
    fields = {
        "partner_one": f"Jo Number{n}",
        "partner_two": f"Sam Other{n}",
        "slug": f"jo-and-sam-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "announcement": Wedding.Announcement.WEDDING,
        "date": date(2024, 6, 1),
        "place": "First Lutheran Church, Millbrook",
        "body": f"Wedding {n}.",
    }
    return Wedding.objects.create(**{**fields, **overrides})


def make_photo(name: str, size: tuple[int, int] = (16, 12), fmt: str = "JPEG") -> str:
    """A real image file under MEDIA_ROOT (as an upload leaves it); returns
    its name, for a photo field. Each name gets its own colour."""
    from io import BytesIO
    from pathlib import Path

    from django.conf import settings
    from PIL import Image

    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shade = sum(name.encode()) % 256
    data = BytesIO()
    Image.new("RGB", size, (shade, 255 - shade, 128)).save(data, fmt)
    # A new file, as storage makes one (never rewritten in place).
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data.getvalue())
    temporary.replace(path)
    return name
