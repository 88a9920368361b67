"""Recording what editors change, for publishing after the commit.

Signal handlers on the content models capture each item as it was *before*
a save or delete (its URL, section, authors, publish time), and record a
``PublishJob`` in the same transaction as the change. After the commit, the
publish task runs (``publisher.tasks``). Nothing here renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from content.models import Author, Byline, CrimeReport, Obituary, Publishable, Section, Story
from publisher.media import file_fields, files_of
from publisher.models import PublishJob

KINDS: dict[str, type[Publishable]] = {"story": Story, "obituary": Obituary, "crime": CrimeReport}
KIND_OF: dict[type, str] = {model: kind for kind, model in KINDS.items()}

State = dict[str, Any]


def state_of(item: Publishable, author_ids: list[int] | None = None) -> State:
    """What the publisher needs to know of an item to find the pages it is on."""
    state: State = {
        "status": item.status,
        "publish_at": item.publish_at.isoformat(),
        "slug": item.slug,
    }
    if file_fields(type(item)):
        # Which uploads the item's page shows: a replaced photo is a change
        # even when nothing else is, and the old one may have to leave the site.
        state["media"] = files_of(item)
    if isinstance(item, Story):
        state["section"] = item.section_id
        if author_ids is None:
            author_ids = list(item.bylines.values_list("author_id", flat=True))
        state["authors"] = sorted(author_ids)
    return state


def stored_state(kind: str, pk: int | None) -> State | None:
    """The item as the database holds it now; None if it does not exist."""
    if pk is None:
        return None
    if kind == "author":
        slug = Author.objects.filter(pk=pk).values_list("slug", flat=True).first()
        return None if slug is None else {"slug": slug}
    if kind not in KINDS:
        return None
    item = KINDS[kind].objects.filter(pk=pk).first()
    return None if item is None else state_of(item)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# The state of an item before it existed (or before a job knew of it).
ABSENT: State = {"status": "absent"}


def record(
    kind: str, object_id: int | None, before: State | None, due: datetime | None = None
) -> None:
    """Queue (or merge into a queued) job for this item, keeping ``before``.

    ``before`` None means the item did not exist (or nothing is known of how
    readers saw it): it is recorded as absent, so no page assumes it stayed put.
    """
    due = due or timezone.now()
    if before is None and kind in KINDS:
        before = ABSENT
    with transaction.atomic():
        waiting = (
            PublishJob.objects.select_for_update()
            .filter(kind=kind, object_id=object_id, status=PublishJob.Status.QUEUED)
            .filter(due_at__lte=max(due, timezone.now()))
            .order_by("id")
            .first()
        )
        if waiting is None:
            PublishJob.objects.create(
                kind=kind, object_id=object_id, states=[before] if before else [], due_at=due
            )
        elif before and before not in waiting.states:
            waiting.states = [*waiting.states, before]
            waiting.save(update_fields=["states", "updated_at"])
        transaction.on_commit(request_publish)


def schedule_release(kind: str, item: Publishable) -> None:
    """An embargoed item: a job due at its publish time puts it on the site."""
    PublishJob.objects.filter(
        kind=kind, object_id=item.pk, status=PublishJob.Status.QUEUED, due_at__gt=timezone.now()
    ).delete()
    if item.status == "published" and item.publish_at > timezone.now():
        PublishJob.objects.create(kind=kind, object_id=item.pk, states=[], due_at=item.publish_at)


def request_publish() -> None:
    from publisher.tasks import publish_queue

    publish_queue.enqueue()


# -- signal handlers ----------------------------------------------------------------


def _before_save(sender: type, instance: Publishable, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata
        return
    instance._publisher_before = stored_state(KIND_OF[sender], instance.pk)


def _after_save(sender: type, instance: Publishable, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    kind = KIND_OF[sender]
    record(kind, instance.pk, getattr(instance, "_publisher_before", None))
    schedule_release(kind, instance)


def _before_delete(sender: type, instance: Publishable, **kwargs: Any) -> None:
    instance._publisher_before = stored_state(KIND_OF[sender], instance.pk)


def _after_delete(sender: type, instance: Publishable, **kwargs: Any) -> None:
    kind = KIND_OF[sender]
    PublishJob.objects.filter(
        kind=kind, object_id=instance.pk, status=PublishJob.Status.QUEUED, due_at__gt=timezone.now()
    ).delete()
    record(kind, instance.pk, getattr(instance, "_publisher_before", None))


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
    for model in KINDS.values():
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"publish-pre-save-{model}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"publish-post-save-{model}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"publish-pre-del-{model}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"publish-post-del-{model}")
    pre_save.connect(_byline_changed, sender=Byline, dispatch_uid="publish-byline-save")
    pre_delete.connect(_byline_changed, sender=Byline, dispatch_uid="publish-byline-delete")
    post_save.connect(_site_changed, sender=Section, dispatch_uid="publish-section")
    post_delete.connect(_site_changed, sender=Section, dispatch_uid="publish-section-del")
    post_save.connect(_author_saved, sender=Author, dispatch_uid="publish-author")
    post_delete.connect(_author_deleted, sender=Author, dispatch_uid="publish-author-del")
