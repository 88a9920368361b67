"""Loading the town's data: neighborhood boundaries (GeoJSON) and the street
file (CSV), each replacing what the database holds, then placing every
crime report again. The commands and ``seed_demo`` call these."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from content import geo
from content.locate import locate_all
from content.models import CrimeReport
from content.neighborhoods import Neighborhood, StreetSegment


@dataclass
class Loaded:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    placed: dict[str, int] = field(default_factory=dict)

    def describe(self, noun: str) -> str:
        parts = [
            f"{len(self.added)} {noun} added",
            f"{len(self.changed)} changed",
            f"{len(self.removed)} removed",
            f"{self.unchanged} unchanged",
        ]
        if self.placed:
            p = self.placed
            parts.append(
                f"crime reports: {p['mapped']} mapped, {p['outside']} outside the city, "
                f"{p['unmapped']} not on the map, {p['moved']} moved"
            )
        return ", ".join(parts)


def load_neighborhoods(path: Path, *, dry_run: bool = False, relocate: bool = True) -> Loaded:
    """Make the neighborhoods those of ``path``; raise geo.BoundaryError
    (nothing changed) for a file the checks refuse."""
    boundaries = geo.read_boundaries(path)
    result = Loaded()
    with transaction.atomic():
        existing = {h.slug: h for h in Neighborhood.objects.all()}
        for b in boundaries:
            hood = existing.pop(b.slug, None)
            if hood is None:
                result.added.append(b.name)
                if not dry_run:
                    Neighborhood.objects.create(name=b.name, slug=b.slug, boundary=b.wkt)
            elif hood.name != b.name or not hood.polygon.equals_exact(b.polygon, 0):
                result.changed.append(b.name)
                if not dry_run:
                    hood.name, hood.boundary = b.name, b.wkt
                    hood.save()
            else:
                result.unchanged += 1
        orphans: set[int] = set()
        for hood in existing.values():
            result.removed.append(hood.name)
            if not dry_run:
                # Their pages named it: saved again below even if they stay put.
                orphans.update(hood.crimes.values_list("id", flat=True))
                hood.delete()
        touched = result.added or result.changed or result.removed
        if touched and relocate and not dry_run:
            result.placed = locate_all(_every_crime(), always=orphans)
    return result


def load_streets(path: Path, *, dry_run: bool = False, relocate: bool = True) -> Loaded:
    """Make the street file that of ``path``; raise geo.StreetFileError."""
    segments = geo.read_streets(path)
    result = Loaded()
    new = {_row(s) for s in segments}
    with transaction.atomic():
        old = {}
        for row in StreetSegment.objects.order_by("id"):
            old.setdefault(_row(row.segment()), []).append(row.pk)
        result.added = sorted(f"{s[1]}-{s[2]} {s[0]}" for s in new - set(old))
        gone = set(old) - new
        result.removed = sorted(f"{s[1]}-{s[2]} {s[0]}" for s in gone)
        result.unchanged = len(new & set(old))
        if not dry_run and (result.added or result.removed):
            StreetSegment.objects.filter(pk__in=[pk for key in gone for pk in old[key]]).delete()
            StreetSegment.objects.bulk_create(
                [StreetSegment.of(s) for s in segments if _row(s) in new - set(old)],
                batch_size=500,
            )
            if relocate:
                result.placed = locate_all(_every_crime())
    return result


def _row(s: geo.Segment) -> tuple:
    return (s.street, s.from_number, s.to_number, s.start, s.end)


def _every_crime():
    return CrimeReport.objects.order_by("id").iterator(chunk_size=500)
