"""Demo birth announcements, from the names and phrases in ``data/births.toml``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from content.demo.photos import Photo, maybe_photo
from content.demo.text import body_html, long_date, weekday
from content.demo.timeline import Slugs, local_date, timeline
from content.demo.words import (
    LAST_NAMES,
    MODERN_FEMALE,
    MODERN_MALE,
    OLD_FEMALE_FIRST,
    OLD_MALE_FIRST,
    TOWNS,
    toml,
)
from content.models import Birth

_DATA = toml("births")
GIRLS: list[str] = _DATA["girls"]
BOYS: list[str] = _DATA["boys"]
MIDDLE_GIRLS: list[str] = _DATA["middle_girls"]
MIDDLE_BOYS: list[str] = _DATA["middle_boys"]
HOSPITALS: list[str] = _DATA["hospitals"]
SIBLINGS: list[str] = _DATA["siblings"]
GRANDPARENTS: list[str] = _DATA["grandparents"]


def birth_rows(
    rng: random.Random, n: int, anchor: date, span: int, photos: list[Photo]
) -> Iterator[Birth]:
    slugs = Slugs("birth")
    for birth_id, when in enumerate(timeline(rng, n, anchor, span, (60, 3 * 24 * 60)), start=1):
        girl = rng.random() < 0.5
        first = rng.choice(GIRLS if girl else BOYS)
        middle = rng.choice(MIDDLE_GIRLS if girl else MIDDLE_BOYS)
        mother, father = rng.choice(MODERN_FEMALE), rng.choice(MODERN_MALE)
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.8:
            parents = f"{mother} and {father} {last}"
        else:
            parents = f"{mother} {_other_than(rng, last)} and {father} {last}"
        baby_name = f"{first} {middle} {last}"
        he = "She" if girl else "He"
        hometown = "Millbrook" if rng.random() < 0.7 else rng.choice(TOWNS)
        born = local_date(when.created_at) - timedelta(days=rng.randint(2, 21))

        weight_pounds = weight_ounces = None
        blocks = [
            f"{baby_name} was born {weekday(born)}, {long_date(born)}, at "
            f"{rng.choice(HOSPITALS)}, to {parents} of {hometown}."
        ]
        if rng.random() < 0.85:
            weight_pounds, weight_ounces = rng.randint(5, 9), rng.randint(0, 15)
            ounces = f", {weight_ounces} ounce{'' if weight_ounces == 1 else 's'},"
            blocks.append(
                f"{he} weighed {weight_pounds} pounds{ounces if weight_ounces else ''} "
                f"and was {rng.randint(18, 22)} inches long."
            )
        if rng.random() < 0.5:
            sibling = f"{rng.choice(MODERN_FEMALE + MODERN_MALE)}, {rng.randint(2, 9)}"
            blocks.append(f"{first} {rng.choice(SIBLINGS).format(sibling=sibling)}.")
        if rng.random() < 0.8:
            blocks.append(
                rng.choice(GRANDPARENTS).format(
                    grand1=rng.choice(OLD_MALE_FIRST),
                    grand2=rng.choice(OLD_FEMALE_FIRST),
                    grand3=rng.choice(OLD_MALE_FIRST),
                    grand4=rng.choice(OLD_FEMALE_FIRST),
                    last1=_other_than(rng, last),
                    last2=last,
                    town1=rng.choice(("Millbrook", *TOWNS)),
                    town2=rng.choice(("Millbrook", *TOWNS)),
                )
            )

        photo = maybe_photo(rng, photos, f"{baby_name}, a few days old")
        yield Birth(
            id=birth_id,
            slug=slugs(baby_name),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            baby_name=baby_name,
            birth_date=born,
            parents=parents,
            hometown=hometown,
            weight_pounds=weight_pounds,
            weight_ounces=weight_ounces,
            **photo,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )


def _other_than(rng: random.Random, avoid: str) -> str:
    while (value := rng.choice(LAST_NAMES)) == avoid:
        pass
    return value
