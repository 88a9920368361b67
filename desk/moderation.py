"""What an editor does with a submission: make a draft of it, mark it
handled, or decline it. Plain functions, called by the admin's buttons.

A draft is made with the item's own model and rules (``full_clean``), its
photo copied from the private submissions folder into the item's photo
field the way an admin upload arrives (its size measured), and it is a
draft: nothing is public until an editor publishes it.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from content.models import Birth, Obituary, Publishable, Status, Wedding
from desk.models import Submission

# The kinds of submission that become an item, and the item's model.
ITEM_MODELS: dict[str, type[Publishable]] = {
    Submission.Kind.OBITUARY: Obituary,
    Submission.Kind.BIRTH: Birth,
    Submission.Kind.WEDDING: Wedding,
}
SLUG_LENGTH = 100


class ModerationError(Exception):
    """The submission cannot take this step (already decided, wrong kind,
    fields the item refuses); the message says why."""


def may_moderate(user: AbstractBaseUser) -> bool:
    return user.has_perm("desk.moderate_submission")


def may_make_draft(user: AbstractBaseUser, submission: Submission) -> bool:
    model = ITEM_MODELS.get(submission.kind)
    return (
        model is not None
        and may_moderate(user)
        and user.has_perm(f"content.add_{model._meta.model_name}")
    )


def _pending(submission: Submission) -> Submission:
    """The submission's row, locked, still waiting for a decision."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    _still_pending(locked)
    return locked


def _still_pending(submission: Submission) -> None:
    if not submission.is_pending:
        raise ModerationError(
            f"Submission {submission.reference} was already "
            f"{submission.get_status_display().lower()}."
        )


def unique_slug(model: type[Publishable], title: str) -> str:
    base = slugify(title)[:SLUG_LENGTH].strip("-") or "announcement"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def item_values(model: type[Publishable], fields: dict[str, Any]) -> dict[str, Any]:
    """The submission's fields that are the model's, as the model's types."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in fields and field.editable and field.name != "photo":
            values[field.name] = field.to_python(fields[field.name])
    if values.get("body"):
        values["body"] = readers_words(values["body"])
    return values


# Backslash first: a reader's own "\\<" must not undo the escape of its "<".
_MARKDOWN_ESCAPES = str.maketrans({"\\": "\\\\", "<": "\\<"})


def readers_words(text: str) -> str:
    """A reader's text as Markdown that shows exactly what they typed: no raw
    HTML (``<`` escaped, so no tag, comment or autolink), no image (``![``
    escaped, so ``![…](…)`` loads nothing); paragraphs and links stay. The
    editor's own body may hold HTML and images; a reader's never does."""
    return text.translate(_MARKDOWN_ESCAPES).replace("![", "!\\[")


def make_draft(submission: Submission, user: AbstractBaseUser) -> Publishable:
    """A draft item of the submission's kind, with its fields and photo."""
    model = ITEM_MODELS.get(submission.kind)
    if model is None:
        raise ModerationError(
            f"A {submission.get_kind_display().lower()} does not become an item: "
            "mark it handled or decline it."
        )
    _still_pending(Submission.objects.get(pk=submission.pk))  # before any work
    # The work before the transaction: on SQLite it holds the database's
    # write lock from its first statement, and every other editor's save
    # would wait on this Markdown and this copy (the admin's save does the same).
    item = model(**item_values(model, submission.fields), status=Status.DRAFT)
    item.slug = unique_slug(model, item.title)
    item.render()
    if submission.photo:
        with submission.photo.open("rb") as handle:
            # The field's own upload path and storage (MEDIA_ROOT, which
            # only live items' photos leave); assigning measures it. Named
            # by the item, as an editor's upload would be, never by the
            # reader's reference number.
            suffix = os.path.splitext(submission.photo.name)[1].lower()
            item.photo.save(f"{item.slug}{suffix}", File(handle), save=False)
    try:
        item.full_clean()
        with transaction.atomic():
            submission = _pending(submission)
            if model.objects.filter(slug=item.slug).exists():  # taken meanwhile
                item.slug = unique_slug(model, item.title)
            item.save()
            _decide(submission, user, Submission.Status.DRAFTED)
            submission.item_kind, submission.item_id = item.kind, item.pk
            submission.save(update_fields=["item_kind", "item_id"])
    except BaseException as error:
        if item.photo:
            item.photo.delete(save=False)
        if isinstance(error, ValidationError):
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise ModerationError(
                f"The {model._meta.verbose_name} would not save: {problems}"
            ) from error
        raise
    return item


def mark_handled(submission: Submission, user: AbstractBaseUser) -> Submission:
    with transaction.atomic():
        submission = _pending(submission)
        _decide(submission, user, Submission.Status.HANDLED)
    return submission


def decline(submission: Submission, user: AbstractBaseUser, reason: str) -> Submission:
    reason = reason.strip()
    if not reason:
        raise ModerationError("Give the reason for declining it (it is kept with the submission).")
    with transaction.atomic():
        submission = _pending(submission)
        submission.decline_reason = reason
        _decide(submission, user, Submission.Status.DECLINED)
    return submission


def _decide(submission: Submission, user: AbstractBaseUser, status: str) -> None:
    submission.status = status
    submission.decided_at = timezone.now()
    submission.decided_by = user  # type: ignore[assignment]
    submission.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
