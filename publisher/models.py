"""The publisher's own tables: the publish queue and the redirects."""

from __future__ import annotations

from django.db import models


class PublishJob(models.Model):
    """One item (or the whole site) waiting to be published, or published.

    The database is the queue: a save records a job in the same transaction
    as the change; workers claim due jobs with a conditional update. Saves
    that arrive while a job waits are merged into it, so twenty quick saves
    make one render. ``states`` keeps the item as it was before each merged
    save, so the pages it *was* on are updated too (see publisher.publish).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Publishing"
        LIVE = "live", "Live"
        FAILED = "failed", "Failed"

    SITE = "site"  # kind for a full rebuild (a section or author changed)

    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    states = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    due_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    claim = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"], name="publishjob_due"),
            models.Index(fields=["kind", "object_id", "status"], name="publishjob_item"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id or ''} {self.status}".strip()


class Redirect(models.Model):
    """A published URL that moved (new slug, date or section): readers and
    search engines following the old link land on the new page."""

    old_path = models.CharField(max_length=255, unique=True)
    new_path = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"


class Gone(models.Model):
    """An address of an item taken down for good: servers answer it with
    410 Gone and a short page saying when it was removed (S3, which cannot
    set a status, serves that page). ``kind`` and ``object_id`` name the
    item, so its every address (older ones that redirected to it too) goes
    with it; an item live again at one of these addresses takes it back."""

    path = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    removed_at = models.DateTimeField()
    # An old address that held a name an anonymisation took out: no page is
    # left there (a file, a bucket key, a redirect would carry the name), and
    # the item being live does not give it back (see ``retire_addresses``).
    named = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "removed address"
        indexes = [models.Index(fields=["kind", "object_id"], name="gone_item")]

    def __str__(self) -> str:
        return f"{self.path} (removed)"
