"""Stories in the admin, with their bylines and corrections."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from content.admin.corrections import (
    AmendableCorrectionInline,
    CorrectionInline,
    PublishedCorrectionInline,
)
from content.admin.publishable import (
    COMMENTS_FIELDSET,
    PUBLISHING_FIELDSET,
    PublishableAdmin,
    PublishStateFilter,
)
from content.models import Byline, Correction, Story


class BylineFormSet(BaseInlineFormSet):
    # Django's own wording is "Please submit at least 1 form.", which says
    # nothing about what is missing.
    default_error_messages = {"too_few_forms": "Add at least one author."}

    def save_existing_objects(self, commit: bool = True) -> list:
        # The database checks (story, author) row by row: swapping two
        # authors, or giving a row the author of a row deleted after it,
        # would collide half way (a server error). Rows that give up an
        # author leave first; the formset saves them again as they are now.
        if commit:
            leaving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk
                and (form in self.deleted_forms or "author" in form.changed_data)
            ]
            Byline.objects.filter(pk__in=leaving).delete()
        return super().save_existing_objects(commit)

    def get_unique_error_message(self, unique_check: tuple[str, ...]) -> str:
        # The constraint is on (story, author), but the editor only picked authors.
        if "author" in unique_check:
            return "Each author can appear only once in the byline."
        return super().get_unique_error_message(unique_check)


class BylineInline(admin.TabularInline):
    model = Byline
    formset = BylineFormSet
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    min_num = 1
    extra = 0
    verbose_name = "author"
    verbose_name_plural = "byline (authors, in order)"

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # The byline table shows only column headings: name each box too.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs["aria-label"] = str(db_field.verbose_name).capitalize()
        return field

    def get_formset(self, request: HttpRequest, obj: Story | None = None, **kwargs: Any):
        # The admin sets min_num but never validate_min, so without this an
        # editor could tick "delete" on every byline and save an authorless story.
        kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Story)
class StoryAdmin(PublishableAdmin):
    list_display = (
        "headline",
        "section",
        "byline",
        "live_state",
        "site_status",
        "publish_at",
        "updated_at",
    )
    list_filter = (
        PublishStateFilter,
        "section",
        ("publish_at", admin.DateFieldListFilter),
    )
    list_select_related = ("section",)
    search_fields = ("headline", "dek", "slug", "bylines__author__name")
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("section",)
    inlines = (BylineInline,)
    fieldsets = (
        ("Content", {"fields": ("headline", "dek", "section", "body")}),
        ("Photo", {"fields": ("photo", "photo_alt", "photo_caption", "photo_credit")}),
        PUBLISHING_FIELDSET,
        COMMENTS_FIELDSET,
    )

    def get_inlines(self, request: HttpRequest, obj: Story | None) -> Any:
        if obj is None or not (obj.is_published or obj.corrections.exists()):
            # Corrections are for live stories (and kept with one taken down).
            return (BylineInline,)
        if request.user.is_superuser:
            return (BylineInline, AmendableCorrectionInline)
        return (BylineInline, PublishedCorrectionInline, CorrectionInline)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Correction:
            for each in formset.forms:
                if each.instance.pk is None:
                    each.instance.created_by = request.user
        super().save_formset(request, form, formset, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # One query for every row's bylines, not one per row.
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description="by")
    def byline(self, obj: Story) -> str:
        return ", ".join(b.author.name for b in obj.bylines.all())
