"""The sections of the paper in the admin."""

from __future__ import annotations

from django.contrib import admin

from content.models import Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    view_on_site = False
