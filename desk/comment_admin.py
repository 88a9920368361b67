"""The comments queue in the admin, under the Community desk.

Newest first, each with the headline of what it is about and why it waits;
filters by state, by kind and by the reason it was held; a click on a
headline or a commenter filters the queue to that story or that address.
Editors (``desk.moderate_comment``) approve, reject (with a reason kept),
mark as spam, remove, and block commenters, one at a time or in bulk (the
action menu; every control is a form field, so the keyboard reaches it).
The commenter page exports (JSON) or erases everything one address wrote.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator

from content.models import COMMENT_ITEMS, Comment
from desk import comment_moderation as moderation
from desk.comments import HELD_REASONS
from desk.models import BlockedCommenter, CommentQueue

REASON_CHARS = 2000


class HeldFilter(admin.SimpleListFilter):
    title = "why held"
    parameter_name = "held"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(HELD_REASONS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in HELD_REASONS:
            # held_for is "first,links": match a whole entry.
            return queryset.filter(held_for__regex=rf"(^|,){value}(,|$)")
        return queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text="Kept with each comment; never shown to readers.",
    )


class CommenterForm(forms.Form):
    email = forms.EmailField(label="Commenter's email")


@admin.register(CommentQueue)
class CommentQueueAdmin(admin.ModelAdmin):
    list_display = ("posted_at", "commenter", "excerpt", "on", "status", "why_held")
    list_display_links = ("posted_at",)
    list_filter = ("status", "kind", HeldFilter)
    search_fields = ("name", "email", "body")
    ordering = ("-posted_at", "-id")
    list_per_page = 100
    show_full_result_count = False
    actions = ["approve", "reject", "spam", "remove", "block"]
    fields = (
        "status",
        "on",
        "name",
        "email",
        "body",
        "parent",
        "posted_at",
        "why_held",
        "decided_at",
        "decided_by",
        "reason",
        "wants_replies",
        "replies_confirmed_at",
    )
    readonly_fields = fields

    # What a reader wrote stays as written: the queue decides, it does not edit.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # erasure (the commenter page) keeps an audit line

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return moderation.may_moderate(request.user)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        attach_items(changelist.result_list)
        return changelist

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup in ("item_id", "email"):  # the headline's and the commenter's links
            return True
        return super().lookup_allowed(lookup, value, request)

    # -- columns -------------------------------------------------------------

    @admin.display(description="commenter", ordering="email")
    def commenter(self, obj: Comment) -> str:
        if not obj.email:
            return "(erased)"
        url = "?" + urlencode({"email": obj.email})
        return format_html('{}<br><a href="{}">{}</a>', obj.name, url, obj.email)

    @admin.display(description="comment")
    def excerpt(self, obj: Comment) -> str:
        text = Truncator(obj.body).chars(200)
        if obj.parent_id:
            return format_html("<i>Reply:</i> {}", text)
        return text

    @admin.display(description="on")
    def on(self, obj: Comment) -> str:
        item = getattr(obj, "_queue_item", None)
        if item is None and "_queue_item" not in obj.__dict__:
            item = obj.item
        title = item.title if item is not None else "(deleted)"
        url = "?" + urlencode({"kind__exact": obj.kind, "item_id": obj.item_id})
        return format_html('{}: <a href="{}">{}</a>', obj.get_kind_display(), url, title)

    @admin.display(description="why held")
    def why_held(self, obj: Comment) -> str:
        reasons = [HELD_REASONS.get(r, r) for r in obj.held_for.split(",") if r]
        return "; ".join(reasons) or "—"

    # -- actions -------------------------------------------------------------

    @admin.action(description="Approve the selected comments", permissions=["moderate"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = moderation.approve(list(queryset), request.user)
        self.message_user(request, f"Approved {len(done)}; their pages are being republished.")

    @admin.action(
        description="Reject the selected comments (with a reason)", permissions=["moderate"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(request, queryset, "reject", moderation.reject, "Rejected")

    @admin.action(description="Mark the selected comments as spam", permissions=["moderate"])
    def spam(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = moderation.mark_spam(list(queryset), request.user)
        self.message_user(request, f"Marked {len(done)} as spam.")

    @admin.action(
        description="Remove the selected comments from their pages (with a reason)",
        permissions=["moderate"],
    )
    def remove(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._with_reason(request, queryset, "remove", moderation.remove, "Removed")

    @admin.action(description="Block the selected comments' commenters", permissions=["moderate"])
    def block(self, request: HttpRequest, queryset: QuerySet) -> None:
        made = moderation.block(queryset.values_list("email", flat=True), request.user)
        self.message_user(request, f"Blocked {made} commenter(s): their comments will always wait.")

    def _with_reason(self, request, queryset, action, do, done_word) -> HttpResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                done = do(list(queryset), request.user, form.cleaned_data["reason"])
            except moderation.CommentModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(request, f"{done_word} {len(done)}.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{done_word[:-1]} {queryset.count()} comment(s)",
            "form": form,
            "action": action,
            "comments": list(queryset[:100]),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/desk/commentqueue/reason.html", context)

    # -- a commenter's rights ---------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("commenter/", view(self.commenter_view), name="desk_commentqueue_commenter"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {
            "commenter_url": reverse("admin:desk_commentqueue_commenter"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def commenter_view(self, request: HttpRequest) -> HttpResponse:
        """Export (JSON) or erase everything one email address wrote."""
        if not moderation.may_moderate(request.user):
            raise PermissionDenied("only Editors export or erase a commenter's comments")
        form = CommenterForm(request.POST or request.GET or None)
        count = None
        if form.is_valid():
            email = form.cleaned_data["email"].lower()
            if request.method == "POST" and "export" in request.POST:
                response = HttpResponse(moderation.export(email), content_type="application/json")
                response["Content-Disposition"] = 'attachment; filename="comments.json"'
                return response
            if request.method == "POST" and request.POST.get("erase") == email:
                erased = moderation.erase(email, request.user)
                self.message_user(
                    request,
                    f"Erased {erased} comment(s) of {email}; their pages are being republished.",
                )
                return TemplateResponse(
                    request,
                    "admin/desk/commentqueue/commenter.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.opts,
                        "title": "A commenter's comments",
                        "form": CommenterForm(),
                        "count": None,
                    },
                )
            count = Comment.objects.filter(email=email).count()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "A commenter's comments",
            "form": form,
            "count": count,
        }
        return TemplateResponse(request, "admin/desk/commentqueue/commenter.html", context)


def attach_items(comments: Any) -> None:
    """Each comment's item, one query per kind for a page of the queue."""
    wanted: dict[str, set[int]] = {}
    for comment in comments:
        wanted.setdefault(comment.kind, set()).add(comment.item_id)
    found = {
        (kind, item.pk): item
        for kind, ids in wanted.items()
        for item in COMMENT_ITEMS[kind].objects.filter(pk__in=ids)
    }
    for comment in comments:
        comment._queue_item = found.get((comment.kind, comment.item_id))


@admin.register(BlockedCommenter)
class BlockedCommenterAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "blocked_at", "blocked_by")
    search_fields = ("email",)
    fields = ("email", "reason")

    def save_model(
        self, request: HttpRequest, obj: BlockedCommenter, form: Any, change: bool
    ) -> None:
        if not change:
            obj.blocked_by = request.user
        super().save_model(request, obj, form, change)
