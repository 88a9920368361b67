"""System checks for the publisher's settings (``manage.py check`` runs them,
and so does every command). Each has a stable id and says what to set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@register(Tags.compatibility)
def check_publisher_settings(app_configs: Any = None, **kwargs: Any) -> list:
    problems: list = []
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    existing = _nearest_existing(build_dir)
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        problems.append(
            Error(
                f"The build directory {build_dir} cannot be created or written.",
                hint="Set PUBLISHER_BUILD_DIR to a directory this user can write.",
                id="publisher.E001",
            )
        )
    media = Path(settings.MEDIA_ROOT).resolve()
    if media == build_dir.resolve() or build_dir.resolve() in media.parents:
        problems.append(
            Error(
                f"MEDIA_ROOT ({media}) is inside the build directory, where old "
                "releases are deleted.",
                hint="Set PUBLISHER_MEDIA_ROOT to a directory outside PUBLISHER_BUILD_DIR.",
                id="publisher.E002",
            )
        )
    if settings.PUBLISHER_S3_BUCKET:
        from publisher.deploy.ownership import prefix_problem

        problem = prefix_problem(
            settings.PUBLISHER_S3_BUCKET,
            settings.PUBLISHER_S3_PREFIX.strip("/"),
            settings.PUBLISHER_S3_OWNS_BUCKET,
        )
        if problem:
            # A warning, not an error: it must not stop backups or the admin;
            # deploy and publishing's push refuse on their own.
            problems.append(
                Warning(
                    f"{problem[0]}: deploy and publishing to S3 refuse to run.",
                    hint=problem[1],
                    id="publisher.W002",
                )
            )
    if settings.DEBUG and settings.PUBLISHER_SITE_URL.startswith("https://"):
        problems.append(
            Warning(
                "DJANGO_DEBUG is on while PUBLISHER_SITE_URL looks like production.",
                hint="Set DJANGO_DEBUG=false on a public server.",
                id="publisher.W001",
            )
        )
    if settings.PUBLISHER_TRUSTED_PROXY and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        problems.append(
            Warning(
                "PUBLISHER_TRUSTED_PROXY is set, but Django does not believe X-Forwarded-Proto: "
                "the admin behind the TLS terminator will think it is served over http.",
                hint="Set DJANGO_HTTPS_PROXY=true as well.",
                id="publisher.W003",
            )
        )
    return problems


@register(Tags.database)
def check_mysql_time_zones(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """MySQL/MariaDB need their time zone tables for the admin's date filters."""
    from django.db import connections

    problems: list = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "mysql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', %s)", [settings.TIME_ZONE]
            )
            (converted,) = cursor.fetchone()
        if converted is None:
            problems.append(
                Error(
                    f"The database server {alias!r} has no time zone tables, so date "
                    "lookups in the admin fail.",
                    hint="Load them once: mariadb-tzinfo-to-sql /usr/share/zoneinfo | "
                    "mariadb -u root mysql",
                    id="publisher.E003",
                )
            )
    return problems


@register(Tags.compatibility)
def check_binlog_server(app_configs: Any = None, **kwargs: Any) -> list:
    """With backups configured on MariaDB: what the server lacks for backups to
    the minute (binary logs, ROW format, expiry, the user's rights)."""
    from django.db import DatabaseError, connections

    connection = connections["default"]
    if not settings.BACKUP_S3_BUCKET or connection.vendor != "mysql":
        return []
    from publisher.backups.binlogs import server_requirements

    try:
        with connection.cursor() as cursor:
            found = server_requirements(cursor)
    except DatabaseError:
        return []  # the server is down or refuses us: other checks and commands say so
    return [Warning(problem, hint=hint, id=check_id) for check_id, problem, hint in found]
