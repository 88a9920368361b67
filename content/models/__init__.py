"""The newsroom's data: sections, authors, and the kinds of item.

One module per family of models; every model is imported here, so Django
finds them all with the app (``content``) and other code imports them from
``content.models`` as before. In the order they were declared in: the app's
models register in it.
"""

from __future__ import annotations

# In declaration order, not sorted: the app's models register in it.
# isort: off
# Declared with the map, which places crime reports in them.
from content.neighborhoods import Location, Neighborhood, StreetSegment
from content.models.publishable import (
    EARLIEST_PUBLISH,
    LATEST_PUBLISH,
    SLUG_HELP,
    YEARS_AHEAD,
    Publishable,
    PublishableQuerySet,
    Status,
    latest_publish_time,
    lowercase_slug,
    validate_body_length,
    validate_publish_time,
)
from content.models.sections import RESERVED_SECTION_SLUGS, Section
from content.models.authors import Author
from content.models.photos import (
    LIVE_PHOTOS_INDEX,
    PHOTO_LOOKUP_INDEX,
    PhotoField,
    PhotoFieldFile,
    clean_in_place,
    photo_digest_field,
    photo_field,
    photo_size_field,
    validate_alt,
)
from content.models.commenting import Commenting, commenting_field
from content.models.stories import (
    CORRECTION_MAX_CHARS,
    Byline,
    Correction,
    CorrectionQuerySet,
    Story,
)
from content.models.obituaries import Obituary, age_on
from content.models.crime import BLOCK_ADDRESS, CrimeReport
from content.models.announcements import Birth, Wedding, weight_text

# Declared in its own module; imported here so Django finds it with the app's models.
from content.policies import UnpublishingPolicy
from content.models.comments import COMMENT_ITEMS, Comment, CommentQuerySet

# isort: on

__all__ = [
    "BLOCK_ADDRESS",
    "COMMENT_ITEMS",
    "CORRECTION_MAX_CHARS",
    "EARLIEST_PUBLISH",
    "LATEST_PUBLISH",
    "LIVE_PHOTOS_INDEX",
    "PHOTO_LOOKUP_INDEX",
    "RESERVED_SECTION_SLUGS",
    "SLUG_HELP",
    "YEARS_AHEAD",
    "Author",
    "Birth",
    "Byline",
    "Comment",
    "CommentQuerySet",
    "Commenting",
    "Correction",
    "CorrectionQuerySet",
    "CrimeReport",
    "Location",
    "Neighborhood",
    "Obituary",
    "PhotoField",
    "PhotoFieldFile",
    "Publishable",
    "PublishableQuerySet",
    "Section",
    "Status",
    "Story",
    "StreetSegment",
    "UnpublishingPolicy",
    "Wedding",
    "age_on",
    "clean_in_place",
    "commenting_field",
    "latest_publish_time",
    "lowercase_slug",
    "photo_digest_field",
    "photo_field",
    "photo_size_field",
    "validate_alt",
    "validate_body_length",
    "validate_publish_time",
    "weight_text",
]
