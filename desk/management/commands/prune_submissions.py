"""manage.py prune_submissions: delete the photos of submissions decided more
than PUBLISHER_SUBMISSIONS_KEEP_DAYS ago (cron runs it nightly)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from desk.retention import prune_photos


class Command(BaseCommand):
    help = (
        "Delete the photos of reader submissions declined, handled or made into a draft "
        "more than PUBLISHER_SUBMISSIONS_KEEP_DAYS ago (the submissions stay)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune_photos(dry_run=options["dry_run"])
        if options["verbosity"] >= 1:
            verb = "would delete" if options["dry_run"] else "deleted"
            self.stdout.write(
                f"prune_submissions: {verb} {pruned.photos} photos "
                f"({pruned.bytes / (1024 * 1024):.1f} MB) of submissions decided more than "
                f"{settings.PUBLISHER_SUBMISSIONS_KEEP_DAYS} days ago"
            )
