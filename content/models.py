"""The newsroom's data: sections, authors, and the kinds of item."""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils import timezone
from django.utils.functional import cached_property

from content import routes, text
from content.comments import new_token
from content.comments import render as render_comment
from content.locate import locate
from content.neighborhoods import Location, Neighborhood, StreetSegment  # noqa: F401
from content.text import MAX_BODY_CHARS, plain_text
from content.uploads import PhotoFormField, without_metadata
from publisher.renditions import DIGEST_CHARS

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


class PhotoFieldFile(ImageFieldFile):
    """A stored photo: never with its camera's metadata (``without_metadata``,
    whatever the path: the admin's form, a reader's submission made a draft,
    a script), and its digest kept beside it (``digest_field``)."""

    def save(self, name: str, content: Any, save: bool = True) -> None:
        content = without_metadata(content)
        content.seek(0)
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        content.seek(0)
        super().save(name, content, save=False)
        setattr(self.instance, self.field.digest_field, digest.hexdigest()[:DIGEST_CHARS])
        if save:
            self.instance.save()


class PhotoField(models.ImageField):
    """A photo: its forms accept only what ``content.uploads`` allows.

    Its pixel size is stored beside it (``width_field``/``height_field``,
    declared after the photo), measured when a photo is assigned or saved,
    never when a row is loaded: Django's ImageField opens the file of every
    loaded row whose size is missing, which would make a build read files.
    """

    attr_class = PhotoFieldFile

    def __init__(self, *args: Any, digest_field: str = "", **kwargs: Any) -> None:
        # The digest of the stored file's bytes: what its renditions are named
        # by, read from the row (no build opens a photo to learn it).
        self.digest_field = digest_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.digest_field:
            kwargs["digest_field"] = self.digest_field
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})

    def update_dimension_fields(self, instance: Any, force: bool = False, *args, **kwargs) -> None:
        # force: a photo assigned to a row already made (the admin's upload,
        # a cleared photo); the post_init call for a loaded row is skipped.
        if force:
            self._measure(instance)
            if self.digest_field:
                # Another photo: its digest is taken when it is saved.
                setattr(instance, self.digest_field, "")

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        file = super().pre_save(model_instance, add)
        # A row made with its photo's name (a script, the demo, a factory) is
        # measured here, once, before its size fields are saved.
        # Stripped first: turned upright, it is measured as readers see it.
        if self.digest_field and file and not getattr(model_instance, self.digest_field):
            with contextlib.suppress(OSError):
                digest, changed = clean_in_place(file)
                if changed:  # turned upright: measured again
                    file.__dict__.pop("_dimensions_cache", None)
                    self._measure(model_instance)
                setattr(model_instance, self.digest_field, digest)
        if file and not (
            getattr(model_instance, self.width_field) and getattr(model_instance, self.height_field)
        ):
            self._measure(model_instance)
        return file

    def _measure(self, instance: Any) -> None:
        file = getattr(instance, self.attname)
        width = height = None
        if file:
            # A missing or unreadable file leaves the size unknown (pages then
            # give none) rather than fail the save.
            with contextlib.suppress(OSError, ValueError, SyntaxError):
                width, height = file.width, file.height
        setattr(instance, self.width_field, width)
        setattr(instance, self.height_field, height)


def photo_field(upload_to: str) -> PhotoField:
    """An item's photo, its size kept in ``photo_width`` and ``photo_height``
    (declare them right after it: saving fills them in field order)."""
    return PhotoField(
        upload_to=upload_to,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        digest_field="photo_digest",
    )


def photo_digest_field() -> models.CharField:
    return models.CharField(max_length=DIGEST_CHARS, blank=True, default="", editable=False)


def clean_in_place(file: Any) -> tuple[str, bool]:
    """Strip the metadata of a file already in storage (a row made with its
    photo's name: a script, the demo, a factory), in place, atomically;
    returns the digest of its bytes, as renditions are named, and whether it
    changed. A file that
    will not decode is left as it is (its renditions will say so)."""
    from publisher import renditions

    return renditions.clean_in_place(Path(file.storage.path(file.name)))


def photo_size_field(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, editable=False)


def validate_alt(instance: models.Model) -> None:
    if instance.photo and not instance.photo_alt.strip():
        raise ValidationError({"photo_alt": "Describe the photo for readers who cannot see it."})


# Which of a publish's photos a live item uses (Registry.live_media): a lookup
# by name in the index, whatever the size of the archive (a walk of the
# published rows took 17 ms at 20,000 stories). It also holds what the
# renditions need (digest and size), so the build's list of live photos is
# read from the index alone, even on a small table.
PHOTO_LOOKUP_INDEX = models.Index(
    fields=["photo", "status", "publish_at", "photo_digest", "photo_width", "photo_height"],
    name="%(class)s_photo_lookup",
)


class Commenting(models.TextChoices):
    """An item's comments (or guestbook): the site's rule, or the editor's."""

    DEFAULT = (
        "default",
        "The site's rule (open for PUBLISHER_COMMENTS_DAYS; never on crime reports)",
    )
    OPEN = "open", "Open, with no closing date"
    CLOSED = "closed", "Closed (comments already approved stay)"


def commenting_field() -> models.CharField:
    return models.CharField(
        "comments",
        max_length=8,
        choices=Commenting.choices,
        default=Commenting.DEFAULT,
        # Blank reads as the site's rule: a form posted without the field
        # (a script's, a test's) leaves comments to the rule.
        blank=True,
        help_text="Whether readers may comment (sign the guestbook) under it.",
    )


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
    photo = photo_field("obituaries/%Y/%m/")
    photo_width = photo_size_field("photo width (pixels)")
    photo_height = photo_size_field("photo height (pixels)")
    photo_digest = photo_digest_field()
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)
    comments = commenting_field()

    kind = "obituary"

    class Meta(Publishable.Meta):
        verbose_name_plural = "obituaries"
        permissions = [("publish_obituary", "Can publish obituaries")]
        indexes = [*Publishable.Meta.indexes, PHOTO_LOOKUP_INDEX]

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
    neighborhood = models.CharField(
        "neighborhood as reported",
        max_length=120,
        blank=True,
        help_text="As the police give it; readers see the neighborhood the map finds.",
    )
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    comments = commenting_field()
    # Where it is on the map (content.locate): the middle of the block, or the
    # corner, never a house. None when the address does not geocode.
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(
        null=True,
        blank=True,
        help_text="Set both by hand to place a report the street file does not know "
        "(moved to the middle of the nearest block); clear both to geocode the address.",
    )
    location = models.CharField(
        "placed by",
        max_length=12,
        choices=Location.choices,
        default=Location.NOT_FOUND,
        editable=False,
    )
    location_note = models.CharField(max_length=300, blank=True, editable=False)
    located_in = models.ForeignKey(
        "content.Neighborhood",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="crimes",
        verbose_name="neighborhood on the map",
    )

    kind = "crime"

    class Meta(Publishable.Meta):
        verbose_name = "crime report"
        permissions = [("publish_crimereport", "Can publish crime reports")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, located: bool = False, **kwargs: Any) -> None:
        # Placed on the map on every save (a few indexed queries): a script's
        # save is placed like the admin's. ``located``: already done.
        if not located:
            locate(self)
        super().save(*args, **kwargs)

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


# The live items' photos, read from the index alone: every build and publish
# asks for them, and announcements' short rows would otherwise be scanned.
LIVE_PHOTOS_INDEX = models.Index(
    fields=["status", "publish_at", "photo"], name="%(class)s_live_photos"
)


def weight_text(pounds: int | None, ounces: int | None) -> str:
    """A birth weight as the paper prints it: "7 lb 4 oz", "8 lb"."""
    if pounds is None:
        return ""
    return f"{pounds} lb {ounces} oz" if ounces else f"{pounds} lb"


class Birth(Publishable):
    """A birth announcement: a new baby, the parents, the hometown."""

    baby_name = models.CharField("baby's name", max_length=160)
    birth_date = models.DateField()
    parents = models.CharField(
        max_length=250, help_text="As they want it printed, e.g. “Anna and Mark Berg”."
    )
    hometown = models.CharField(max_length=120)
    weight_pounds = models.PositiveSmallIntegerField(
        "weight (pounds)", null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    weight_ounces = models.PositiveSmallIntegerField(
        "ounces", null=True, blank=True, validators=[MaxValueValidator(15)]
    )
    photo = photo_field("births/%Y/%m/")
    photo_width = photo_size_field("photo width (pixels)")
    photo_height = photo_size_field("photo height (pixels)")
    photo_digest = photo_digest_field()
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)

    kind = "birth"

    class Meta(Publishable.Meta):
        verbose_name = "birth announcement"
        permissions = [("publish_birth", "Can publish birth announcements")]
        indexes = [*Publishable.Meta.indexes, LIVE_PHOTOS_INDEX, PHOTO_LOOKUP_INDEX]

    def __str__(self) -> str:
        return self.baby_name

    @property
    def title(self) -> str:
        return self.baby_name

    @property
    def weight(self) -> str:
        return weight_text(self.weight_pounds, self.weight_ounces)

    @property
    def description(self) -> str:
        """One line for lists, feeds and the page's description."""
        born = f"{self.birth_date:%B} {self.birth_date.day}, {self.birth_date.year}"
        return f"Born {born}, to {self.parents} of {self.hometown}."

    def clean(self) -> None:
        validate_alt(self)
        errors = {}
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = "The date of birth cannot be in the future."
        if self.weight_ounces is not None and self.weight_pounds is None:
            errors["weight_pounds"] = "Give the pounds as well as the ounces (0 if under a pound)."
        if errors:
            raise ValidationError(errors)


class Wedding(Publishable):
    """A wedding or an engagement announcement."""

    class Announcement(models.TextChoices):
        WEDDING = "wedding", "Wedding"
        ENGAGEMENT = "engagement", "Engagement"

    partner_one = models.CharField("first partner's name", max_length=160)
    partner_two = models.CharField("second partner's name", max_length=160)
    announcement = models.CharField(
        "kind of announcement",
        max_length=12,
        choices=Announcement.choices,
        default=Announcement.WEDDING,
    )
    date = models.DateField(
        null=True,
        blank=True,
        help_text="The wedding day; for an engagement, the planned wedding date if set.",
    )
    place = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the wedding was (or will be), e.g. “St. Mark's Lutheran Church, Millbrook”.",
    )
    photo = photo_field("weddings/%Y/%m/")
    photo_width = photo_size_field("photo width (pixels)")
    photo_height = photo_size_field("photo height (pixels)")
    photo_digest = photo_digest_field()
    photo_alt = models.CharField("photo description (alt text)", max_length=250, blank=True)

    kind = "wedding"

    class Meta(Publishable.Meta):
        verbose_name = "wedding or engagement"
        verbose_name_plural = "weddings and engagements"
        permissions = [("publish_wedding", "Can publish wedding and engagement announcements")]
        indexes = [*Publishable.Meta.indexes, LIVE_PHOTOS_INDEX, PHOTO_LOOKUP_INDEX]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return f"{self.partner_one} and {self.partner_two}"

    @property
    def is_engagement(self) -> bool:
        return self.announcement == self.Announcement.ENGAGEMENT

    @property
    def description(self) -> str:
        """One line for lists, feeds and the page's description."""
        day = f"{self.date:%B} {self.date.day}, {self.date.year}" if self.date else ""
        if self.is_engagement:
            line = "Engaged to be married"
            if day or self.place:
                line += "; the wedding is planned"
                line += f" for {day}{',' if self.place else ''}" if day else ""
                line += f" at {self.place}" if self.place else ""
            return line + "."
        words = ["Married"]
        if day:
            words.append(f"{day}," if self.place else day)
        if self.place:
            words.append(f"at {self.place}")
        return " ".join(words) + "."

    def clean(self) -> None:
        validate_alt(self)
        if self.announcement == self.Announcement.WEDDING:
            errors = {}
            if not self.date:
                errors["date"] = "Give the wedding day."
            if not self.place.strip():
                errors["place"] = "Give where the wedding was."
            if errors:
                raise ValidationError(errors)


# Declared in its own module; imported here so Django finds it with the app's models.
from content.policies import UnpublishingPolicy  # noqa: E402, F401

# -- Readers' comments and guestbook entries ------------------------------------


class CommentQuerySet(models.QuerySet):
    def approved(self) -> CommentQuerySet:
        """What readers may see: approved by an editor (or by the rule for
        commenters the newsroom knows), nothing else."""
        return self.filter(status=Comment.Status.APPROVED)

    def on(self, kind: str, item_id: int) -> CommentQuerySet:
        return self.filter(kind=kind, item_id=item_id)


class Comment(models.Model):
    """A reader's comment under a story, or an entry in an obituary's guestbook.

    It lives beside the items it is about so that their pages (``content.pages``)
    can show the approved ones; the community desk (``desk``) takes them in
    from the form and holds the moderation queue. ``body_html`` is made on
    save from the reader's plain text (``content.comments.render``): paragraphs
    and links, nothing the reader typed as markup.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    class Kind(models.TextChoices):
        STORY = "story", "Story"
        OBITUARY = "obituary", "Obituary"
        CRIME = "crime", "Crime report"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.PositiveBigIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    name = models.CharField(max_length=80)
    email = models.EmailField(max_length=254)
    body = models.TextField()
    body_html = models.TextField(editable=False, default="")
    # The text's fingerprint: the same comment sent twice is kept once.
    digest = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why it waits for an editor, comma separated (desk.comments.HELD_REASONS).
    held_for = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("reason", blank=True)
    # "Tell me about replies": asked for, then confirmed by a link in a mail.
    wants_replies = models.BooleanField(default=False)
    replies_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The secret in the confirm and unsubscribe links of its mails.
    token = models.CharField(max_length=43, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "item_id", "status", "posted_at"], name="comment_item"),
            models.Index(fields=["status", "posted_at"], name="comment_queue"),
            models.Index(fields=["email", "status"], name="comment_commenter"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "item_id", "email", "digest"], name="comment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.kind} {self.item_id}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @cached_property
    def item(self) -> Publishable | None:
        """The story, obituary or crime report it is about (None: deleted)."""
        return COMMENT_ITEMS[self.kind].objects.filter(pk=self.item_id).first()

    def get_absolute_url(self) -> str:
        """Its permalink: its anchor on its item's page."""
        item = self.item
        return f"{item.get_absolute_url()}#{self.anchor}" if item is not None else ""

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.token:
            self.token = new_token()
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_comment(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)


# The kinds of item readers may comment on, and their models.
COMMENT_ITEMS: dict[str, type[Publishable]] = {
    Comment.Kind.STORY: Story,
    Comment.Kind.OBITUARY: Obituary,
    Comment.Kind.CRIME: CrimeReport,
}
