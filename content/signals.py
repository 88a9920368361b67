"""What the newsroom's other models mean for its pages.

The publisher follows every save and delete of the registry's items itself
(``publisher.changes``). A byline, a correction, a section or an author is not an
item, but changes pages: this module says which.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from content.models import Author, Byline, Comment, Correction, Neighborhood, Section
from content.policies import UnpublishingPolicy
from publisher.changes import record, stored_state
from publisher.models import PublishJob

# The publish job's kind for a policy page (not an item: no state to keep).
POLICY = "policy"


def _story_part_changed(
    sender: type, instance: Byline | Correction, raw: bool = False, **kwargs: Any
) -> None:
    # A byline or a correction of the story is about to change: a change of
    # the story, whose state as it is now is kept.
    if raw:
        return
    before = stored_state("story", instance.story_id)
    if before is not None:
        record("story", instance.story_id, before)


def _comment_changed(sender: type, instance: Comment, raw: bool = False, **kwargs: Any) -> None:
    # An approved comment (or guestbook entry) is part of its item's page and
    # its teaser's count: one that comes or goes is a change of the item.
    # A waiting one is on no page, and its arrival publishes nothing.
    if raw:
        return
    stored = Comment.objects.filter(pk=instance.pk) if instance.pk else Comment.objects.none()
    was = stored.values_list("status", flat=True).first()
    shown_before = was == Comment.Status.APPROVED
    shown_after = kwargs.get("signal") is pre_save and instance.status == Comment.Status.APPROVED
    if not (shown_before or shown_after):
        return
    before = stored_state(instance.kind, instance.item_id)
    if before is not None:
        record(instance.kind, instance.item_id, before)


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


def _neighborhood_saved(
    sender: type, instance: Neighborhood, raw: bool = False, **kwargs: Any
) -> None:
    # Its name or boundary is on its pages, the index map and its reports'
    # pages (content.pages.neighborhoods): the slug says which.
    if not raw:
        record("neighborhood", instance.pk, {"slug": instance.slug})


def _policy_saved(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        record(POLICY, instance.pk, None)


def connect() -> None:
    for model in (Byline, Correction):
        name = model._meta.model_name
        pre_save.connect(_story_part_changed, sender=model, dispatch_uid=f"publish-{name}-save")
        pre_delete.connect(_story_part_changed, sender=model, dispatch_uid=f"publish-{name}-del")
    pre_save.connect(_comment_changed, sender=Comment, dispatch_uid="publish-comment-save")
    pre_delete.connect(_comment_changed, sender=Comment, dispatch_uid="publish-comment-del")
    post_save.connect(_site_changed, sender=Section, dispatch_uid="publish-section")
    post_delete.connect(_site_changed, sender=Section, dispatch_uid="publish-section-del")
    post_save.connect(_author_saved, sender=Author, dispatch_uid="publish-author")
    post_save.connect(_policy_saved, sender=UnpublishingPolicy, dispatch_uid="publish-policy")
    post_delete.connect(_author_deleted, sender=Author, dispatch_uid="publish-author-del")
    post_save.connect(_neighborhood_saved, sender=Neighborhood, dispatch_uid="publish-hood")
    post_delete.connect(_neighborhood_saved, sender=Neighborhood, dispatch_uid="publish-hood-del")
