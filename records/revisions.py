"""Revisions of every item: who saved it, when, and what it was.

django-reversion keeps them. Every kind of item the page registry declares
(``Kind(item=True)``) is registered here, so a new kind has revisions by
being declared; its many-to-many parts (a story's bylines) are kept with it.
The admin keeps a revision of each save with the editor's name; any other
save (a script, ``manage.py publish``, a takedown decision) keeps one too.

Restoring goes through the normal publish path (``restore`` and the admin's
revert): reversion writes the old rows raw, which the publisher does not
follow, so the state readers saw is taken first and queued with the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import reversion
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import post_save
from reversion.models import Version

from publisher.changes import record, schedule_release, stored_state
from publisher.pages.registry import Kind, registry
from records.models import Decision, TakedownRequest


def parts_of(model: type[models.Model]) -> tuple[str, ...]:
    """The reverse accessors of the item's many-to-many through rows (a
    story's ``bylines``): kept and restored with it. Other related rows
    (corrections) have a life of their own and are not."""
    accessors = []
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        for rel in model._meta.related_objects:
            if rel.related_model is through and rel.one_to_many:
                accessors.append(rel.get_accessor_name())
    return tuple(accessors)


def register_kinds() -> None:
    """Register every item kind (and its parts) with django-reversion, and
    keep a revision of any save made outside a revision (a script's)."""
    for kind in registry().item_kinds:
        model = kind.model
        follow = parts_of(model)
        for accessor in follow:
            part = model._meta.get_field(_field_of(model, accessor)).related_model
            if not reversion.is_registered(part):
                reversion.register(part)
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)
        post_save.connect(_keep_revision, sender=model, dispatch_uid=f"revision-{model}")


def _field_of(model: type[models.Model], accessor: str) -> str:
    for rel in model._meta.related_objects:
        if rel.get_accessor_name() == accessor:
            return rel.name
    raise LookupError(accessor)


# Who saves, when a save is not the admin's change form (its list actions).
_acting: ContextVar[Any] = ContextVar("revision_user", default=None)


@contextmanager
def acting_as(user: Any, comment: str = "") -> Iterator[None]:
    """Saves made inside keep revisions in ``user``'s name, one per item."""
    token = _acting.set((user, comment))
    try:
        yield
    finally:
        _acting.reset(token)


def _keep_revision(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or reversion.is_active():
        return  # loaddata; or a revision already open (the admin's form) takes it
    # One revision per item and save: restoring one never reverts another.
    user, comment = _acting.get() or (None, "")
    with reversion.create_revision():
        reversion.add_to_revision(instance)
        reversion.set_user(user)
        reversion.set_comment(comment or ("Saved in the admin." if user else "Saved by a script."))


def kind_of_version(version: Version) -> Kind:
    kind = registry().kind_of(version.content_type.model_class())
    if kind is None or not kind.item:
        raise ValidationError("Only items' revisions can be restored here.")
    return kind


@contextmanager
def publishing_the_revert(kind: Kind, object_id: Any) -> Iterator[None]:
    """Around a revert: keep how readers saw the item before it, and queue
    that with the change, in the same transaction (the reverted rows are
    written raw, so the signals that queue a publish see only the form's
    save, which starts from the reverted state)."""
    with transaction.atomic():
        before = stored_state(kind.name, int(object_id))
        yield
        item = kind.model.objects.filter(pk=object_id).first()
        if item is not None:
            record(kind.name, item.pk, before)
            schedule_release(kind.name, item)


def refuse_before_decision(version: Version) -> None:
    """A revision from before an item was anonymised or removed cannot be
    restored: it would put back what a takedown decision took down."""
    kind = kind_of_version(version)
    last = (
        TakedownRequest.objects.filter(
            kind=kind.name,
            object_id=version.object_id,
            status=TakedownRequest.Status.DECIDED,
            decision__in=[Decision.ANONYMISE, Decision.REMOVE],
        )
        .order_by("-decided_at")
        .values_list("decided_at", "pk")
        .first()
    )
    if last is not None and version.revision.date_created < last[0]:
        raise ValidationError(
            "This revision is from before takedown request #%(pk)s was decided: restoring "
            "it would put back what the decision took down. Edit the item instead.",
            params={"pk": last[1]},
        )


def check_single_item(version: Version) -> None:
    """A revision holds one item (and its parts), so reverting it changes
    nothing else; refuse one that does not (made by hand)."""
    models_ = {kind.model for kind in registry().item_kinds}
    items = [
        v for v in version.revision.version_set.all() if v.content_type.model_class() in models_
    ]
    if len(items) != 1:
        raise ValidationError(
            "This revision holds %(n)s items; restore each from its own history.",
            params={"n": len(items)},
        )


def restore(version: Version, user: Any = None, comment: str = "") -> Any:
    """Put the item back as ``version`` holds it, through the publish path;
    the restore is a revision of its own. Returns the item."""
    kind = kind_of_version(version)
    check_single_item(version)
    refuse_before_decision(version)
    with publishing_the_revert(kind, version.object_id), reversion.create_revision():
        version.revision.revert(delete=True)
        item = kind.model.objects.get(pk=version.object_id)
        item.full_clean(validate_unique=True)
        item.save()
        reversion.set_user(user)
        reversion.set_comment(
            comment
            or f"Restored the revision of {version.revision.date_created:%Y-%m-%d %H:%M} UTC."
        )
    return item
