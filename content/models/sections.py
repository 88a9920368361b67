"""The sections of the paper (its navigation and section fronts)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from content import routes
from content.models.publishable import SLUG_HELP, lowercase_slug

# Path segments under /news/ that a section slug may not take.
RESERVED_SECTION_SLUGS = {"page"}


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
