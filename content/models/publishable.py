"""What every kind of item shares: the ``Publishable`` base model, its
published() queryset, its status, and the rules for slugs, publish times and
bodies."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from content import routes, text
from content.text import MAX_BODY_CHARS, plain_text

SLUG_HELP = (
    "The last part of the address: lowercase letters, numbers and hyphens only "
    "(no slashes, dots or spaces)."
)
# Stricter than SlugField: lowercase only, so "Fire" and "fire" cannot be two
# pages on SQLite and one on MariaDB (whose unique index ignores case).
lowercase_slug = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, numbers and single hyphens only, like “council-votes-on-budget”.",
    code="invalid_slug",
)


# Publish times the database accepts at all (constants, so one CHECK works on
# SQLite and MariaDB alike); validation asks for no more than ten years ahead.
# A typo such as year 26 made every month since part of the archive.
EARLIEST_PUBLISH = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_PUBLISH = datetime(2101, 1, 1, tzinfo=UTC)
YEARS_AHEAD = 10


def latest_publish_time() -> datetime:
    now = timezone.localtime()
    try:
        return now.replace(year=now.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return now.replace(year=now.year + YEARS_AHEAD, day=28)


def validate_publish_time(value: datetime | None) -> None:
    """Refuse a publish time before 1900 or more than ten years ahead."""
    if value is None:
        return
    if timezone.is_naive(value):  # a script's datetime: Django reads it as local time
        value = timezone.make_aware(value)
    latest = min(latest_publish_time(), LATEST_PUBLISH)
    if not EARLIEST_PUBLISH <= value < latest:
        local = timezone.localtime(latest)
        raise ValidationError(
            "%(value)s is not a publish time this site accepts: use a date from "
            "1 January 1900 to %(latest)s. Check that the year has all four digits.",
            code="publish_time_out_of_range",
            params={
                "value": _day(value),
                "latest": f"{local.day} {local:%B %Y}",
            },
        )


def _day(value: datetime) -> str:
    with contextlib.suppress(OverflowError):  # year 1 or 9999: shown as stored
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def validate_body_length(value: str) -> None:
    if value is not None and len(value) > MAX_BODY_CHARS:
        raise ValidationError(
            "This text is %(length)s characters long; the limit is %(limit)s (about "
            "%(words)s words). Split it into two stories, or shorten it.",
            code="body_too_long",
            params={
                "length": f"{len(value):,}",
                "limit": f"{MAX_BODY_CHARS:,}",
                "words": f"{round(MAX_BODY_CHARS / 6, -3):,.0f}",  # six characters a word
            },
        )


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> PublishableQuerySet:
        """What readers may see: published, and its publish time reached.

        This is the one definition used by every page, feed and sitemap.
        ``at`` pins "now" so a whole build agrees on one moment.
        """
        return self.filter(status=Status.PUBLISHED, publish_at__lte=at or timezone.now())


class Publishable(models.Model):
    """What every kind of item shares (stories, obituaries, crime reports, announcements)."""

    slug = models.SlugField(
        max_length=120, unique=True, validators=[lowercase_slug], help_text=SLUG_HELP
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Drafts are never on the site.",
    )
    publish_at = models.DateTimeField(
        "publish time",
        default=timezone.now,
        db_index=True,
        validators=[validate_publish_time],
        help_text="Readers see a published item from this time on; "
        "a time in the future holds it back (embargo) until then.",
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown: blank line between paragraphs, **bold**, *italic*, "
        "[link text](https://…), ## subheading. Simple HTML works too; scripts "
        "and unsafe attributes are removed.",
        validators=[validate_body_length],
    )
    # Derived from body on save; pages print it as it is.
    body_html = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Not every save: the last substantive update readers are told of (an
    # editor ticks "show as updated", or a correction is published). A typo
    # fix moves updated_at only.
    shown_updated_at = models.DateTimeField(
        "shown as updated",
        null=True,
        blank=True,
        editable=False,
        help_text="The last substantive update readers are told of.",
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-publish_at", "-id"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="%(class)s_status_pub"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(publish_at__gte=EARLIEST_PUBLISH, publish_at__lt=LATEST_PUBLISH),
                name="%(class)s_publish_at_sane",
                violation_error_message="Publish times run from 1900 to 2100.",
            )
        ]

    kind = ""  # set by each subclass: "story", "obituary", "crime", "birth", "wedding"

    # The body text body_html was last rendered from (None: not this instance).
    _rendered_from: str | None = None

    def render(self) -> None:
        """Fill body_html from body, once per body text.

        Call it outside any transaction: on SQLite the admin's transaction
        holds the database's write lock from its first statement, so a save
        finds the body rendered and every other editor's save goes on.
        """
        if self._rendered_from != self.body:
            self.body_html = text.render_body(self.body)
            self._rendered_from = self.body

    def use_rendered(self, source: str, html: str) -> None:
        """Take body_html rendered from ``source`` earlier, if it is still the body."""
        if source == self.body:
            self.body_html, self._rendered_from = html, source

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            # Every path that saves a body, not only forms: a script's save
            # gets the same refusal as the admin.
            validate_body_length(self.body)
        if update_fields is None or {"body", "body_html"} & set(update_fields):
            self.render()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        if update_fields is None or "publish_at" in update_fields:
            validate_publish_time(self.publish_at)
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED and self.publish_at <= timezone.now()

    @property
    def local_publish_at(self) -> datetime:
        return timezone.localtime(self.publish_at)

    @property
    def shown_update(self) -> datetime | None:
        """The "Updated" time readers see: None until an update after the
        item went live was marked as substantive."""
        updated = self.shown_updated_at
        return updated if updated is not None and updated > self.publish_at else None

    @property
    def modified_at(self) -> datetime:
        """dateModified: the shown update, else the publish time."""
        return self.shown_update or self.publish_at

    @cached_property
    def summary(self) -> str:
        return plain_text(self.body_html)

    def get_absolute_url(self) -> str:
        # Remembered for the slug and time it was made of: a render asks it
        # of one row on several pages (a story is "related" on four).
        key = (self.slug, self.publish_at)
        known = self.__dict__.get("_address")
        if known is None or known[0] != key:
            known = self.__dict__["_address"] = (key, routes.item_url(self.kind, self))
        return known[1]
