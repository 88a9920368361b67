"""What the admins of every kind of item share: the publishing fields, the
Draft/Scheduled/Live filter, the photo widget, the body rendered outside
the save's transaction, and the publish and unpublish actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.widgets import AdminFileWidget
from django.db import router, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from content.models import PhotoField, Publishable, Status
from content.text import MAX_BODY_CHARS, render_body
from publisher.models import PublishJob

PUBLISHING_FIELDSET = (
    "Publishing",
    {
        "fields": ("slug", "status", "publish_at", "publishing"),
        "description": "A published item goes live at its publish time; "
        "drafts and items with a future publish time stay off the site.",
    },
)
# Readers' comments (a guestbook on obituaries): the site's rule, open or closed.
COMMENTS_FIELDSET = ("Readers' comments", {"fields": ("comments",)})

# The three states an editor cares about, in the words the list shows.
DRAFT, SCHEDULED, LIVE = "Draft", "Scheduled", "Live"


def publish_state(obj: Publishable, now: datetime | None = None) -> str:
    """Draft, Scheduled (published with a future publish time) or Live."""
    if obj.status != Status.PUBLISHED:
        return DRAFT
    return SCHEDULED if obj.publish_at > (now or timezone.now()) else LIVE


class PublishStateFilter(admin.SimpleListFilter):
    """Filter by status, splitting "published" into scheduled and live.

    Status alone cannot answer "what is waiting to go out?", which is the
    question an editor on deadline asks.
    """

    title = "status"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("draft", DRAFT), ("scheduled", SCHEDULED), ("live", LIVE)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        match self.value():
            case "draft":
                return queryset.exclude(status=Status.PUBLISHED)
            case "scheduled":
                return queryset.filter(status=Status.PUBLISHED, publish_at__gt=now)
            case "live":
                return queryset.published(at=now)
        return queryset


def prerender(body: str) -> tuple[str, str] | None:
    """(body, body_html) for a body as the form will clean it; None when the
    form will refuse it for its length, so nothing renders in vain."""
    body = body.strip()  # as the form field strips it
    if len(body) > MAX_BODY_CHARS:
        return None
    return body, render_body(body)


def _locked(queryset: QuerySet) -> QuerySet:
    # Lock the rows so an editor's save cannot land between reading the body
    # and writing the body_html rendered from it; only the item rows, not the
    # sections the changelist joins.
    return queryset.select_related(None).prefetch_related(None).select_for_update()


def label_split_datetimes(form: Any) -> None:
    """The admin's date and time boxes share one <label> with no ``for``:
    give each its own name, so a screen reader says which box it is in."""
    for field in form.base_fields.values():
        widget = field.widget
        if isinstance(widget, forms.MultiWidget) and len(widget.widgets) == 2:
            date_box, time_box = widget.widgets
            date_box.attrs["aria-label"] = f"{field.label}: date"
            time_box.attrs["aria-label"] = f"{field.label}: time"


class _EditorsCopy:
    """A stored photo as the admin links it: to the login-only copy, since a
    draft's photo is not on the live site (``/media/``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.url = reverse("preview_media", args=[name])

    def __str__(self) -> str:
        return self.name


class PhotoWidget(AdminFileWidget):
    def format_value(self, value: Any) -> Any:
        return _EditorsCopy(value.name) if self.is_initial(value) else None


class PublishableForm(forms.ModelForm):
    # Not stored: ticking it stamps the item "Updated" now (shown_updated_at).
    show_as_updated = forms.BooleanField(
        label="Show as updated",
        required=False,
        help_text="Tick for a change readers should be told of (new facts, a new "
        "development): the page then shows “Updated” with this time. Leave it "
        "unticked for a typo fix.",
    )


class PublishableAdmin(admin.ModelAdmin):
    """What the admins of every kind of item share."""

    form = PublishableForm

    date_hierarchy = "publish_at"
    list_filter: tuple = (PublishStateFilter, ("publish_at", admin.DateFieldListFilter))
    actions = ["publish_now", "unpublish"]
    change_form_template = "admin/content/publishable_change_form.html"
    # The live URL depends on the publisher's page registry and only means
    # something once an item is live; editors use the Preview link instead.
    view_on_site = False
    # The unfiltered total is a second COUNT(*) over a table that grows every
    # day; the paginator's count is enough.
    show_full_result_count = False
    save_on_top = True

    readonly_fields = ("publishing", "shown_updated_at")
    formfield_overrides = {PhotoField: {"widget": PhotoWidget}}

    def get_form(self, request: HttpRequest, obj: Publishable | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        label_split_datetimes(form)
        return form

    # Reporters write drafts; only editors (the publish permission) put
    # anything on the site or change what is there.
    def can_publish(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"content.publish_{self.opts.model_name}")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return self.can_publish(request)

    def get_fieldsets(self, request: HttpRequest, obj: Publishable | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.pk is None:
            return fieldsets  # nothing to update yet
        extra = ("show_as_updated", "shown_updated_at") if self.can_publish(request) else ()
        return [
            (name, {**options, "fields": (*options["fields"], *extra)})
            if name == PUBLISHING_FIELDSET[0]
            else (name, options)
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Publishable | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if self.can_publish(request) else [*fields, "status"]

    # History's revert and recover ask this of the row as stored, before
    # django-reversion writes the old one (records.admin.HistoryAdmin).
    def has_change_permission(self, request: HttpRequest, obj: Publishable | None = None) -> bool:
        if obj is not None and obj.status == Status.PUBLISHED and not self.can_publish(request):
            return False  # live or scheduled: an editor's call
        return super().has_change_permission(request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The admin runs this whole view in a transaction, and on SQLite that
        # transaction holds the write lock from its start: render the body
        # before it, so no editor's save waits on another's Markdown.
        if request.method == "POST" and not hasattr(request, "rendered_body"):
            # (History's revert renders before its own transaction, records.admin.)
            request.rendered_body = prerender(request.POST.get("body", ""))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Publishable, form: Any, change: bool) -> None:
        if not self.can_publish(request):
            obj.status = Status.DRAFT  # the field is read-only for them; never trust a form
        elif change and form.cleaned_data.get("show_as_updated"):
            obj.shown_updated_at = timezone.now()
        if rendered := getattr(request, "rendered_body", None):
            obj.use_rendered(*rendered)
        super().save_model(request, obj, form, change)

    @admin.display(description="live?", ordering="status")
    def live_state(self, obj: Publishable) -> str:
        return publish_state(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The latest publish job's status for every row, in the same query.
        latest = PublishJob.objects.filter(
            kind=self.model.kind, object_id=OuterRef("pk"), due_at__lte=Now()
        ).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                publish_status=Subquery(latest.values("status")[:1]),
                publish_error=Subquery(latest.values("error")[:1]),
            )
        )

    @admin.display(description="site")
    def site_status(self, obj: Publishable) -> str:
        status = getattr(obj, "publish_status", None)
        if status is None:
            return "—"
        label = PublishJob.Status(status).label
        if obj.publish_error:
            return f"{label}: retrying after an error" if status == "queued" else f"{label}!"
        return label

    @admin.display(description="on the site")
    def publishing(self, obj: Publishable | None) -> str:
        """Where the item is live, when it was last published, and any failure."""
        if obj is None or obj.pk is None:
            return "Not saved yet."
        jobs = PublishJob.objects.filter(kind=obj.kind, object_id=obj.pk).filter(
            Q(due_at__lte=timezone.now()) | Q(attempts__gt=0)
        )
        latest = jobs.order_by("-id").first()
        last_live = jobs.filter(status=PublishJob.Status.LIVE).order_by("-finished_at").first()
        parts = []
        if obj.is_published:
            url = obj.get_absolute_url()
            live_url = settings.PUBLISHER_SITE_URL + url
            parts.append(format_html('Live at <a href="{}" target="_blank">{}</a>.', live_url, url))
        elif obj.status == Status.PUBLISHED:
            parts.append(
                format_html(
                    "Scheduled: goes live at {}.",
                    date_format(timezone.localtime(obj.publish_at), "DATETIME_FORMAT"),
                )
            )
        else:
            parts.append("Draft: not on the site.")
        if last_live is not None and last_live.finished_at:
            parts.append(
                format_html(
                    "Last published {}.",
                    date_format(timezone.localtime(last_live.finished_at), "DATETIME_FORMAT"),
                )
            )
        if latest is not None and latest.status in (
            PublishJob.Status.QUEUED,
            PublishJob.Status.RUNNING,
        ):
            parts.append(format_html("Publishing: {}.", latest.get_status_display().lower()))
        if latest is not None and latest.error and latest.status != PublishJob.Status.LIVE:
            parts.append(
                format_html(
                    '<strong class="errornote">Publishing failed: {}</strong> '
                    "It is retried automatically; saving again retries now.",
                    latest.error,
                )
            )
        return format_html_join(" ", "{}", ((part,) for part in parts))

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Publishable | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            context["preview_url"] = reverse("preview", args=[obj.kind, obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        published = already_live = 0
        # Rendered before the transaction (see changeform_view); a body edited
        # meanwhile is rendered again in save().
        rendered = {
            pk: (body, render_body(body))
            for pk, body in queryset.order_by().values_list("pk", "body")
        }
        # One transaction: work queued with on_commit (rendering the affected
        # pages) starts only once every selected row is written.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in _locked(queryset):
                if publish_state(obj, now) == LIVE:
                    # Moving a live item's publish time would move its dated URL.
                    already_live += 1
                    continue
                obj.status = Status.PUBLISHED
                obj.publish_at = now
                if obj.pk in rendered:
                    obj.use_rendered(*rendered[obj.pk])
                # save(), not update(): body_html as the current sanitiser
                # renders it (above) is stored, and save signals fire.
                obj.save(update_fields=["status", "publish_at", "body_html", "updated_at"])
                published += 1
        self.message_user(
            request,
            f"{published} {model_ngettext(self.opts, published)} published.",
            messages.SUCCESS if published else messages.WARNING,
        )
        if already_live:
            self.message_user(
                request,
                f"{already_live} {model_ngettext(self.opts, already_live)} already live, "
                "left unchanged.",
                messages.INFO,
            )

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        unpublished = 0
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in _locked(queryset):
                if obj.status == Status.DRAFT:
                    continue
                obj.status = Status.DRAFT
                obj.save(update_fields=["status", "updated_at"])
                unpublished += 1
        self.message_user(
            request,
            f"{unpublished} {model_ngettext(self.opts, unpublished)} unpublished (back to draft).",
            messages.SUCCESS if unpublished else messages.WARNING,
        )
