"""The people in the bylines."""

from __future__ import annotations

from django.db import models

from content import routes
from content.models.publishable import SLUG_HELP, lowercase_slug


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
