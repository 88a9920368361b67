"""Placing a crime report: its block address geocoded against the street
file (or a point set by hand, moved to its block), then the neighborhood
that holds the point.

Which neighborhood: on MariaDB the database answers, with ``ST_Contains``
over the SPATIAL INDEX of ``content_neighborhood.boundary``; on SQLite,
shapely in Python (``geo.Locator``). Both follow the border rule of
``content.geo``: a point on an edge is in; on a shared border, the first
slug wins; in none, "Outside the city".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from content import geo
from content.neighborhoods import Location, Neighborhood, StreetSegment

# A point set by hand looks for a block within this many degrees (about 300 m).
NEAR = 0.003

# On MariaDB: the neighborhood whose boundary holds a point, its edge
# included, the first slug on a shared border. MariaDB's ST_Contains counts
# edge points in with a tolerance of its own that Python cannot repeat (a
# point on a diagonal border went to one side in shapely, both in MariaDB),
# so both sides use one stated tolerance instead: a disc of geo.TOLERANCE
# (about 1 cm) around the point touching the polygon. The SPATIAL INDEX
# finds the candidates by their bounding boxes.
CONTAINS_SQL = (
    "SELECT id FROM content_neighborhood"
    " WHERE ST_Intersects(boundary, ST_Buffer(ST_GeomFromText(%s), %s)) ORDER BY slug LIMIT 1"
)


def spatial() -> bool:
    """Whether the database answers point-in-polygon itself (MariaDB/MySQL)."""
    return connection.vendor == "mysql"


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT({geo._num(lon)} {geo._num(lat)})"


def neighborhood_at(lon: float, lat: float, twin: _IdLocator | None = None) -> int | None:
    """The id of the neighborhood holding a point; None: outside the city.
    ``twin``: the SQLite path's locator, when placing many reports at once."""
    if spatial():
        with connection.cursor() as cursor:
            cursor.execute(CONTAINS_SQL, [point_wkt(lon, lat), geo.TOLERANCE])
            row = cursor.fetchone()
        return row[0] if row else None
    return (twin or python_locator())(lon, lat)


class _IdLocator:
    def __init__(self) -> None:
        hoods = list(Neighborhood.objects.order_by("slug"))
        self.ids = {h.slug: h.pk for h in hoods}
        self.locator = geo.Locator(geo.Boundary(h.name, h.slug, h.polygon) for h in hoods)

    def __call__(self, lon: float, lat: float) -> int | None:
        slug = self.locator(lon, lat)
        return None if slug is None else self.ids[slug]


def python_locator() -> _IdLocator:
    """shapely over every neighborhood: the SQLite path (and the twin the
    tests hold the database's answers against)."""
    return _IdLocator()


SEGMENT_COLUMNS = (
    "street",
    "from_number",
    "to_number",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
)


def _segments(rows: Any) -> list[geo.Segment]:
    # Plain rows, not model instances: a save reads a street's few dozen blocks.
    return [
        geo.Segment(street, low, high, (x1, y1), (x2, y2))
        for street, low, high, x1, y1, x2, y2 in rows.values_list(*SEGMENT_COLUMNS)
    ]


def segments_for(address: str) -> list[geo.Segment]:
    keys = geo.street_keys(address)
    return _segments(StreetSegment.objects.filter(key__in=keys).order_by("id"))


def segments_near(lon: float, lat: float) -> list[geo.Segment]:
    rows = StreetSegment.objects.filter(
        start_lon__gte=lon - NEAR - 0.01,
        start_lon__lte=lon + NEAR + 0.01,
        start_lat__gte=lat - NEAR - 0.01,
        start_lat__lte=lat + NEAR + 0.01,
    ).order_by("id")
    return _segments(rows)


@dataclass(frozen=True)
class Placed:
    location: str
    point: geo.Lonlat | None
    note: str


def place(crime: Any) -> Placed:
    """Where a report goes on the map (it changes nothing)."""
    if (
        crime.location == Location.HAND
        and crime.longitude is not None
        and crime.latitude is not None
    ):
        lon, lat = geo.snap_to_block(
            crime.longitude, crime.latitude, segments_near(crime.longitude, crime.latitude)
        )
        return Placed(Location.HAND, (lon, lat), "")
    found = geo.geocode(crime.address_block or "", segments_for(crime.address_block or ""))
    if found.status == geo.FOUND:
        return Placed(Location.ADDRESS, found.point, "")
    status = Location.AMBIGUOUS if found.status == geo.AMBIGUOUS else Location.NOT_FOUND
    return Placed(status, None, found.note[:300])


def locate(crime: Any, twin: _IdLocator | None = None) -> None:
    """Set a report's point, how it was placed and its neighborhood (not saved)."""
    placed = place(crime)
    crime.location, crime.location_note = placed.location, placed.note
    if placed.point is None:
        crime.longitude = crime.latitude = None
        crime.located_in_id = None
    else:
        crime.longitude, crime.latitude = placed.point
        crime.located_in_id = neighborhood_at(*placed.point, twin=twin)


def locate_all(crimes: Iterable[Any], always: set[int] = frozenset()) -> dict[str, int]:
    """Place every report again (after new boundaries or a new street file),
    saving those that moved, so their pages are published. Counts by outcome."""
    counts = {"mapped": 0, "outside": 0, "unmapped": 0, "moved": 0}
    twin = None if spatial() else python_locator()
    for crime in crimes:
        before = (
            crime.longitude,
            crime.latitude,
            crime.location,
            crime.location_note,
            crime.located_in_id,
        )
        locate(crime, twin)
        after = (
            crime.longitude,
            crime.latitude,
            crime.location,
            crime.location_note,
            crime.located_in_id,
        )
        if crime.longitude is None:
            counts["unmapped"] += 1
        elif crime.located_in_id is None:
            counts["outside"] += 1
        else:
            counts["mapped"] += 1
        if after != before or crime.pk in always:
            crime.save(located=True)
            counts["moved"] += 1
    return counts
