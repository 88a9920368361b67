"""What the newsroom's other models mean for its pages.

The publisher follows every save and delete of the registry's items itself
(``publisher.changes``). A byline, a section or an author is not an item,
but changes pages: this module says which.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from content.models import Author, Byline, Section
from publisher.changes import record, stored_state
from publisher.models import PublishJob


def _byline_changed(sender: type, instance: Byline, raw: bool = False, **kwargs: Any) -> None:
    # The story's authors are about to change: keep the story as it is now.
    if raw:
        return
    before = stored_state("story", instance.story_id)
    if before is not None:
        record("story", instance.story_id, before)


def _site_changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Section names are on every page and bylines on most: rebuild it all.
    if raw:
        return
    record(PublishJob.SITE, None, None)


def _author_saved(sender: type, instance: Author, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if kwargs.get("created"):
        # A new author is on no page yet but their own.
        record("author", instance.pk, None)
    else:
        _site_changed(sender, instance)


def _author_deleted(sender: type, instance: Author, **kwargs: Any) -> None:
    # Authors with stories cannot be deleted (bylines protect them).
    record("author", instance.pk, {"slug": instance.slug})


def connect() -> None:
    pre_save.connect(_byline_changed, sender=Byline, dispatch_uid="publish-byline-save")
    pre_delete.connect(_byline_changed, sender=Byline, dispatch_uid="publish-byline-delete")
    post_save.connect(_site_changed, sender=Section, dispatch_uid="publish-section")
    post_delete.connect(_site_changed, sender=Section, dispatch_uid="publish-section-del")
    post_save.connect(_author_saved, sender=Author, dispatch_uid="publish-author")
    post_delete.connect(_author_deleted, sender=Author, dispatch_uid="publish-author-del")
