"""A deleted submission (spam, or a sender's request) takes its photo with it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from desk.models import Submission


@receiver(post_delete, sender=Submission)
def delete_photo(sender: type, instance: Submission, **kwargs: Any) -> None:
    # After the commit: a delete rolled back keeps its file.
    if instance.photo:
        photo = instance.photo
        transaction.on_commit(lambda: photo.delete(save=False))
