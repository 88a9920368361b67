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
from django.dispatch import Signal
from django.utils import timezone

from publisher.media import file_fields, files_of
from publisher.models import PublishJob
from publisher.pages.registry import Kind, Registry, registry

State = dict[str, Any]

# Sent after the commit of a change: the publish task listens (wired in
# ``publisher.apps``, so this module never imports the one that renders).
publish_requested = Signal()


def state_of(kind: Kind, item: Any) -> State:
    """What the publisher needs to know of an item to find the pages it is on."""
    if not kind.item:
        state: State = {"slug": item.slug}
    else:
        state = {
            "status": item.status,
            "publish_at": item.publish_at.isoformat(),
            "slug": item.slug,
        }
        if file_fields(kind.model):
            # Which uploads the item's page shows: a replaced photo is a change
            # even when nothing else is, and the old one may have to leave the site.
            state["media"] = files_of(item)
    if kind.extra_state is not None:
        state.update(kind.extra_state(item))
    return state


def stored_state(kind_name: str, pk: int | None, kinds: Registry | None = None) -> State | None:
    """The item as the database holds it now; None if it does not exist."""
    kind = (kinds or registry()).kinds.get(kind_name)
    if pk is None or kind is None:
        return None
    item = kind.model.objects.filter(pk=pk).first()
    return None if item is None else state_of(kind, item)


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
    known = registry().kinds.get(kind)
    if before is None and known is not None and known.item:
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


def schedule_release(kind: str, item: Any) -> None:
    """An embargoed item: a job due at its publish time puts it on the site."""
    PublishJob.objects.filter(
        kind=kind, object_id=item.pk, status=PublishJob.Status.QUEUED, due_at__gt=timezone.now()
    ).delete()
    if item.status == "published" and item.publish_at > timezone.now():
        PublishJob.objects.create(kind=kind, object_id=item.pk, states=[], due_at=item.publish_at)


def request_publish() -> None:
    publish_requested.send(sender=PublishJob)


# -- signal handlers: every item kind of the registry ----------------------------


def _kind(sender: type) -> Kind:
    kind = registry().kind_of(sender)
    assert kind is not None, sender
    return kind


def _before_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata
        return
    instance._publisher_before = stored_state(_kind(sender).name, instance.pk)


def _after_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    kind = _kind(sender).name
    record(kind, instance.pk, getattr(instance, "_publisher_before", None))
    schedule_release(kind, instance)


def _before_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    instance._publisher_before = stored_state(_kind(sender).name, instance.pk)


def _after_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    kind = _kind(sender).name
    PublishJob.objects.filter(
        kind=kind, object_id=instance.pk, status=PublishJob.Status.QUEUED, due_at__gt=timezone.now()
    ).delete()
    record(kind, instance.pk, getattr(instance, "_publisher_before", None))


def connect(kinds: Registry) -> None:
    """Follow every save and delete of the registry's items. (Other models
    whose changes show on pages connect their own handlers: see
    ``content.signals``.)"""
    for kind in kinds.item_kinds:
        model = kind.model
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"publish-pre-save-{model}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"publish-post-save-{model}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"publish-pre-del-{model}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"publish-post-del-{model}")
