"""Neighborhood boundaries and the street file, as plain data: reading them,
refusing bad ones, and answering "where is this block?" (no Django here).

Coordinates are WGS84 longitude/latitude, computed on the plane as MariaDB's
``ST_Contains`` does (a town is small enough that the earth's curve changes
no answer), rounded to 6 decimals (about 10 cm) so both databases and Python
see the very same numbers.

The border rule: a point inside a neighborhood or on its edge (within
``TOLERANCE``, about 1 cm) belongs to it;
a point on a border two neighborhoods share goes to the one whose slug sorts
first; a point in none is "Outside the city".
"""

from __future__ import annotations

import csv
import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import Point, Polygon
from shapely.validation import explain_validity

DIGITS = 6
# A point this near a neighborhood (degrees, about 1 cm) is in it: the border
# rule's one tolerance, the same in MariaDB and in shapely.
TOLERANCE = 1e-7
Lonlat = tuple[float, float]


class BoundaryError(ValueError):
    """A boundary file the loader refuses; the message names the feature."""


class StreetFileError(ValueError):
    """A street file the loader refuses; the message names the line."""


def rounded(lon: float, lat: float) -> Lonlat:
    return round(lon, DIGITS), round(lat, DIGITS)


# -- Boundaries -------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    name: str
    slug: str
    polygon: Polygon

    @property
    def wkt(self) -> str:
        return polygon_wkt(self.polygon)


def polygon_wkt(polygon: Polygon) -> str:
    """WKT with 6 decimals: what both databases store and read back."""
    rings = [polygon.exterior, *polygon.interiors]
    parts = []
    for ring in rings:
        parts.append(", ".join(f"{_num(x)} {_num(y)}" for x, y in ring.coords))
    return "POLYGON(" + ", ".join(f"({part})" for part in parts) + ")"


def _num(value: float) -> str:
    text = f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def read_boundaries(path: Path) -> list[Boundary]:
    """The neighborhoods of a GeoJSON FeatureCollection, checked (see ``check``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"{path}: not a readable GeoJSON file ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryError(f"{path}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError(f"{path}: no features")
    return check([_boundary(number, feature) for number, feature in enumerate(features, 1)])


def _boundary(number: int, feature: object) -> Boundary:
    where = f"feature {number}"
    if not isinstance(feature, dict):
        raise BoundaryError(f"{where}: not a GeoJSON feature")
    props = feature.get("properties") or {}
    name = str(props.get("name") or "").strip()
    if not name:
        raise BoundaryError(f"{where}: no name (properties.name)")
    where = f"feature {number} ({name})"
    slug = str(props.get("slug") or "").strip()
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) or len(slug) > 80:
        raise BoundaryError(f"{where}: slug {slug!r} must be lowercase letters, digits and hyphens")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise BoundaryError(f"{where}: the geometry must be a Polygon (got {kind!r})")
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise BoundaryError(f"{where}: a Polygon needs at least one ring")
    for index, ring in enumerate(rings):
        label = "outer ring" if index == 0 else f"hole {index}"
        if not isinstance(ring, list) or not all(_is_position(p) for p in ring):
            raise BoundaryError(f"{where}: {label} is not a list of [longitude, latitude]")
        if len(ring) < 4:
            raise BoundaryError(f"{where}: {label} has {len(ring)} positions; a ring needs 4")
        if ring[0] != ring[-1]:
            raise BoundaryError(f"{where}: {label} is not closed (first and last differ)")
        for lon, lat in (p[:2] for p in ring):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise BoundaryError(
                    f"{where}: {label} has [{lon}, {lat}], not a WGS84 longitude, latitude"
                )
    polygon = Polygon(
        [rounded(*p[:2]) for p in rings[0]], [[rounded(*p[:2]) for p in r] for r in rings[1:]]
    )
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        raise BoundaryError(f"{where}: the polygon is invalid: {_explain(reason)}")
    return Boundary(name=name, slug=slug, polygon=polygon)


def _is_position(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
        and all(math.isfinite(v) for v in value[:2])
    )


def _explain(reason: str) -> str:
    # GEOS says "Self-intersection[x y]"; editors read "crosses itself at x, y".
    match = re.match(r"([A-Za-z -]+)\[([-\d.e]+) ([-\d.e]+)\]", reason)
    if not match:
        return reason
    what, x, y = match.groups()
    if what.lower().startswith(("self-intersection", "ring self-intersection")):
        what = "the boundary crosses itself"
    return f"{what} at {float(x):.6f}, {float(y):.6f}"


def check(boundaries: Sequence[Boundary]) -> list[Boundary]:
    """Refuse two features with one name or slug, and polygons that overlap
    (sharing a border is fine: that is what neighbors do)."""
    seen: dict[str, str] = {}
    for b in boundaries:
        for key in (f"slug {b.slug}", f"name {b.name.lower()}"):
            if key in seen:
                raise BoundaryError(f"{b.name}: same {key.split()[0]} as {seen[key]}")
            seen[key] = b.name
    tree = shapely.STRtree([b.polygon for b in boundaries])
    for index, b in enumerate(boundaries):
        for other_index in tree.query(b.polygon):
            if other_index <= index:
                continue
            other = boundaries[other_index]
            shared = b.polygon.intersection(other.polygon)
            if shared.area > 0:
                x, y = shared.representative_point().coords[0]
                raise BoundaryError(
                    f"{b.name} and {other.name} overlap (around {x:.6f}, {y:.6f}); "
                    "neighborhoods may share a border, not ground"
                )
    return list(boundaries)


def neighborhood_of(boundaries: Sequence[Boundary], lon: float, lat: float) -> str | None:
    """The slug of the neighborhood a point is in, by the border rule (see the
    module); None: outside the city. The Python twin of the database's lookup."""
    point = Point(lon, lat)
    found = [b.slug for b in boundaries if b.polygon.dwithin(point, TOLERANCE)]
    return min(found) if found else None


class Locator:
    """``neighborhood_of`` over many points: an R-tree of the boundaries'
    boxes, then the exact test on the few candidates."""

    def __init__(self, boundaries: Iterable[Boundary]) -> None:
        self.boundaries = sorted(boundaries, key=lambda b: b.slug)
        self.tree = shapely.STRtree([b.polygon for b in self.boundaries])
        for b in self.boundaries:
            shapely.prepare(b.polygon)

    def __call__(self, lon: float, lat: float) -> str | None:
        point = Point(lon, lat)
        for index in sorted(self.tree.query(point, predicate="dwithin", distance=TOLERANCE)):
            if self.boundaries[index].polygon.dwithin(point, TOLERANCE):
                return self.boundaries[index].slug
        return None


# -- Streets ----------------------------------------------------------------------

# What editors and police blotters write for the same street type.
SUFFIXES = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "lane": "ln",
    "boulevard": "blvd",
    "court": "ct",
    "place": "pl",
    "highway": "hwy",
    "parkway": "pkwy",
    "terrace": "ter",
}
STREET_COLUMNS = (
    "street",
    "from_number",
    "to_number",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
)


def street_key(name: str) -> str:
    """A street's name as the geocoder compares it: "Main Street." -> "main st"."""
    words = re.sub(r"[.,]", " ", name.lower()).split()
    if words:
        words[-1] = SUFFIXES.get(words[-1], words[-1])
    return " ".join(words)


@dataclass(frozen=True)
class Segment:
    """A piece of street from one corner to the next, with its house numbers."""

    street: str
    from_number: int
    to_number: int
    start: Lonlat
    end: Lonlat

    @functools.cached_property
    def key(self) -> str:  # compared for every segment of the file by geocode()
        return street_key(self.street)

    @property
    def middle(self) -> Lonlat:
        return rounded((self.start[0] + self.end[0]) / 2, (self.start[1] + self.end[1]) / 2)


def read_streets(path: Path) -> list[Segment]:
    """The segments of a street file: CSV with the header ``STREET_COLUMNS``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StreetFileError(f"{path}: not a readable text file ({exc})") from exc
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header) != STREET_COLUMNS:
        raise StreetFileError(f"{path}, line 1: the header must be {','.join(STREET_COLUMNS)}")
    out = []
    for number, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        where = f"{path.name}, line {number}"
        if len(row) != len(STREET_COLUMNS):
            raise StreetFileError(f"{where}: {len(row)} columns, expected {len(STREET_COLUMNS)}")
        street = row[0].strip()
        if not street:
            raise StreetFileError(f"{where}: no street name")
        try:
            low, high = int(row[1]), int(row[2])
            coords = [float(v) for v in row[3:]]
        except ValueError as exc:
            raise StreetFileError(f"{where}: {exc}") from exc
        if low < 0 or high < low:
            raise StreetFileError(f"{where}: house numbers {low}-{high} run backwards")
        if not all(math.isfinite(v) for v in coords) or not all(
            -180 <= coords[i] <= 180 and -90 <= coords[i + 1] <= 90 for i in (0, 2)
        ):
            raise StreetFileError(f"{where}: not WGS84 longitude, latitude pairs")
        start, end = rounded(*coords[:2]), rounded(*coords[2:])
        if start == end:
            raise StreetFileError(f"{where}: the segment starts where it ends")
        out.append(Segment(street, low, high, start, end))
    if not out:
        raise StreetFileError(f"{path}: no street segments")
    return out


# -- Geocoding block addresses ----------------------------------------------------

BLOCK = re.compile(r"^(\d*00) block of (.+)$", re.IGNORECASE)
CORNER = re.compile(r"^(.+?) (?:and|&) (.+)$", re.IGNORECASE)
FOUND, NOT_FOUND, AMBIGUOUS = "found", "not-found", "ambiguous"
# Two matches nearer than this (degrees, about 150 m) are one place: a block
# cut into two segments, a corner drawn twice.
SAME_PLACE = 0.0015


@dataclass(frozen=True)
class Geocoded:
    status: str
    point: Lonlat | None = None
    note: str = ""


def geocode(address: str, segments: Sequence[Segment]) -> Geocoded:
    """Where a block address ("1400 block of Main St") or a corner ("Main St
    and 5th Ave") is: the middle of the block, or the corner, never a house.
    ``segments`` are the street file's (a town's few thousand)."""
    address = " ".join(address.split())
    block = BLOCK.match(address)
    if block:
        number, street = int(block.group(1)), block.group(2)
        key = street_key(street)
        named = [s for s in segments if s.key == key]
        if not named:
            return Geocoded(NOT_FOUND, note=f"no street named {street!r} in the street file")
        on_block = [s for s in named if s.from_number <= number + 99 and s.to_number >= number]
        if not on_block:
            low = min(s.from_number for s in named)
            high = max(s.to_number for s in named)
            return Geocoded(
                NOT_FOUND,
                note=f"{street} runs from {low} to {high}: no {number} block in the street file",
            )
        return _one_place([s.middle for s in on_block], address)
    corner = CORNER.match(address)
    if corner:
        first, second = (street_key(corner.group(i)) for i in (1, 2))
        ends_a = _ends([s for s in segments if s.key == first])
        ends_b = _ends([s for s in segments if s.key == second])
        for name, ends in ((corner.group(1), ends_a), (corner.group(2), ends_b)):
            if not ends:
                return Geocoded(NOT_FOUND, note=f"no street named {name!r} in the street file")
        meets = sorted(ends_a & ends_b)
        if not meets:
            return Geocoded(NOT_FOUND, note=f"{corner.group(1)} and {corner.group(2)} never meet")
        return _one_place(meets, address)
    return Geocoded(NOT_FOUND, note="neither “N00 block of Street” nor “Street and Street”")


def street_keys(address: str) -> set[str]:
    """The streets an address names, as ``street_key``s (to fetch their segments)."""
    address = " ".join(address.split())
    block = BLOCK.match(address)
    if block:
        return {street_key(block.group(2))}
    corner = CORNER.match(address)
    if corner:
        return {street_key(corner.group(1)), street_key(corner.group(2))}
    return set()


def _ends(segments: Iterable[Segment]) -> set[Lonlat]:
    return {end for s in segments for end in (s.start, s.end)}


def _one_place(points: Sequence[Lonlat], address: str) -> Geocoded:
    places: list[list[Lonlat]] = []
    for point in points:
        for place in places:
            if any(math.dist(point, other) < SAME_PLACE for other in place):
                place.append(point)
                break
        else:
            places.append([point])
    if len(places) > 1:
        where = "; ".join(f"{p[0][1]:.5f}, {p[0][0]:.5f}" for p in places[:3])
        return Geocoded(AMBIGUOUS, note=f"{len(places)} places in the street file: {where}")
    place = sorted(places[0])
    lon = sum(p[0] for p in place) / len(place)
    lat = sum(p[1] for p in place) / len(place)
    return Geocoded(FOUND, point=rounded(lon, lat))


def snap_to_block(lon: float, lat: float, segments: Sequence[Segment]) -> Lonlat:
    """A point set by hand, moved to the middle of the nearest block (privacy:
    a map never shows which house). With no street near (300 m), it is
    rounded to about 100 m instead."""
    best: tuple[float, Lonlat] | None = None
    for s in segments:
        distance = _to_segment((lon, lat), s.start, s.end)
        if best is None or distance < best[0]:
            best = (distance, s.middle)
    if best is not None and best[0] < 0.003:
        return best[1]
    return round(lon, 3), round(lat, 3)


def _to_segment(p: Lonlat, a: Lonlat, b: Lonlat) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.dist(p, (ax + t * dx, ay + t * dy))


def parse_wkt_polygon(wkt: str) -> Polygon:
    return shapely.from_wkt(wkt)
