"""Neighborhoods and the street file: where a crime report is.

A ``Neighborhood`` keeps its boundary as WKT text on SQLite and as a
GEOMETRY column with a SPATIAL INDEX on MariaDB (``PolygonField``), so the
database answers "which neighborhood holds this point?" with ``ST_Contains``
there, and shapely does the same in Python on SQLite (``content.locate``).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import models
from shapely.geometry import Polygon

from content import geo, routes


class Location(models.TextChoices):
    """How a crime report got its point, or why it has none."""

    ADDRESS = "address", "Address (street file)"
    HAND = "hand", "By hand"
    NOT_FOUND = "not-found", "Not on the map: address not found"
    AMBIGUOUS = "ambiguous", "Not on the map: address in two places"


class PolygonField(models.TextField):
    """A polygon, read and written as WKT.

    On MariaDB the column is GEOMETRY (NOT NULL, for its SPATIAL INDEX): the
    value goes in through ``ST_GeomFromText`` and comes out through
    ``ST_AsText``, the way GeoDjango's fields do it, without GDAL or GEOS.
    """

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "mysql":
            return "geometry"
        return super().db_type(connection)

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        if connection.vendor == "mysql":
            return "ST_GeomFromText(%s)"
        return "%s"

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        if compiler.connection.vendor == "mysql":
            return f"ST_AsText({sql})", params
        return sql, params


class Neighborhood(models.Model):
    """A neighborhood of the town, loaded from GeoJSON (``load_neighborhoods``)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    boundary = PolygonField(help_text="WGS84 longitude/latitude, as WKT.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return routes.neighborhood_url(self.slug)

    @cached_property
    def polygon(self) -> Polygon:
        return geo.parse_wkt_polygon(self.boundary)


class StreetSegment(models.Model):
    """One block of a street with its house numbers (``load_streets``)."""

    street = models.CharField(max_length=120)
    # The name as the geocoder compares it (geo.street_key): "main st".
    key = models.CharField(max_length=120, db_index=True)
    from_number = models.PositiveIntegerField()
    to_number = models.PositiveIntegerField()
    start_lon = models.FloatField()
    start_lat = models.FloatField()
    end_lon = models.FloatField()
    end_lat = models.FloatField()

    def __str__(self) -> str:
        return f"{self.from_number}-{self.to_number} {self.street}"

    @classmethod
    def of(cls, s: geo.Segment, **fields: Any) -> StreetSegment:
        return cls(
            street=s.street,
            key=s.key,
            from_number=s.from_number,
            to_number=s.to_number,
            start_lon=s.start[0],
            start_lat=s.start[1],
            end_lon=s.end[0],
            end_lat=s.end[1],
            **fields,
        )

    def segment(self) -> geo.Segment:
        return geo.Segment(
            self.street,
            self.from_number,
            self.to_number,
            (self.start_lon, self.start_lat),
            (self.end_lon, self.end_lat),
        )
