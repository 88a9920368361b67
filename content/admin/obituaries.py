"""Obituaries in the admin."""

from __future__ import annotations

from django.contrib import admin

from content.admin.publishable import COMMENTS_FIELDSET, PUBLISHING_FIELDSET, PublishableAdmin
from content.models import Obituary


@admin.register(Obituary)
class ObituaryAdmin(PublishableAdmin):
    list_display = (
        "full_name",
        "death_date",
        "live_state",
        "site_status",
        "publish_at",
        "updated_at",
    )
    search_fields = ("full_name", "slug", "hometown")
    prepopulated_fields = {"slug": ("full_name",)}
    fieldsets = (
        (
            "Content",
            {
                "fields": (
                    "full_name",
                    ("birth_date", "death_date", "age"),
                    "hometown",
                    ("service_time", "service_place"),
                    "body",
                )
            },
        ),
        ("Photo", {"fields": ("photo", "photo_alt")}),
        PUBLISHING_FIELDSET,
        COMMENTS_FIELDSET,
    )
