"""System checks of the record."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db.migrations.executor import MigrationExecutor

from records.append_only import missing_triggers


@register(Tags.database)
def check_audit_triggers(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """The audit log's triggers are in place once its migration ran (a SQLite
    table rebuilt by a later migration drops them)."""
    from django.db import connections

    problems: list = []
    for alias in databases or []:
        connection = connections[alias]
        applied = MigrationExecutor(connection).loader.applied_migrations
        # By name, not number: the number may change when branches merge.
        if not any(
            app == "records" and name.endswith("_audit_log_guarded_in_the_database")
            for app, name in applied
        ):
            continue  # migrate makes them
        if missing := missing_triggers(alias):
            problems.append(
                Warning(
                    f"The audit log of database {alias!r} lacks its triggers "
                    f"({', '.join(missing)}): scripts could change or delete its lines.",
                    hint="Make them again: migrate records back to the migration before "
                    "*_audit_log_guarded_in_the_database, then forward (manage.py migrate "
                    "records <that one>; manage.py migrate records).",
                    id="records.W001",
                )
            )
    return problems
