"""A story's corrections in its admin page: locked once published, except
for a superuser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from content.models import Correction, Status


class CorrectionFormSet(BaseInlineFormSet):
    """A POST without the corrections (a script's, or a form opened before
    the story went live) leaves them as they are, rather than failing the
    whole save for a missing management form."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, *args, **kwargs)


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ("text", "status")
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class AmendingCorrectionForm(CorrectionForm):
    """A superuser's: published corrections may be changed or deleted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.allow_amend()


class CorrectionInline(admin.StackedInline):
    """New corrections and drafts: the ones an editor may still change."""

    model = Correction
    formset = CorrectionFormSet
    form = CorrectionForm
    fields = ("text", "status")
    extra = 0
    verbose_name = "correction"
    verbose_name_plural = (
        "corrections: new and drafts (once published, only a superuser can change one)"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).exclude(status=Status.PUBLISHED)


class PublishedCorrectionInline(admin.StackedInline):
    """Published corrections, read-only: the paper's record."""

    model = Correction
    formset = CorrectionFormSet
    fields = ("publish_at", "text", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "published correction"
    verbose_name_plural = "published corrections (part of the record: read-only)"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status=Status.PUBLISHED)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AmendableCorrectionInline(admin.StackedInline):
    """Every correction, for superusers: the one way to amend the record."""

    model = Correction
    formset = CorrectionFormSet
    form = AmendingCorrectionForm
    fields = ("text", "status", "publish_at", "created_by")
    readonly_fields = ("publish_at", "created_by")
    extra = 0
    verbose_name = "correction"
    verbose_name_plural = "corrections (as a superuser you may amend published ones)"
