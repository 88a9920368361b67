"""Readers' comments and guestbook entries."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from content.comments import new_token
from content.comments import render as render_comment
from content.models.crime import CrimeReport
from content.models.obituaries import Obituary
from content.models.publishable import Publishable
from content.models.stories import Story


class CommentQuerySet(models.QuerySet):
    def approved(self) -> CommentQuerySet:
        """What readers may see: approved by an editor (or by the rule for
        commenters the newsroom knows), nothing else."""
        return self.filter(status=Comment.Status.APPROVED)

    def on(self, kind: str, item_id: int) -> CommentQuerySet:
        return self.filter(kind=kind, item_id=item_id)


class Comment(models.Model):
    """A reader's comment under a story, or an entry in an obituary's guestbook.

    It lives beside the items it is about so that their pages (``content.pages``)
    can show the approved ones; the community desk (``desk``) takes them in
    from the form and holds the moderation queue. ``body_html`` is made on
    save from the reader's plain text (``content.comments.render``): paragraphs
    and links, nothing the reader typed as markup.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    class Kind(models.TextChoices):
        STORY = "story", "Story"
        OBITUARY = "obituary", "Obituary"
        CRIME = "crime", "Crime report"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.PositiveBigIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    name = models.CharField(max_length=80)
    email = models.EmailField(max_length=254)
    body = models.TextField()
    body_html = models.TextField(editable=False, default="")
    # The text's fingerprint: the same comment sent twice is kept once.
    digest = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why it waits for an editor, comma separated (desk.comments.HELD_REASONS).
    held_for = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("reason", blank=True)
    # "Tell me about replies": asked for, then confirmed by a link in a mail.
    wants_replies = models.BooleanField(default=False)
    replies_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The secret in the confirm and unsubscribe links of its mails.
    token = models.CharField(max_length=43, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "item_id", "status", "posted_at"], name="comment_item"),
            models.Index(fields=["status", "posted_at"], name="comment_queue"),
            models.Index(fields=["email", "status"], name="comment_commenter"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "item_id", "email", "digest"], name="comment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.kind} {self.item_id}"

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @cached_property
    def item(self) -> Publishable | None:
        """The story, obituary or crime report it is about (None: deleted)."""
        return COMMENT_ITEMS[self.kind].objects.filter(pk=self.item_id).first()

    def get_absolute_url(self) -> str:
        """Its permalink: its anchor on its item's page."""
        item = self.item
        return f"{item.get_absolute_url()}#{self.anchor}" if item is not None else ""

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.token:
            self.token = new_token()
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_comment(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)


# The kinds of item readers may comment on, and their models.
COMMENT_ITEMS: dict[str, type[Publishable]] = {
    Comment.Kind.STORY: Story,
    Comment.Kind.OBITUARY: Obituary,
    Comment.Kind.CRIME: CrimeReport,
}
