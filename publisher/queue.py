"""The publish queue: ``PublishJob`` rows, claimed, finished, retried.

The database is the queue. A save records a job in its own transaction
(``publisher.changes``); a worker claims due jobs with a conditional update,
so two never take the same one; a failed batch goes back with a back-off.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from publisher.changes import record
from publisher.models import PublishJob
from publisher.pages.archive import SETTLED
from publisher.pages.registry import registry

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)  # a RUNNING job older than this lost its worker


def claim_due_jobs() -> list[PublishJob]:
    """Claim every due job with a conditional update, so two workers never
    take the same one."""
    now = timezone.now()
    PublishJob.objects.filter(
        status=PublishJob.Status.RUNNING, updated_at__lt=now - STUCK_AFTER
    ).update(status=PublishJob.Status.QUEUED)
    due = list(
        PublishJob.objects.filter(status=PublishJob.Status.QUEUED, due_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    if not due:
        return []
    token = uuid.uuid4().hex
    PublishJob.objects.filter(pk__in=due, status=PublishJob.Status.QUEUED).update(
        status=PublishJob.Status.RUNNING, claim=token, updated_at=now
    )
    return list(PublishJob.objects.filter(claim=token, status=PublishJob.Status.RUNNING))


def finished(jobs: list[PublishJob]) -> None:
    PublishJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
        status=PublishJob.Status.LIVE, error="", finished_at=timezone.now()
    )


def failed(jobs: list[PublishJob], exc: Exception) -> None:
    for job in jobs:
        job.attempts += 1
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts < MAX_ATTEMPTS:
            # Back to the queue, a little later each time (1, 2, 4, 8 minutes).
            job.status = PublishJob.Status.QUEUED
            job.due_at = timezone.now() + timedelta(minutes=2 ** (job.attempts - 1))
        else:
            job.status = PublishJob.Status.FAILED
        job.save(update_fields=["attempts", "error", "status", "due_at", "updated_at"])
    # Stay visible as failed until the retry succeeds: the admin reads `error`.


def requeue_since(moment: object) -> int:
    """After a full build: jobs published while it ran are published again into
    the new release (their pages may be older there)."""
    count = PublishJob.objects.filter(
        status=PublishJob.Status.LIVE, finished_at__gte=moment
    ).update(status=PublishJob.Status.QUEUED, due_at=timezone.now())
    return count


def release_due(window: timedelta = SETTLED) -> int:
    """Queue items whose embargo has ended but that no job has put live (items
    made without a save signal, such as seeded ones, or a missed schedule)."""
    now = timezone.now()
    released = 0
    for kind in registry().item_kinds:
        recent = kind.model.objects.published(now).filter(publish_at__gte=now - window)
        for pk, publish_at in recent.values_list("pk", "publish_at"):
            jobs = PublishJob.objects.filter(kind=kind.name, object_id=pk)
            if jobs.filter(status=PublishJob.Status.LIVE, finished_at__gte=publish_at).exists():
                continue
            if jobs.filter(status__in=["queued", "running"], due_at__lte=now).exists():
                continue
            record(kind.name, pk, None)
            released += 1
    return released


def prune_jobs(older_than: timedelta = timedelta(days=30)) -> int:
    """Forget old finished jobs, keeping each item's latest (the admin shows
    when it was last published)."""
    cutoff = timezone.now() - older_than
    newer = PublishJob.objects.filter(
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        status=PublishJob.Status.LIVE,
        id__gt=OuterRef("id"),
    )
    stale = PublishJob.objects.filter(status=PublishJob.Status.LIVE, finished_at__lt=cutoff).filter(
        Exists(newer)
    )
    # Ids first: MySQL cannot delete from a table its own subquery reads.
    ids = list(stale.values_list("id", flat=True)[:10_000])
    return PublishJob.objects.filter(pk__in=ids).delete()[0]
