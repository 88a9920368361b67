"""The record in the admin: every item's history (a diff between any two
revisions, and restore), the takedown request queue, the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from content.admin import prerender
from publisher.pages.registry import registry
from publisher.publish import PublishError
from records.decisions import (
    COMMENT,
    DECIDE_PERMISSION,
    NotYetGone,
    check_decision,
    decide,
    item_of,
    publish_decision,
    render_beforehand,
)
from records.models import AuditEntry, Decision, TakedownRequest, log
from records.revisions import (
    acting_as,
    check_single_item,
    kind_of_version,
    publishing_the_revert,
    refuse_before_decision,
)


class HistoryAdmin(CompareVersionAdmin):
    """Mixed into each kind's own admin: History lists the revisions (who,
    when, what), compares any two, and reverts through the publish path.

    Reverting and recovering are decided on the row as stored, before
    django-reversion writes anything: reversion writes the old rows first and
    only then runs the change form, whose permission check would otherwise
    see the old (perhaps draft) row instead of the live one."""

    history_latest_first = True

    def _refuse_under_decision(self, request: HttpRequest, object_id: Any) -> None:
        """The history of an item anonymised or removed by a takedown decision
        holds what the decision took out: editors only read it."""
        if request.user.has_perm(DECIDE_PERMISSION):
            return
        kind = registry().kind_of(self.model)
        if kind is not None and under_decision(kind.name, object_id):
            raise PermissionDenied(
                "This item is under a takedown decision: only editors read its history."
            )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        self._refuse_under_decision(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def _version(self, version_id: Any, **lookup: Any) -> Version:
        # Of this admin's model only: a revision of another kind with the same
        # number would be written raw under this kind's permission check.
        return get_object_or_404(
            Version.objects.select_related("revision"),
            pk=version_id,
            content_type=ContentType.objects.get_for_model(self.model),
            **lookup,
        )

    def _decide_on_stored_row(self, request: HttpRequest, version: Version) -> None:
        """May this user save the form of ``version``? Decided on the row as
        stored now, and kept on the request for the change form's own check."""
        stored = self.model._default_manager.filter(pk=version.object_id).first()
        if stored is None:
            # Recovering a deleted item: as adding one. A Reporter's comes
            # back as a draft (the change form saves theirs as drafts).
            allowed = self.has_add_permission(request) and self.has_change_permission(request)
        else:
            allowed = self.has_change_permission(request, stored)
        request.stored_row_verdict = (str(version.object_id), allowed)
        if allowed:
            return
        if request.method == "POST":
            raise PermissionDenied("Only an editor can restore a revision of this item.")
        if stored is not None and self.has_change_permission(request):
            # They may change drafts: this one is refused for being on the site.
            messages.info(
                request,
                f"This {self.opts.verbose_name} is live or scheduled: only an editor can "
                "restore one of its revisions. You can read it here.",
            )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        verdict = getattr(request, "stored_row_verdict", None)
        if obj is not None and verdict is not None and verdict[0] == str(obj.pk):
            # Inside the revert, obj is the reverted row, not the stored one.
            return verdict[1]
        return super().has_change_permission(request, obj)

    def revision_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        version = self._version(version_id, object_id=unquote(object_id))
        self._refuse_under_decision(request, version.object_id)
        self._decide_on_stored_row(request, version)
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(
        self, request: HttpRequest, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # Reversion's recover takes any revision, of an item that still
        # exists too: the same decision as a revert.
        version = self._version(version_id)
        self._refuse_under_decision(request, version.object_id)
        self._decide_on_stored_row(request, version)
        return super().recover_view(request, version_id, extra_context)

    def compare_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # reversion-compare checks no permission of its own.
        obj = get_object_or_404(self.model, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        self._refuse_under_decision(request, obj.pk)
        return super().compare_view(request, object_id, extra_context)

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
            check_single_item(version)
            refuse_before_decision(version)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        # Before the revert's transaction (SQLite's write lock), as the change
        # form renders before its own.
        request.rendered_body = prerender(request.POST.get("body", ""))
        with publishing_the_revert(kind, version.object_id):
            return super()._reversion_revisionform_view(
                request, version, template_name, extra_context
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Not one revision for a whole list action ("Publish now" on ten
        # items): one per item, each restorable alone.
        with acting_as(request.user):
            return admin.ModelAdmin.changelist_view(self, request, extra_context)


def under_decision(kind: str, object_id: Any) -> bool:
    """Was the item anonymised or removed by a takedown decision?"""
    return TakedownRequest.objects.filter(
        kind=kind,
        object_id=object_id,
        status=TakedownRequest.Status.DECIDED,
        decision__in=[Decision.ANONYMISE, Decision.REMOVE],
    ).exists()


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

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        # A Reporter's form has no decision; one posted anyway (a crafted POST,
        # a form kept open from before a change of role) is refused outright
        # rather than saved without it under "changed successfully".
        if (
            request.method == "POST"
            and request.POST.get("decision")
            and not self.can_decide(request)
        ):
            raise PermissionDenied("Only editors decide takedown requests.")
        if request.method == "POST" and request.POST.get("decision") and object_id:
            # The admin runs this view in a transaction, which on SQLite holds
            # the write lock from its start: render the item's new body before.
            request.decision_rendered = self._render_beforehand(request, unquote(object_id))
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if (decided := getattr(request, "to_publish", None)) is not None:
            # Committed: publish it now, and say only what is true of the site.
            try:
                messages.info(request, publish_decision(decided, request.user))
            except NotYetGone as exc:
                messages.error(
                    request,
                    "The decision is applied, but not done: "
                    + "; ".join(exc.places)
                    + ". Add the spelling to a new request, or edit the item.",
                )
            except PublishError as exc:
                messages.error(
                    request,
                    f"The decision is applied, but publishing it failed ({exc}); it is retried.",
                )
        return response

    def _render_beforehand(self, request: HttpRequest, pk: str) -> tuple[str, str] | None:
        stored = TakedownRequest.objects.filter(pk=pk).first() if pk.isdigit() else None
        if stored is None or stored.is_decided:
            return None
        proposal = TakedownRequest(
            pk=stored.pk,
            kind=request.POST.get("kind", stored.kind),
            object_id=request.POST.get("object_id") or stored.object_id,
            decision=request.POST.get("decision", ""),
            names=request.POST.get("names", ""),
            replacement=request.POST.get("replacement", ""),
        )
        return render_beforehand(proposal)

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
                # Saves the request, decided.
                decide(obj, request.user, getattr(request, "decision_rendered", None))
                request.decided = obj.get_decision_display()
                request.to_publish = obj  # after the commit: changeform_view
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
