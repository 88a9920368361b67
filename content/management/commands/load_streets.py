"""``manage.py load_streets FILE.csv``: the street file the geocoder reads."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.geo import STREET_COLUMNS, StreetFileError
from content.loaders import load_streets


class Command(BaseCommand):
    help = (
        "Replace the street segments with those of a CSV file "
        f"({','.join(STREET_COLUMNS)}), then place every crime report again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    def handle(self, *args, **options):
        try:
            result = load_streets(options["path"], dry_run=options["dry_run"])
        except StreetFileError as exc:
            raise CommandError(f"{exc}; nothing loaded") from exc
        prefix = "load_streets (dry run, nothing changed)" if options["dry_run"] else "load_streets"
        self.stdout.write(f"{prefix}: {result.describe('street segments')}")
