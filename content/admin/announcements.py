"""Births, weddings and engagements in the admin."""

from __future__ import annotations

from django.contrib import admin

from content.admin.publishable import PUBLISHING_FIELDSET, PublishableAdmin, PublishStateFilter
from content.models import Birth, Wedding


@admin.register(Birth)
class BirthAdmin(PublishableAdmin):
    list_display = (
        "baby_name",
        "birth_date",
        "hometown",
        "live_state",
        "site_status",
        "publish_at",
        "updated_at",
    )
    search_fields = ("baby_name", "slug", "parents", "hometown")
    prepopulated_fields = {"slug": ("baby_name",)}
    fieldsets = (
        (
            "Content",
            {
                "fields": (
                    "baby_name",
                    "birth_date",
                    "parents",
                    "hometown",
                    ("weight_pounds", "weight_ounces"),
                    "body",
                )
            },
        ),
        ("Photo", {"fields": ("photo", "photo_alt")}),
        PUBLISHING_FIELDSET,
    )


@admin.register(Wedding)
class WeddingAdmin(PublishableAdmin):
    list_display = (
        "couple",
        "announcement",
        "date",
        "live_state",
        "site_status",
        "publish_at",
        "updated_at",
    )
    list_filter = (
        PublishStateFilter,
        "announcement",
        ("publish_at", admin.DateFieldListFilter),
    )
    search_fields = ("partner_one", "partner_two", "slug", "place")
    prepopulated_fields = {"slug": ("partner_one", "partner_two")}
    fieldsets = (
        (
            "Content",
            {
                "fields": (
                    ("partner_one", "partner_two"),
                    "announcement",
                    ("date", "place"),
                    "body",
                )
            },
        ),
        ("Photo", {"fields": ("photo", "photo_alt")}),
        PUBLISHING_FIELDSET,
    )

    @admin.display(description="couple", ordering="partner_one")
    def couple(self, obj: Wedding) -> str:
        return obj.title
