"""The Ledger's sections and staff, and the town officials its stories quote."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.text import slugify

from content.demo.words import ADULT_FIRST, LAST_NAMES, MODERN_FIRST, toml
from content.models import Author, Section

_NEWSROOM = toml("newsroom")
SECTIONS: list[dict] = _NEWSROOM["section"]
ROLES: list[dict] = _NEWSROOM["role"]
CAST_ROLES: tuple[str, ...] = tuple(_NEWSROOM["cast"])
COACHED_SPORTS: tuple[str, ...] = tuple(_NEWSROOM["coached_sports"])


@dataclass
class Newsroom:
    sections: list[Section]
    section_weights: list[int]
    authors: list[Author]
    beats: dict[str, list[int]]  # section slug -> author ids
    photographer: Author
    cast: dict[str, object]


def create_newsroom(rng: random.Random) -> Newsroom:
    sections = [
        Section(
            id=i,
            name=section["name"],
            slug=section["slug"],
            position=i * 10,
            description=section["description"],
        )
        for i, section in enumerate(SECTIONS, start=1)
    ]
    Section.objects.bulk_create(sections)

    names = _unique_names(rng, len(ROLES), MODERN_FIRST)
    authors, beats = [], {section["slug"]: [] for section in SECTIONS}
    for i, (role, name) in enumerate(zip(ROLES, names, strict=True), 1):
        title = role["title"]
        first, last = name.split(" ", 1)
        email = f"{first[0]}{last}@millbrookledger.example".lower().replace(" ", "")
        bio = (
            f"{name} is the Ledger's {title.lower()} and covers {role['beat']}. "
            f"Reach {first} at {email} or 555-0150."
        )
        authors.append(Author(id=i, name=name, slug=slugify(name), title=title, bio=bio))
        for slug in role["sections"]:
            beats[slug].append(i)
    Author.objects.bulk_create(authors)
    photographer = next(a for a in authors if a.title == "Photographer")

    cast_names = iter(_unique_names(rng, len(CAST_ROLES) + 6 + len(COACHED_SPORTS), ADULT_FIRST))
    cast: dict[str, object] = {role: next(cast_names) for role in CAST_ROLES}
    cast["council"] = [next(cast_names) for _ in range(6)]
    cast["coaches"] = {sport: next(cast_names) for sport in COACHED_SPORTS}
    return Newsroom(
        sections=sections,
        section_weights=[section["share"] for section in SECTIONS],
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
