"""The record in the admin: every item's history (a diff between any two
revisions, and restore), the takedown request queue, the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import reversion
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from publisher.pages.registry import registry
from records.decisions import COMMENT, DECIDE_PERMISSION, check_decision, decide, item_of
from records.models import AuditEntry, TakedownRequest, log
from records.revisions import (
    acting_as,
    kind_of_version,
    publishing_the_revert,
    refuse_before_decision,
)


class HistoryAdmin(CompareVersionAdmin):
    """Mixed into each kind's own admin: History lists the revisions (who,
    when, what), compares any two, and reverts through the publish path."""

    history_latest_first = True

    @contextmanager
    def create_revision(self, request: HttpRequest) -> Iterator[None]:
        # Not in a transaction of its own (reversion's default): the admin
        # renders a body before its saving transaction (on SQLite, the write
        # lock), and must still. The admin's own transaction holds the save;
        # the revision follows right after it.
        with reversion.create_revision(atomic=False):
            reversion.set_user(request.user)
            yield

    def _reversion_revisionform_view(
        self, request: HttpRequest, version: Version, template_name: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "POST":
            return super()._reversion_revisionform_view(
                request, version, template_name, extra_context
            )
        kind = kind_of_version(version)
        try:
            refuse_before_decision(version)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        with publishing_the_revert(kind, version.object_id):
            return super()._reversion_revisionform_view(
                request, version, template_name, extra_context
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Not one revision for a whole list action ("Publish now" on ten
        # items): one per item, each restorable alone.
        with acting_as(request.user):
            return admin.ModelAdmin.changelist_view(self, request, extra_context)


def add_history_to_kinds(site: admin.AdminSite) -> None:
    """Give every item kind's admin its history (by declaration: a new kind
    in the registry gets it too)."""
    for kind in registry().item_kinds:
        model = kind.model
        current = site._registry.get(model)
        if current is None or isinstance(current, HistoryAdmin):
            continue
        site.unregister(model)
        site.register(model, type(type(current).__name__, (HistoryAdmin, type(current)), {}))


add_history_to_kinds(admin.site)


class TakedownForm(forms.ModelForm):
    kind = forms.ChoiceField(label="kind of item")

    class Meta:
        model = TakedownRequest
        fields = (
            "requester",
            "contact",
            "kind",
            "object_id",
            "reason",
            "received_at",
            "decision",
            "names",
            "replacement",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [
                (kind.name, kind.label.capitalize()) for kind in registry().item_kinds
            ] + [(COMMENT.name, COMMENT.label.capitalize())]

    def _post_clean(self) -> None:
        super()._post_clean()  # the instance now holds the form's values
        if self.errors:
            return
        try:
            if "kind" in self.fields:
                item_of(self.instance)  # the item exists
            if "decision" in self.fields and self.instance.decision:
                check_decision(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(TakedownRequest)
class TakedownRequestAdmin(admin.ModelAdmin):
    """The queue. Reporters log requests; editors decide them. A decision is
    applied when the form is saved with one, and is then part of the record."""

    form = TakedownForm
    list_display = ("__str__", "item", "received_at", "status", "decision", "decided_by")
    list_filter = ("status", "decision", "kind")
    search_fields = ("requester", "contact", "reason")
    date_hierarchy = "received_at"
    decision_fields = ("decision", "names", "replacement", "note")
    record_fields = ("status", "decided_by", "decided_at", "logged_by", "item")

    def can_decide(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE_PERMISSION)

    def get_fieldsets(self, request: HttpRequest, obj: TakedownRequest | None = None) -> Any:
        sets = [
            (
                "The request",
                {"fields": ("requester", "contact", "kind", "object_id", "reason", "received_at")},
            ),
        ]
        if obj is not None:
            sets.append(("Decision", {"fields": (*self.decision_fields, *self.record_fields)}))
        return sets

    def get_readonly_fields(self, request: HttpRequest, obj: TakedownRequest | None = None) -> Any:
        if obj is None:
            return ()
        if obj.is_decided:
            return [f.name for f in TakedownRequest._meta.fields if f.name != "id"] + ["item"]
        if not self.can_decide(request):
            return [*self.decision_fields, *self.record_fields]
        return self.record_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # requests are part of the record

    @admin.display(description="item")
    def item(self, obj: TakedownRequest) -> str:
        kind = registry().kinds.get(obj.kind)
        if kind is None:
            return f"{obj.kind} #{obj.object_id}"
        found = kind.model.objects.filter(pk=obj.object_id).first()
        try:
            url = reverse(
                f"admin:{kind.model._meta.app_label}_{kind.model._meta.model_name}_change",
                args=[obj.object_id],
            )
        except NoReverseMatch:
            return f"{kind.label} #{obj.object_id}"
        return format_html(
            '<a href="{}">{} #{}: {}</a>', url, kind.label, obj.object_id, found or "gone"
        )

    def save_model(
        self, request: HttpRequest, obj: TakedownRequest, form: Any, change: bool
    ) -> None:
        if not change:
            obj.logged_by = request.user
            super().save_model(request, obj, form, change)
            log("request logged", request.user, obj, f"{obj.requester}: {obj.reason[:200]}")
            return
        if obj.decision and not obj.is_decided and self.can_decide(request):
            try:
                decide(obj, request.user)  # saves the request, decided
                request.decided = obj.get_decision_display()
                return
            except (ValidationError, PermissionDenied) as exc:
                # Nothing of the decision happened (its own savepoint);
                # the request stays waiting and the editor is told why.
                request.decision_error = " ".join(getattr(exc, "messages", [str(exc)]))
                obj.decision = ""
        super().save_model(request, obj, form, change)

    def response_change(self, request: HttpRequest, obj: TakedownRequest) -> HttpResponse:
        if error := getattr(request, "decision_error", None):
            messages.error(request, f"The decision was not applied: {error}")
            return redirect(request.path)
        if decided := getattr(request, "decided", None):
            messages.success(request, f"Decided: {decided}. The site follows in this publish.")
        return super().response_change(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included."""

    list_display = ("at", "actor_name", "action", "request", "kind", "object_id", "detail")
    list_filter = ("action", "kind")
    search_fields = ("detail", "actor_name")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        return {}
