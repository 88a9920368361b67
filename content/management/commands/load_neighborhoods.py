"""``manage.py load_neighborhoods FILE.geojson``: the town's neighborhoods."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.geo import BoundaryError
from content.loaders import load_neighborhoods


class Command(BaseCommand):
    help = (
        "Replace the neighborhoods with those of a GeoJSON FeatureCollection of Polygons "
        "(properties: name, slug; WGS84), then place every crime report again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    def handle(self, *args, **options):
        try:
            result = load_neighborhoods(options["path"], dry_run=options["dry_run"])
        except BoundaryError as exc:
            raise CommandError(f"{options['path']}: {exc}; nothing loaded") from exc
        prefix = (
            "load_neighborhoods (dry run, nothing changed)"
            if options["dry_run"]
            else "load_neighborhoods"
        )
        self.stdout.write(f"{prefix}: {result.describe('neighborhoods')}")
        if options["verbosity"] > 1:
            for verb in ("added", "changed", "removed"):
                for name in getattr(result, verb):
                    self.stdout.write(f"  {verb}: {name}")
