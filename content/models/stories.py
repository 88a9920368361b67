"""Stories, their bylines and their corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

from content.models.authors import Author
from content.models.commenting import commenting_field
from content.models.photos import (
    PHOTO_LOOKUP_INDEX,
    photo_digest_field,
    photo_field,
    photo_size_field,
    validate_alt,
)
from content.models.publishable import Publishable, Status, _day
from content.models.sections import Section


class Story(Publishable):
    headline = models.CharField(max_length=200)
    dek = models.CharField(max_length=300, blank=True, help_text="The line under the headline.")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="stories")
    authors = models.ManyToManyField(Author, through="Byline", related_name="stories")
    photo = photo_field("photos/%Y/%m/")
    photo_width = photo_size_field("photo width (pixels)")
    photo_height = photo_size_field("photo height (pixels)")
    photo_digest = photo_digest_field()
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)
    photo_caption = models.CharField(max_length=300, blank=True)
    photo_credit = models.CharField(max_length=120, blank=True)
    comments = commenting_field()

    kind = "story"

    class Meta(Publishable.Meta):
        verbose_name_plural = "stories"
        permissions = [("publish_story", "Can publish stories")]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["section", "status", "publish_at"], name="story_section_pub"),
            PHOTO_LOOKUP_INDEX,
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def title(self) -> str:
        return self.headline

    @property
    def byline_list(self) -> list[Byline]:
        """The bylines in order, with their authors. Pages fetch them with
        the stories, in each story's row (``content.pages.with_bylines`` puts
        them here); a story fetched on its own costs one query, once."""
        try:
            return self._bylines  # type: ignore[has-type]
        except AttributeError:
            self._bylines: list[Byline] = list(self.bylines.select_related("author"))
            return self._bylines

    @property
    def correction_list(self) -> list[Correction]:
        """The story's public corrections, oldest first. Pages fetch them for
        a batch of stories at once (``content.pages`` puts them here); a
        story fetched on its own costs one query, once."""
        try:
            return self._corrections  # type: ignore[has-type]
        except AttributeError:
            self._corrections: list[Correction] = list(
                self.corrections.published().order_by("publish_at", "id")
            )
            return self._corrections

    def clean(self) -> None:
        validate_alt(self)


class Byline(models.Model):
    """An author on a story, in byline order. Protects authors from deletion."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "author"], name="byline_unique_author")
        ]

    def __str__(self) -> str:
        return f"{self.author} on “{self.story}”"


CORRECTION_MAX_CHARS = 2000


class CorrectionQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> CorrectionQuerySet:
        """Published corrections (whatever their story's state)."""
        return self.filter(status=Status.PUBLISHED, publish_at__lte=at or timezone.now())

    def public(self, at: datetime | None = None) -> CorrectionQuerySet:
        """What readers may see: a published correction of a live story. An
        unpublished story takes its corrections off the site with it."""
        at = at or timezone.now()
        return self.published(at).filter(story__in=Story.objects.published(at))


class Correction(models.Model):
    """A correction to a story, part of the paper's record once published:
    from then on only a superuser may change or delete it (``allow_amend``),
    so what readers were told stays what the paper says it told them."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField(
        max_length=CORRECTION_MAX_CHARS,
        help_text="What was wrong and what is right, in plain text, e.g. “An earlier "
        "version of this story misspelled the mayor's name.”",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Published corrections show on the story and at /corrections/, and "
        "can no longer be changed (only a superuser can).",
    )
    # Set when the correction is published: the date readers see.
    publish_at = models.DateTimeField("published", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["publish_at", "id"]
        indexes = [models.Index(fields=["status", "publish_at"], name="correction_status_pub")]

    _amend = False

    def __str__(self) -> str:
        return f"Correction to “{self.story}”"

    def allow_amend(self) -> None:
        """Let this instance change or delete a published correction (the
        admin calls it for superusers only)."""
        self._amend = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def get_absolute_url(self) -> str:
        return f"{self.story.get_absolute_url()}#correction-{self.pk}"

    def _stored(self) -> dict[str, Any] | None:
        if self.pk is None:
            return None
        return (
            Correction.objects.filter(pk=self.pk)
            .values("story_id", "text", "status", "publish_at")
            .first()
        )

    def _check_unlocked(self, stored: dict[str, Any] | None, deleting: bool = False) -> None:
        if stored is None or stored["status"] != Status.PUBLISHED or self._amend:
            return
        mine = {
            "story_id": self.story_id,
            "text": self.text,
            "status": self.status,
            "publish_at": self.publish_at,
        }
        if deleting or mine != stored:
            raise ValidationError(
                "This correction was published on %(day)s and is part of the record: "
                "only a superuser can change or delete it. Add another correction instead.",
                code="correction_locked",
                params={"day": _day(stored["publish_at"])},
            )

    def _check_text(self) -> None:
        if not (self.text or "").strip():
            raise ValidationError({"text": "Write what the correction says."})
        if len(self.text) > CORRECTION_MAX_CHARS:
            raise ValidationError(
                {
                    "text": f"This correction is {len(self.text):,} characters long; "
                    f"the limit is {CORRECTION_MAX_CHARS:,}."
                }
            )

    def _check_story_live(self) -> None:
        try:
            story = self.story  # in a form, the story as the editor is saving it
        except ObjectDoesNotExist:
            return  # a required field: the form says so
        if not story.is_published:
            raise ValidationError(
                "Corrections are for live stories; this story is not on the site. "
                "Fix the story itself instead.",
                code="correction_story_not_live",
            )

    def clean(self) -> None:
        stored = self._stored()
        self._check_unlocked(stored)
        self._check_text()
        if stored is None:
            self._check_story_live()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every path, not only the admin: a script cannot rewrite the record.
        stored = self._stored()
        self._check_unlocked(stored)
        self._check_text()
        if stored is None:
            self._check_story_live()
        if self.is_published and self.publish_at is None:
            self.publish_at = timezone.now()
        if self.publish_at is not None and self.publish_at > timezone.now():
            raise ValidationError("A correction cannot be dated in the future.")
        super().save(*args, **kwargs)
        if self.is_published:
            # Publishing a correction is a substantive update of the story.
            Story.objects.filter(pk=self.story_id).filter(
                models.Q(shown_updated_at__isnull=True)
                | models.Q(shown_updated_at__lt=self.publish_at)
            ).update(shown_updated_at=self.publish_at, updated_at=timezone.now())

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_unlocked(self._stored(), deleting=True)
        return super().delete(*args, **kwargs)
