"""``manage.py comments_digest``: mail the newsroom how many readers'
comments wait for an editor (cron, once a day; nothing when none waits)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from desk.notify_comments import send_digest


class Command(BaseCommand):
    help = "Mail the newsroom a digest of the comments waiting for approval."

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = send_digest()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"comments_digest: {waiting} waiting" + ("" if waiting else ", no mail")
            )
