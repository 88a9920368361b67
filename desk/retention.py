"""Submitted photos on disk: how much they take, and forgetting those an
editor decided on long ago.

Photos wait in ``PUBLISHER_SUBMISSIONS_ROOT`` until an editor decides; a
flood of submissions must not fill the disk (``PUBLISHER_SUBMISSIONS_MAX_MB``
caps the total), and a decided submission's photo is not kept forever
(``PUBLISHER_SUBMISSIONS_KEEP_DAYS``): a declined one was not wanted, a
handled one was dealt with, and a drafted one's photo was copied into its
item. The submission's row stays (the decision is part of the record).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from desk.models import Submission

DECIDED = (Submission.Status.DECLINED, Submission.Status.HANDLED, Submission.Status.DRAFTED)


def stored_bytes(root: Path | None = None) -> int:
    """The size of every file under the submissions folder (0 if none yet)."""
    total = 0
    for folder, _, files in os.walk(root or settings.PUBLISHER_SUBMISSIONS_ROOT):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # pruned meanwhile
                total += os.stat(os.path.join(folder, name)).st_size
    return total


def room_for(size: int) -> bool:
    """Whether a photo of ``size`` bytes fits under PUBLISHER_SUBMISSIONS_MAX_MB."""
    return stored_bytes() + size <= settings.PUBLISHER_SUBMISSIONS_MAX_MB * 1024 * 1024


@dataclass
class Pruned:
    photos: int = 0
    bytes: int = 0


def prune_photos(dry_run: bool = False, now: datetime | None = None) -> Pruned:
    """Delete the photos of submissions decided more than
    PUBLISHER_SUBMISSIONS_KEEP_DAYS ago (waiting ones are never touched)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PUBLISHER_SUBMISSIONS_KEEP_DAYS)
    due = (
        Submission.objects.filter(status__in=DECIDED, decided_at__lt=cutoff)
        .exclude(photo="")
        .only("pk", "photo")
    )
    pruned = Pruned()
    for submission in due.iterator():
        pruned.photos += 1
        # A photo gone already: the row forgets it all the same.
        with contextlib.suppress(FileNotFoundError):
            pruned.bytes += submission.photo.size
        if not dry_run:
            submission.photo.delete(save=False)
            Submission.objects.filter(pk=submission.pk).update(photo="")
    return pruned
