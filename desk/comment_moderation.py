"""What an editor does with comments: approve, reject (with a reason kept),
mark as spam, remove one that was up, block a commenter, and a commenter's
rights (export and erasure of everything one email address wrote).

Each comment is saved on its own, so its item's page is republished
(``content.signals``): a batch of comments on one page is one publish job,
and an erasure's pages are published together after its one commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from content import comments as rules
from content.models import Comment
from desk.models import BlockedCommenter
from desk.notify_comments import after_approval

ERASED = "Erased at the commenter's request"


class CommentModerationError(Exception):
    """The step cannot be taken (no reason given, say); the message says why."""


def may_moderate(user: AbstractBaseUser) -> bool:
    return user.has_perm("desk.moderate_comment")


def _decide(
    comments: Iterable[Comment], user: AbstractBaseUser | None, status: str, reason: str = ""
) -> list[Comment]:
    changed = []
    with transaction.atomic():
        ids = [c.pk for c in comments]
        for comment in Comment.objects.select_for_update().filter(pk__in=ids).order_by("id"):
            if comment.status == status:
                continue
            comment.status = status
            comment.decided_at = timezone.now()
            comment.decided_by = user  # type: ignore[assignment]
            comment.reason = reason
            comment.save(update_fields=["status", "decided_at", "decided_by", "reason"])
            changed.append(comment)
    return changed


def approve(comments: Iterable[Comment], user: AbstractBaseUser) -> list[Comment]:
    """Put them on their pages; the mails an approval sends go after the commit."""
    with transaction.atomic():
        approved = _decide(comments, user, Comment.Status.APPROVED)
        transaction.on_commit(lambda: after_approval(approved))
    return approved


def reject(comments: Iterable[Comment], user: AbstractBaseUser, reason: str) -> list[Comment]:
    reason = reason.strip()
    if not reason:
        raise CommentModerationError("Give the reason for rejecting (it is kept with the comment).")
    return _decide(comments, user, Comment.Status.REJECTED, reason)


def mark_spam(comments: Iterable[Comment], user: AbstractBaseUser) -> list[Comment]:
    return _decide(comments, user, Comment.Status.SPAM, "Spam")


def remove(comments: Iterable[Comment], user: AbstractBaseUser, reason: str) -> list[Comment]:
    """Take approved comments off their pages (the reason is kept)."""
    reason = reason.strip()
    if not reason:
        raise CommentModerationError("Give the reason for removing (it is kept with the comment).")
    return _decide(comments, user, Comment.Status.REMOVED, reason)


def block(emails: Iterable[str], user: AbstractBaseUser, reason: str = "") -> int:
    """From now on, these addresses' comments always wait for an editor."""
    made = 0
    for email in {e.strip().lower() for e in emails if e}:
        _, created = BlockedCommenter.objects.get_or_create(
            email=email, defaults={"reason": reason, "blocked_by": user}
        )
        made += created
    return made


def export(email: str) -> str:
    """Everything one address wrote, as JSON (its own rights: a copy)."""
    email = email.strip().lower()
    rows = Comment.objects.filter(email=email).order_by("posted_at", "id")
    data: list[dict[str, Any]] = [
        {
            "id": c.pk,
            "on": c.kind,
            "item_id": c.item_id,
            "address": c.get_absolute_url() if c.is_approved else "",
            "reply_to": c.parent_id,
            "name": c.name,
            "email": c.email,
            "text": c.body,
            "status": c.status,
            "posted_at": c.posted_at,
            "decided_at": c.decided_at,
            "reason": c.reason,
            "wants_replies": c.wants_replies,
        }
        for c in rows
    ]
    return json.dumps({"email": email, "comments": data}, cls=DjangoJSONEncoder, indent=2)


def erase(email: str, user: AbstractBaseUser) -> int:
    """Remove everything one address wrote: off every page in one publish.

    Each row stays as an audit line (when, on what, erased by whom) without
    its text, name or address. Returns the comments erased.
    """
    email = email.strip().lower()
    if not email:
        raise CommentModerationError("Give the email address whose comments to erase.")
    erased = 0
    with transaction.atomic():
        for comment in Comment.objects.select_for_update().filter(email=email).order_by("id"):
            comment.status = Comment.Status.REMOVED
            comment.decided_at = timezone.now()
            comment.decided_by = user  # type: ignore[assignment]
            comment.reason = ERASED
            comment.name = ""
            comment.email = ""
            comment.body = ""
            comment.held_for = ""
            comment.wants_replies = False
            comment.replies_confirmed_at = None
            # Unique per row once its address is gone (rules.digest of nothing
            # would be the same for all of them).
            comment.digest = rules.new_token()[:64]
            comment.save()
            erased += 1
        BlockedCommenter.objects.filter(email=email).delete()
    return erased
