"""Obituaries."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from content.models.commenting import commenting_field
from content.models.photos import (
    PHOTO_LOOKUP_INDEX,
    photo_digest_field,
    photo_field,
    photo_size_field,
    validate_alt,
)
from content.models.publishable import Publishable


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
