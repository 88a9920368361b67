"""Millbrook's map: the made-up town's neighborhoods (``data/town/
neighborhoods.geojson``) and street file (``data/town/streets.csv``), and the
block addresses demo crime reports give, most of them real blocks of it.

About one in nine does not geocode, as in a real police log: a street the
file does not know, a block past a street's end, the "100 block of Park Ave"
of a town with two Park Aves, two streets that never meet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import connection

from content import geo
from content.demo.words import DATA
from content.neighborhoods import Neighborhood, StreetSegment

NEIGHBORHOODS_FILE = DATA / "town" / "neighborhoods.geojson"
STREETS_FILE = DATA / "town" / "streets.csv"
# Streets of the police log that are not in Millbrook's street file.
ELSEWHERE = ("Hickory Ln", "Orchard Ln", "Sunset Dr", "Highland Dr", "College Ave")


@dataclass
class Town:
    segments: list[geo.Segment]
    locate: geo.Locator
    ids: dict[str, int]
    names: dict[str, str]
    corners: list[tuple[str, str]]
    # Addresses repeat (a town has a few hundred blocks): each is geocoded
    # once, so a 40,000-report archive does not scan the street file 40,000 times.
    placed: dict[str, dict] = field(default_factory=dict)

    def address(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.05:
            return f"{rng.randint(1, 9)}00 block of {rng.choice(ELSEWHERE)}"
        if roll < 0.08:
            street = rng.choice(
                [s.street for s in self.segments if s.street.endswith(("Rd", "Ave"))]
            )
            return f"{rng.randint(30, 39)}00 block of {street}"
        if roll < 0.10:
            return f"{rng.randint(1, 2)}00 block of Park Ave"
        if roll < 0.11:
            return "Main St and Elm St"  # parallel streets
        if roll < 0.70:
            s = rng.choice(self.segments)
            return f"{s.from_number} block of {s.street}"
        first, second = rng.choice(self.corners)
        return f"{first} and {second}"

    def place(self, address: str) -> dict:
        """The fields a report gets from its address (``content.locate``'s
        answer, computed here in Python for a whole demo at once)."""
        if address not in self.placed:
            self.placed[address] = self._place(address)
        return dict(self.placed[address])

    def _place(self, address: str) -> dict:
        found = geo.geocode(address, self.segments)
        if found.point is None:
            status = "ambiguous" if found.status == geo.AMBIGUOUS else "not-found"
            return {"location": status, "location_note": found.note[:300]}
        slug = self.locate(*found.point)
        return {
            "location": "address",
            "longitude": found.point[0],
            "latitude": found.point[1],
            "located_in_id": None if slug is None else self.ids[slug],
        }


def load_town() -> Town:
    """Write the town's neighborhoods and streets (replacing any) and return it."""
    boundaries = geo.read_boundaries(NEIGHBORHOODS_FILE)
    segments = geo.read_streets(STREETS_FILE)
    with connection.cursor() as cursor:
        for model in (StreetSegment, Neighborhood):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)
    # bulk_create: no publish job for each (the demo is built as a whole).
    Neighborhood.objects.bulk_create(
        [
            Neighborhood(id=pk, name=b.name, slug=b.slug, boundary=b.wkt)
            for pk, b in enumerate(boundaries, start=1)
        ]
    )
    StreetSegment.objects.bulk_create(
        [StreetSegment.of(s, id=pk) for pk, s in enumerate(segments, start=1)],
        batch_size=500,
    )
    ids = dict(Neighborhood.objects.values_list("slug", "id"))
    by_corner: dict[geo.Lonlat, set[str]] = {}
    for s in segments:
        for end in (s.start, s.end):
            by_corner.setdefault(end, set()).add(s.street)
    corners = sorted(
        tuple(sorted(streets))[:2] for streets in by_corner.values() if len(streets) >= 2
    )
    return Town(
        segments=segments,
        locate=geo.Locator(boundaries),
        ids=ids,
        names={b.slug: b.name for b in boundaries},
        corners=corners,
    )
