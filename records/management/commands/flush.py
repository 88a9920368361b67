"""``manage.py flush``, Django's own, allowed to empty the append-only audit
log (``records.append_only``): emptying the whole database is the one
maintenance that deletes audit lines. The test suite resets the database
between tests with it."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from records.append_only import audit_maintenance


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with audit_maintenance(options["database"]):
            super().handle(**options)
