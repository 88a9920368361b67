"""The newsroom's data: sections, authors, and the three kinds of item."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from content import routes
from content.text import plain_text, render_body

# Path segments under /news/ that a section slug may not take.
RESERVED_SECTION_SLUGS = {"page"}

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
    """What every story, obituary and crime report shares."""

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
        help_text="Readers see a published item from this time on; "
        "a time in the future holds it back (embargo) until then.",
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown: blank line between paragraphs, **bold**, *italic*, "
        "[link text](https://…), ## subheading. Simple HTML works too; scripts "
        "and unsafe attributes are removed.",
    )
    # Derived from body on save; pages print it as it is.
    body_html = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-publish_at", "-id"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="%(class)s_status_pub"),
        ]

    kind = ""  # set by each subclass: "story", "obituary", "crime"

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_body(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED and self.publish_at <= timezone.now()

    @property
    def local_publish_at(self) -> datetime:
        return timezone.localtime(self.publish_at)

    @cached_property
    def summary(self) -> str:
        return plain_text(self.body_html)

    def get_absolute_url(self) -> str:
        return routes.item_url(self.kind, self)


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, validators=[lowercase_slug], help_text=SLUG_HELP
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the site's navigation (lowest first)."
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug in RESERVED_SECTION_SLUGS or (self.slug or "").isdigit():
            raise ValidationError(
                {"slug": f"“{self.slug}” is reserved for the site's own pages; choose another."}
            )

    def get_absolute_url(self) -> str:
        return routes.section_url(self.slug)


class Author(models.Model):
    name = models.CharField("byline", max_length=120)
    slug = models.SlugField(
        max_length=120, unique=True, validators=[lowercase_slug], help_text=SLUG_HELP
    )
    title = models.CharField(max_length=120, blank=True, help_text="e.g. Staff Writer")
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return routes.author_url(self.slug)


def validate_alt(instance: models.Model) -> None:
    if instance.photo and not instance.photo_alt.strip():
        raise ValidationError({"photo_alt": "Describe the photo for readers who cannot see it."})


class Story(Publishable):
    headline = models.CharField(max_length=200)
    dek = models.CharField(max_length=300, blank=True, help_text="The line under the headline.")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="stories")
    authors = models.ManyToManyField(Author, through="Byline", related_name="stories")
    photo = models.ImageField(upload_to="photos/%Y/%m/", blank=True)
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)
    photo_caption = models.CharField(max_length=300, blank=True)
    photo_credit = models.CharField(max_length=120, blank=True)

    kind = "story"

    class Meta(Publishable.Meta):
        verbose_name_plural = "stories"
        permissions = [("publish_story", "Can publish stories")]
        indexes = [
            *Publishable.Meta.indexes,
            models.Index(fields=["section", "status", "publish_at"], name="story_section_pub"),
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def title(self) -> str:
        return self.headline

    @property
    def byline_list(self) -> list[Byline]:
        """The bylines in order, with their authors. Pages fetch them for a
        batch of stories at once (``publisher.pages.bylines_prefetch`` puts
        them here); a story fetched on its own costs one query, once."""
        try:
            return self._bylines  # type: ignore[has-type]
        except AttributeError:
            self._bylines: list[Byline] = list(self.bylines.select_related("author"))
            return self._bylines

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


class Obituary(Publishable):
    full_name = models.CharField(max_length=160)
    birth_date = models.DateField(null=True, blank=True)
    death_date = models.DateField()
    age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Filled in from the dates when left blank."
    )
    hometown = models.CharField(max_length=120, blank=True)
    service_time = models.DateTimeField(null=True, blank=True)
    service_place = models.CharField(max_length=200, blank=True)
    photo = models.ImageField(upload_to="obituaries/%Y/%m/", blank=True)
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)

    kind = "obituary"

    class Meta(Publishable.Meta):
        verbose_name_plural = "obituaries"
        permissions = [("publish_obituary", "Can publish obituaries")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def title(self) -> str:
        return self.full_name

    def clean(self) -> None:
        validate_alt(self)
        errors = {}
        if self.death_date and self.death_date > timezone.localdate():
            errors["death_date"] = "The date of death cannot be in the future."
        if self.birth_date and self.death_date and self.birth_date > self.death_date:
            errors["birth_date"] = "The date of birth must be before the date of death."
        if errors:
            raise ValidationError(errors)
        if self.age is None and self.birth_date and self.death_date:
            self.age = age_on(self.birth_date, self.death_date)


def age_on(born: date, died: date) -> int:
    return died.year - born.year - ((died.month, died.day) < (born.month, born.day))


BLOCK_ADDRESS = re.compile(r"^(\d*00 block of \S.*|\S.* (and|&) \S.*)$", re.IGNORECASE)


class CrimeReport(Publishable):
    class Incident(models.TextChoices):
        ASSAULT = "assault", "Assault"
        BURGLARY = "burglary", "Burglary"
        DUI = "dui", "Driving under the influence"
        FRAUD = "fraud", "Fraud"
        THEFT = "theft", "Theft"
        VANDALISM = "vandalism", "Vandalism"
        VEHICLE_THEFT = "vehicle-theft", "Vehicle theft"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    incident_type = models.CharField(max_length=20, choices=Incident.choices)
    occurred_at = models.DateTimeField("occurred at")
    address_block = models.CharField(
        "block-level address",
        max_length=200,
        help_text="“400 block of Elm St” or “Elm St and 5th Ave”; never a house number.",
    )
    neighborhood = models.CharField(max_length=120, blank=True)
    case_number = models.CharField(max_length=40, blank=True, db_index=True)

    kind = "crime"

    class Meta(Publishable.Meta):
        verbose_name = "crime report"
        permissions = [("publish_crimereport", "Can publish crime reports")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.address_block and not BLOCK_ADDRESS.match(self.address_block.strip()):
            raise ValidationError(
                {
                    "address_block": "Give a block-level address such as “400 block of "
                    "Elm St” or an intersection such as “Elm St and 5th Ave”, "
                    "never a house number."
                }
            )
        if self.occurred_at and self.occurred_at > timezone.now():
            raise ValidationError({"occurred_at": "This time is in the future."})
