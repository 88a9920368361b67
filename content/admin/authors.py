"""The people in the bylines, in the admin."""

from __future__ import annotations

from django.contrib import admin

from content.models import Author


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    view_on_site = False
