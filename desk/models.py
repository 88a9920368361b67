"""What readers send in, as it waits for an editor.

A submission is never public: its text stays in this table and its photo in
``PUBLISHER_SUBMISSIONS_ROOT``, which nothing serves (not the site, not the
editors' preview). An editor turns it into a draft item of its kind
(``desk.moderation``), marks it handled, or declines it.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from content.models import Comment

# Reference numbers: no 0/O, 1/I/L or U, so one read out on the phone is
# heard right. 8 of 30 characters: about 6.6 × 10^11 codes.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


@deconstructible
class SubmissionStorage(FileSystemStorage):
    """Submitted photos, under ``PUBLISHER_SUBMISSIONS_ROOT`` (read when used,
    so tests and settings can move it), private to the server's user."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PUBLISHER_SUBMISSIONS_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("submitted photos have no public address")


def photo_name(submission: Submission, filename: str) -> str:
    """Stored by reference number and month, not by the reader's file name."""
    suffix = os.path.splitext(filename)[1].lower()
    return f"{timezone.now():%Y/%m}/{submission.reference}{suffix}"


class Submission(models.Model):
    class Kind(models.TextChoices):
        OBITUARY = "obituary", "Obituary"
        BIRTH = "birth", "Birth announcement"
        WEDDING = "wedding", "Wedding or engagement"
        TIP = "tip", "News tip"
        LETTER = "letter", "Letter to the editor"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DRAFTED = "drafted", "Made into a draft"
        HANDLED = "handled", "Handled"
        DECLINED = "declined", "Declined"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    name = models.CharField("submitter", max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The kind's own fields, as the reader gave them (dates as ISO text).
    fields = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    photo = models.FileField(storage=SubmissionStorage(), upload_to=photo_name, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    # The draft an editor made of it: its kind's name and id.
    item_kind = models.CharField(max_length=20, blank=True)
    item_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="submission_queue")]
        permissions = [
            ("moderate_submission", "Can make drafts of, handle and decline reader submissions")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class PostCount(models.Model):
    """How many posts one address made in one period: the readers' rate limit
    (``desk.ratelimit``). One row per address and period, counted up by a
    conditional UPDATE, so parallel posts cannot both take the last turn."""

    key = models.CharField(max_length=200)  # "desk.submit 198.51.100.7"
    period = models.PositiveBigIntegerField()  # its start, in seconds since 1970
    ends = models.PositiveBigIntegerField()  # when the row may be forgotten
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "period"], name="postcount_one_per_period")
        ]
        indexes = [models.Index(fields=["ends"], name="postcount_ends")]

    def __str__(self) -> str:
        return f"{self.key} at {self.period}: {self.count}"


class CommentQueue(Comment):
    """Readers' comments and guestbook entries, as the desk moderates them.

    The rows are ``content.Comment`` (the pages read them there); this
    proxy puts the queue under the Community desk in the admin, with its
    own right to moderate.
    """

    class Meta:
        proxy = True
        verbose_name = "comment or guestbook entry"
        verbose_name_plural = "comments and guestbook entries"
        permissions = [("moderate_comment", "Can approve, reject and remove readers' comments")]


class BlockedCommenter(models.Model):
    """An email address whose comments always wait for an editor."""

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=300, blank=True)
    blocked_at = models.DateTimeField(auto_now_add=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-blocked_at"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
