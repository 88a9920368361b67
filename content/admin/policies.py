"""The unpublishing policy in the admin: one page, edited in place."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from content.policies import UnpublishingPolicy


@admin.register(UnpublishingPolicy)
class UnpublishingPolicyAdmin(admin.ModelAdmin):
    list_display = ("title", "updated_at")
    fields = ("title", "body", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy: the first save makes it, then it is edited.
        return super().has_add_permission(request) and not UnpublishingPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
