"""Readers' announcements: births, weddings and engagements."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from content.models.photos import (
    LIVE_PHOTOS_INDEX,
    PHOTO_LOOKUP_INDEX,
    photo_digest_field,
    photo_field,
    photo_size_field,
    validate_alt,
)
from content.models.publishable import Publishable


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
