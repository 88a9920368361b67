"""The values a story's templates are filled with: ``{street}``, ``{mayor}``, ``{vote}``.

A template is a ``str.format`` string; every name in it is a key of
SLOT_MAKERS, made on first use and then shared by the story's other templates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from content.demo.newsroom import CAST_ROLES, COACHED_SPORTS
from content.demo.text import MONTHS, WEEKDAYS, ordinal, weekday
from content.demo.words import (
    ADULT_FIRST,
    BUSINESS_KINDS,
    BUSINESS_WORDS,
    CAUSES,
    CHURCHES,
    CITIES,
    CONTESTS,
    CONTRACTORS,
    EVENTS,
    FACTORIES,
    FORECASTS,
    LAST_NAMES,
    MEMORIES,
    MODERN_FEMALE,
    MODERN_FIRST,
    MODERN_MALE,
    ORGS,
    PARKS,
    PLAYS,
    PROJECTS,
    ROAD_WORK,
    SCHOOLS,
    STREETS,
    SUBJECTS,
    TOWNS,
)

STREET_SUFFIXES = {"St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane"}


class Slots(dict):
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


def _score(rng: random.Random, low: int, high: int, margin: int | None = None) -> str:
    winner = rng.randint(low, high)
    loser = rng.randint(max(0, winner - (margin or winner)), winner - 1)
    return f"{winner}-{loser}"


def _street(name_suffix: tuple[str, str]) -> str:
    name, suffix = name_suffix
    return f"{name} {STREET_SUFFIXES[suffix]}"


def _business(s: Slots) -> str:
    kind = s["business_kind"]
    last = s["owner"].split()[-1]
    return s.rng.choice(
        [f"{last}'s {kind.title()}", f"{s.rng.choice(BUSINESS_WORDS)} {kind.title()}"]
    )


SLOT_MAKERS: dict[str, Callable[[Slots], str]] = {
    # Places
    "street": lambda s: _street(s.distinct("street", STREETS)),
    "street2": lambda s: _street(s.distinct("street2", STREETS)),
    "cross": lambda s: f"{ordinal(s.rng.randint(1, 9))} {s.rng.choice(('Street', 'Avenue'))}",
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
    "day": lambda s: weekday(s.day - timedelta(days=1)),
    "next_day": lambda s: weekday(s.day + timedelta(days=s.rng.randint(2, 6))),
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
for _role in CAST_ROLES:
    SLOT_MAKERS[_role] = lambda s, role=_role: s.cast[role]
for _sport in COACHED_SPORTS:
    SLOT_MAKERS[f"coach_{_sport}"] = lambda s, sport=_sport: s.cast["coaches"][sport]


def _adult(s: Slots) -> Callable[[], str]:
    return lambda: f"{s.rng.choice(ADULT_FIRST)} {s.rng.choice(LAST_NAMES)}"


def _young(s: Slots, firsts: Sequence[str] = ()) -> Callable[[], str]:
    return lambda: f"{s.rng.choice(firsts or MODERN_FIRST)} {s.rng.choice(LAST_NAMES)}"


def _school_year(day: date) -> str:
    # The school year that starts next fall: budgets are set in spring.
    start = day.year if day.month <= 6 else day.year + 1
    return f"{start}-{(start + 1) % 100:02d}"
