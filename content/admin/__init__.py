"""The newsroom's admin: where editors write, schedule and publish on deadline.

Everything here leans on the models for its rules (slug validation, reserved
section slugs, alt text, obituary dates, block-level addresses all live in the
models' fields and ``clean()``), so the admin and any other form agree.

One module per family: ``publishable`` (what every item's admin shares),
``sections``, ``authors``, ``stories`` (with their bylines), ``corrections``,
``obituaries``, ``crime``, ``announcements`` (births and weddings) and
``policies``. Importing this package registers them all, in this order, and
every name stays importable from ``content.admin``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

# In the order they were registered in, not sorted.
# isort: off
from content.admin.publishable import (
    COMMENTS_FIELDSET,
    DRAFT,
    LIVE,
    PUBLISHING_FIELDSET,
    SCHEDULED,
    PhotoWidget,
    PublishableAdmin,
    PublishableForm,
    PublishStateFilter,
    label_split_datetimes,
    prerender,
    publish_state,
)
from content.admin.sections import SectionAdmin
from content.admin.authors import AuthorAdmin
from content.admin.stories import BylineFormSet, BylineInline, StoryAdmin
from content.admin.corrections import (
    AmendableCorrectionInline,
    AmendingCorrectionForm,
    CorrectionForm,
    CorrectionFormSet,
    CorrectionInline,
    PublishedCorrectionInline,
)
from content.admin.obituaries import ObituaryAdmin
from content.admin.crime import CrimeReportAdmin, MapFilter
from content.admin.announcements import BirthAdmin, WeddingAdmin
from content.admin.policies import UnpublishingPolicyAdmin

# isort: on

admin.site.site_header = f"{settings.PUBLISHER_SITE_NAME} — newsroom"
admin.site.site_title = f"{settings.PUBLISHER_SITE_NAME} — newsroom"
admin.site.index_title = "Newsroom"

__all__ = [
    "COMMENTS_FIELDSET",
    "DRAFT",
    "LIVE",
    "PUBLISHING_FIELDSET",
    "SCHEDULED",
    "AmendableCorrectionInline",
    "AmendingCorrectionForm",
    "AuthorAdmin",
    "BirthAdmin",
    "BylineFormSet",
    "BylineInline",
    "CorrectionForm",
    "CorrectionFormSet",
    "CorrectionInline",
    "CrimeReportAdmin",
    "MapFilter",
    "ObituaryAdmin",
    "PhotoWidget",
    "PublishStateFilter",
    "PublishableAdmin",
    "PublishableForm",
    "PublishedCorrectionInline",
    "SectionAdmin",
    "StoryAdmin",
    "UnpublishingPolicyAdmin",
    "WeddingAdmin",
    "label_split_datetimes",
    "prerender",
    "publish_state",
]
