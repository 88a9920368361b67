"""The admin's backups page (/admin/backups/): the last restore drill's
result, so a failed drill is seen in the admin and not only in a mailbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from publisher.backups.drill import RESULT_FILE, read_result


def backups_status(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:  # operations, not the newsroom's work
        raise PermissionDenied
    drill = read_result(Path(settings.VAR_DIR) / RESULT_FILE)
    if drill is not None:
        started = datetime.fromisoformat(drill["started_at"]).astimezone(
            ZoneInfo(settings.TIME_ZONE)
        )
        drill["started"] = f"{started:%Y-%m-%d %H:%M %Z}"
    context = {
        **admin.site.each_context(request),
        "title": "Backups",
        "drill": drill,
        "engine": "mysql" if "mysql" in settings.DATABASES["default"]["ENGINE"] else "sqlite",
        "bucket": settings.BACKUP_S3_BUCKET,
    }
    return TemplateResponse(request, "admin/publisher/backups.html", context)
