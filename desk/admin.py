"""The submissions queue in the admin.

Reporters and Editors see the queue and every submission (read-only: what a
reader sent stays as they sent it). Editors (``desk.moderate_submission``)
make a draft of an obituary, birth or wedding submission, mark a tip or a
letter handled, or decline any of them with a reason; each is a button on
the submission's page (``desk.moderation`` does the work).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from desk.models import Submission
from desk.moderation import (
    ITEM_MODELS,
    ModerationError,
    decline,
    make_draft,
    mark_handled,
    may_make_draft,
    may_moderate,
)
from desk.notify import tell_sender_of_decline
from publisher.headers import NOSNIFF, content_type

DECLINE_REASON_CHARS = 2000


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=DECLINE_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept with the submission; sent to the sender if you tick the box below.",
    )
    tell_sender = forms.BooleanField(label="Email the reason to the sender", required=False)


def item_change_url(kind: str, pk: int) -> str:
    model = next(m for m in ITEM_MODELS.values() if m.kind == kind)
    return reverse(f"admin:content_{model._meta.model_name}_change", args=[pk])


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("reference", "kind", "submitter", "received_at", "status", "result")
    list_filter = ("status", "kind", ("received_at", admin.DateFieldListFilter))
    search_fields = ("reference", "name", "email", "phone")
    list_per_page = 50
    show_full_result_count = False
    change_form_template = "admin/desk/submission/change_form.html"
    fieldsets = (
        (None, {"fields": ("reference", "kind", "status", "received_at")}),
        ("Sender", {"fields": ("name", "email", "phone")}),
        ("What they sent", {"fields": ("submitted", "photo_link")}),
        ("Decision", {"fields": ("decided_at", "decided_by", "decline_reason", "result")}),
    )
    readonly_fields = (
        "reference",
        "kind",
        "status",
        "received_at",
        "name",
        "email",
        "phone",
        "submitted",
        "photo_link",
        "decided_at",
        "decided_by",
        "decline_reason",
        "result",
    )

    # What a reader sent is kept as sent: no one adds or edits submissions here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="submitter", ordering="name")
    def submitter(self, obj: Submission) -> str:
        return obj.name or obj.email or obj.phone or "(anonymous)"

    @admin.display(description="what they sent")
    def submitted(self, obj: Submission) -> str:
        rows = ((name.replace("_", " "), value) for name, value in obj.fields.items())
        return format_html(
            '<table class="submitted">{}</table>',
            format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows),
        )

    @admin.display(description="photo")
    def photo_link(self, obj: Submission) -> str:
        if not obj.photo:
            return "—"
        url = reverse("admin:desk_submission_photo", args=[obj.pk])
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" style="max-width:320px;max-height:240px"></a>',
            url,
            url,
            obj.fields.get("photo_alt") or "The photo sent with this submission",
        )

    @admin.display(description="result")
    def result(self, obj: Submission) -> str:
        if obj.item_id:
            return format_html(
                '<a href="{}">The draft made of it</a>', item_change_url(obj.item_kind, obj.item_id)
            )
        return "—"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/draft/", view(self.draft_view), name="desk_submission_draft"),
            path("<int:pk>/handled/", view(self.handled_view), name="desk_submission_handled"),
            path("<int:pk>/decline/", view(self.decline_view), name="desk_submission_decline"),
            path("<int:pk>/photo/", view(self.photo_view), name="desk_submission_photo"),
            *super().get_urls(),
        ]

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any):
        obj = kwargs.get("obj")
        if obj is not None and obj.is_pending:
            context["may_make_draft"] = may_make_draft(request.user, obj)
            context["may_moderate"] = may_moderate(request.user)
            context["becomes_item"] = obj.kind in ITEM_MODELS
        return super().render_change_form(request, context, *args, **kwargs)

    def _submission(self, request: HttpRequest, pk: int) -> Submission:
        submission = get_object_or_404(Submission, pk=pk)
        if not may_moderate(request.user):
            raise PermissionDenied("only Editors decide on submissions")
        return submission

    def _back(self, submission: Submission) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:desk_submission_change", args=[submission.pk]))

    def draft_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        submission = self._submission(request, pk)
        if not may_make_draft(request.user, submission):
            raise PermissionDenied("you may not make this kind of item")
        try:
            item = make_draft(submission, request.user)
        except ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return self._back(submission)
        self.message_user(
            request,
            format_html(
                "Made a draft {} of submission {}: check it, then publish it.",
                item._meta.verbose_name,
                submission.reference,
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(item_change_url(item.kind, item.pk))

    def handled_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        submission = self._submission(request, pk)
        try:
            mark_handled(submission, request.user)
        except ModerationError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"Submission {submission.reference} marked handled.")
        return self._back(submission)

    def decline_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        submission = self._submission(request, pk)
        form = DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                declined = decline(submission, request.user, form.cleaned_data["reason"])
            except ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
                return self._back(submission)
            told = form.cleaned_data["tell_sender"] and tell_sender_of_decline(declined)
            self.message_user(
                request,
                f"Submission {submission.reference} declined"
                + ("; the sender was emailed the reason." if told else "."),
            )
            return self._back(submission)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Decline submission {submission.reference}",
            "submission": submission,
            "form": form,
        }
        return TemplateResponse(request, "admin/desk/submission/decline.html", context)

    def photo_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The submitted photo, for those who may read the queue (never public)."""
        submission = get_object_or_404(Submission, pk=pk)
        if not self.has_view_permission(request, submission):
            raise PermissionDenied("you may not read submissions")
        if not submission.photo:
            raise Http404("no photo")
        try:
            handle = submission.photo.open("rb")
        except OSError as exc:
            raise Http404("the photo file is missing") from exc
        response = FileResponse(handle, content_type=content_type("/" + submission.photo.name))
        response[NOSNIFF[0]] = NOSNIFF[1]
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


from desk import comment_admin  # noqa: E402, F401 (the comments queue registers itself)
