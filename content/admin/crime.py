"""Crime reports in the admin, with the "Not on the map" queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from content.admin.publishable import (
    COMMENTS_FIELDSET,
    PUBLISHING_FIELDSET,
    PublishableAdmin,
    PublishStateFilter,
)
from content.models import CrimeReport, Location


class MapFilter(admin.SimpleListFilter):
    """The editors' "Not on the map" queue: reports whose address did not
    geocode (or geocoded to two places), saved and waiting for a corrected
    address or a point set by hand; and those placed outside the city."""

    title = "map"
    parameter_name = "map"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("unmapped", "Not on the map"), ("outside", "Outside the city")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "unmapped":
                return queryset.filter(longitude__isnull=True)
            case "outside":
                return queryset.filter(longitude__isnull=False, located_in__isnull=True)
        return queryset


@admin.register(CrimeReport)
class CrimeReportAdmin(PublishableAdmin):
    list_display = (
        "title",
        "incident_type",
        "address_block",
        "live_state",
        "site_status",
        "publish_at",
        "updated_at",
    )
    list_filter = (
        PublishStateFilter,
        "incident_type",
        MapFilter,
        ("publish_at", admin.DateFieldListFilter),
    )
    search_fields = ("title", "slug", "case_number", "address_block", "neighborhood")
    prepopulated_fields = {"slug": ("title",)}
    fieldsets = (
        (
            "Content",
            {
                "fields": (
                    "title",
                    ("incident_type", "occurred_at"),
                    ("address_block", "neighborhood"),
                    "case_number",
                    "body",
                )
            },
        ),
        ("Map", {"fields": (("latitude", "longitude"), "location", "location_note", "located_in")}),
        PUBLISHING_FIELDSET,
        COMMENTS_FIELDSET,
    )
    readonly_fields = (*PublishableAdmin.readonly_fields, "location", "location_note", "located_in")

    def save_model(self, request: HttpRequest, obj: CrimeReport, form: Any, change: bool) -> None:
        # A point typed by hand wins over the address until it is cleared; a
        # new address with the point untouched is geocoded again.
        if {"latitude", "longitude"} & set(form.changed_data):
            by_hand = obj.latitude is not None and obj.longitude is not None
            obj.location = Location.HAND if by_hand else Location.ADDRESS
        elif "address_block" in form.changed_data:
            obj.location = Location.ADDRESS
        super().save_model(request, obj, form, change)
