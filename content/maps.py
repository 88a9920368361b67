"""Maps drawn as inline SVG: part of the static page, no tile server, no
script. Longitude and latitude go onto the page's plane with the
longitude shrunk by the cosine of the latitude (a town is small: nothing
more is needed to keep its shape)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from shapely.geometry import Polygon

# Shades for counts, light to dark (the legend and the table say the numbers).
SHADES = ("#f3efe6", "#f2d4a6", "#e9a66b", "#d2693c", "#a63a21")
EMPTY_SHADE = "#ffffff"


@dataclass(frozen=True)
class Frame:
    west: float
    south: float
    east: float
    north: float
    width: int

    @classmethod
    def around(cls, polygons: Sequence[Polygon], width: int, margin: float = 0.04) -> Frame:
        west = min(p.bounds[0] for p in polygons)
        south = min(p.bounds[1] for p in polygons)
        east = max(p.bounds[2] for p in polygons)
        north = max(p.bounds[3] for p in polygons)
        pad_x, pad_y = (east - west) * margin or 0.001, (north - south) * margin or 0.001
        return cls(west - pad_x, south - pad_y, east + pad_x, north + pad_y, width)

    @property
    def scale(self) -> float:
        return self.width / ((self.east - self.west) * self._shrink)

    @property
    def _shrink(self) -> float:
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def height(self) -> int:
        return max(1, round((self.north - self.south) * self.scale))

    def xy(self, lon: float, lat: float) -> tuple[str, str]:
        x = (lon - self.west) * self._shrink * self.scale
        y = (self.north - lat) * self.scale
        return f"{x:.1f}", f"{y:.1f}"

    def path(self, polygon: Polygon) -> str:
        parts = []
        for ring in (polygon.exterior, *polygon.interiors):
            points = [" ".join(self.xy(x, y)) for x, y in ring.coords[:-1]]
            parts.append("M" + " L".join(points) + "Z")
        return "".join(parts)

    def open_svg(self, title_id: str, title: str, css: str) -> str:
        return (
            f'<svg class="{css}" viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{title_id}">{escape(title)}</title>'
        )


def shade(count: int, highest: int) -> str:
    if count <= 0 or highest <= 0:
        return EMPTY_SHADE
    return SHADES[min(len(SHADES) - 1, (count * len(SHADES) - 1) // highest)]


@dataclass(frozen=True)
class Area:
    name: str
    url: str
    polygon: Polygon
    count: int


def choropleth(areas: Sequence[Area], title: str, width: int = 600) -> str:
    """Every area shaded by its count, each a link to its page."""
    if not areas:
        return ""
    frame = Frame.around([a.polygon for a in areas], width)
    highest = max(a.count for a in areas)
    out = [frame.open_svg("map-title", title, "map choropleth")]
    for a in areas:
        label = f"{a.name}: {a.count:,} report{'' if a.count == 1 else 's'}"
        x, y = frame.xy(*a.polygon.representative_point().coords[0])
        out.append(
            f'<a href="{escape(a.url)}"><path d="{frame.path(a.polygon)}" '
            f'fill="{shade(a.count, highest)}" stroke="#333" stroke-width="1">'
            f"<title>{escape(label)}</title></path>"
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="11">{escape(a.name)}</text></a>'
        )
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Dot:
    lon: float
    lat: float
    label: str
    url: str


def dots_map(polygon: Polygon, dots: Sequence[Dot], title: str, width: int = 600) -> str:
    """One neighborhood's outline with points on it, each a link."""
    frame = Frame.around([polygon], width, margin=0.08)
    out = [
        frame.open_svg("map-title", title, "map dots"),
        f'<path d="{frame.path(polygon)}" fill="#f3efe6" stroke="#333" stroke-width="1.5"/>',
    ]
    for dot in dots:
        x, y = frame.xy(dot.lon, dot.lat)
        out.append(
            f'<a href="{escape(dot.url)}"><circle cx="{x}" cy="{y}" r="6" fill="#a63a21" '
            f'fill-opacity="0.7"><title>{escape(dot.label)}</title></circle></a>'
        )
    out.append("</svg>")
    return "".join(out)


def spot_map(polygon: Polygon, lon: float, lat: float, title: str, width: int = 240) -> str:
    """A small map: the neighborhood and one point (a crime report's page)."""
    frame = Frame.around([polygon], width, margin=0.1)
    x, y = frame.xy(lon, lat)
    return (
        frame.open_svg("spot-title", title, "map spot")
        + f'<path d="{frame.path(polygon)}" fill="#f3efe6" stroke="#333" stroke-width="1.5"/>'
        + f'<circle cx="{x}" cy="{y}" r="6" fill="#a63a21"/></svg>'
    )
