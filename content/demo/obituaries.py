"""Demo obituaries, from the phrases in ``data/obituaries.toml``."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from content.demo.newsroom import Newsroom
from content.demo.photos import Images
from content.demo.text import MONTHS, body_html, clock, long_date, number, series, weekday
from content.demo.timeline import Slugs, local_date, timeline
from content.demo.words import (
    CHURCHES,
    LAST_NAMES,
    OLD_FEMALE_FIRST,
    OLD_MALE_FIRST,
    TOWNS,
    toml,
)
from content.models import Obituary, age_on

_PHRASES = toml("obituaries")
PLACES_OF_DEATH: list[str] = _PHRASES["places_of_death"]
BIRTHPLACES: list[str] = _PHRASES["birthplaces"]
HIGH_SCHOOLS: list[str] = _PHRASES["high_schools"]
EMPLOYERS: list[str] = _PHRASES["employers"]
HOBBIES: list[str] = _PHRASES["hobbies"]
ASIDES: list[str] = _PHRASES["asides"]
SIBLINGS: list[str] = _PHRASES["siblings"]
PRECEDED: list[str] = _PHRASES["preceded"]
NO_SERVICE: list[str] = _PHRASES["no_service"]
MEMORIALS: list[str] = _PHRASES["memorials"]
FUNERAL_HOMES: list[str] = _PHRASES["funeral_homes"]


def obituary_rows(
    rng: random.Random,
    n: int,
    anchor: date,
    span: int,
    newsroom: Newsroom,
    images: Images,
) -> Iterator[Obituary]:
    tz = timezone.get_default_timezone()
    slugs = Slugs("obituary")
    for obit_id, when in enumerate(timeline(rng, n, anchor, span, (60, 2 * 24 * 60)), start=1):
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

        created_day = local_date(when.created_at)
        death_date = created_day - timedelta(days=rng.randint(1, 4))
        years_lived = round(rng.triangular(45, 102, 88))
        birth_date = death_date - timedelta(days=round(years_lived * 365.25) + rng.randint(0, 364))
        age = age_on(birth_date, death_date)
        hometown = "Millbrook" if rng.random() < 0.7 else rng.choice(TOWNS)

        service_time, service_place = None, ""
        if rng.random() < 0.85:
            service_day = local_date(when.publish_at) + timedelta(days=rng.randint(2, 6))
            service_time = datetime.combine(
                service_day, time(rng.choice((10, 10, 11, 13, 14))), tzinfo=tz
            ).astimezone(UTC)
            service_place = (
                rng.choice([*CHURCHES, *FUNERAL_HOMES])
                + ", "
                + rng.choice(("Millbrook", "Millbrook", "Millbrook", *TOWNS[:3]))
            )

        blocks = [
            f"{full_name}, {age}, of {hometown}, died {weekday(death_date)}, "
            f"{long_date(death_date)}, {rng.choice(PLACES_OF_DEATH)}.",
            f"{first} was born {long_date(birth_date)}, in {rng.choice(BIRTHPLACES)}, to "
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
            aside = rng.choice(ASIDES).format(his=his.lower())
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
            survivors.append(f"{number(children)} {'child' if children == 1 else 'children'}")
            survivors.append(
                f"{number(grandchildren)} grandchild{'' if grandchildren == 1 else 'ren'}"
            )
        survivors.append(rng.choice(SIBLINGS))
        preceded.append(rng.choice(PRECEDED))
        blocks.append(f"Survivors include {series(survivors)}.")
        if rng.random() < 0.6:
            blocks.append(f"{he} was preceded in death by {series(preceded)}.")
        if service_time:
            local_service = timezone.localtime(service_time, tz)
            blocks.append(
                f"Services will be at {clock(local_service)} {weekday(local_service.date())}, "
                f"{MONTHS[local_service.month - 1]} {local_service.day}, at {service_place}. "
                "Visitation will be one hour before the service."
            )
        else:
            blocks.append(rng.choice(NO_SERVICE))
        if rng.random() < 0.6:
            blocks.append(f"Memorials may be made to {rng.choice(MEMORIALS)}.")

        photo, photo_alt, size = "", "", {}
        if rng.random() < 1 / 5:
            portrait = rng.choice(images.portraits)
            photo, photo_alt = portrait.name, f"Portrait of {full_name}"
            size = {
                "photo_width": portrait.width,
                "photo_height": portrait.height,
                "photo_digest": portrait.digest,
            }
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
            **size,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )


def _other_than(rng: random.Random, options: Sequence[str], avoid: str) -> str:
    while (value := rng.choice(options)) == avoid:
        pass
    return value
