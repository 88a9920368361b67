"""manage.py publish: publish what is due now (cron runs it every minute).

Queued saves, scheduled releases whose time has come (embargoes ending) and
retries of failed publishes, through the same code as publishing on save;
then the pages time alone changed (the news sitemap's last 48 hours).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from publisher.publish import PublishError, process_queue, publish_expired
from publisher.queue import prune_jobs, release_due


class Command(BaseCommand):
    help = "Publish queued changes, scheduled releases and retries that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        released = release_due()
        prune_jobs()
        try:
            result = process_queue()
        except PublishError as exc:
            raise CommandError(f"publish failed (will be retried): {exc}") from exc
        expired = publish_expired()
        if expired.written and options["verbosity"] >= 1:
            self.stdout.write(f"publish: rewrote {', '.join(expired.written)} (out of date)")
        if options["verbosity"] >= 1 and (result.jobs or released or options["verbosity"] >= 2):
            what = (
                "full build"
                if result.full_build
                else (f"{len(result.written)} files written, {len(result.removed)} removed")
            )
            self.stdout.write(
                f"publish: {result.jobs} changes ({released} scheduled releases), "
                f"{what} in {result.seconds:.2f} s"
            )
