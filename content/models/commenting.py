"""Whether an item takes readers' comments (or guestbook entries): the
site's rule, or the editor's."""

from __future__ import annotations

from django.db import models


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
