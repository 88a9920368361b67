"""Takedown and anonymisation requests, and the audit log of what came of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Decision(models.TextChoices):
    DECLINE = "decline", "Decline: the item stays as it is"
    ANONYMISE = "anonymise", "Anonymise: replace the name, remove the photo"
    REMOVE = "remove", "Remove: the address answers 410 Gone"


class TakedownRequest(models.Model):
    """Someone asks the paper to take an item down or take their name out of
    it. Reporters log requests; only Editors decide (``decide_takedownrequest``).
    Once decided, a request is part of the record and is not changed again."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received: waiting for an editor"
        DECIDED = "decided", "Decided"

    requester = models.CharField("who asked", max_length=200)
    contact = models.CharField(
        "how to reach them",
        max_length=300,
        help_text="An email address, a phone number, a postal address.",
    )
    kind = models.CharField("kind of item", max_length=20)
    object_id = models.PositiveBigIntegerField(
        "item number", help_text="The item's number, as in its admin address (…/story/42/change/)."
    )
    reason = models.TextField(help_text="What they ask for and why, in their words.")
    received_at = models.DateTimeField("received", default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    names = models.TextField(
        "names to replace",
        blank=True,
        help_text="Anonymise: each spelling of the name to take out, one a line "
        "(“Jane Q. Doe”, “Doe”). Case does not matter.",
    )
    replacement = models.CharField(
        "replace with",
        max_length=200,
        blank=True,
        help_text="Anonymise: the decided wording, e.g. “a 34-year-old Millbrook woman”.",
    )
    note = models.TextField(blank=True, help_text="Why the editor decided as they did.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "takedown request"
        permissions = [("decide_takedownrequest", "Can decide takedown requests")]
        indexes = [models.Index(fields=["kind", "object_id"], name="takedown_item")]

    def __str__(self) -> str:
        return f"Request #{self.pk} from {self.requester}"

    @property
    def is_decided(self) -> bool:
        return self.status == self.Status.DECIDED

    def name_list(self) -> list[str]:
        """The names to replace, longest first (so "Jane Doe" goes before "Doe")."""
        names = {line.strip() for line in self.names.splitlines() if line.strip()}
        return sorted(names, key=lambda name: (-len(name), name))


APPEND_ONLY = "The audit log is append-only: a line cannot be changed or deleted."


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk change or delete of audit lines, from any script."""

    def update(self, **kwargs: Any) -> int:
        raise ValidationError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(APPEND_ONLY)


class AuditEntry(models.Model):
    """One line of the record of requests and decisions: append-only. The
    admin shows it read-only to everyone, superusers included, and the model
    refuses to change or delete a line from any code path."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name as it was: the line reads the same if the account goes.
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    request = models.ForeignKey(
        TakedownRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="audit"
    )
    kind = models.CharField(max_length=20, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        # Viewing only: no add, change or delete permission exists to grant.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise ValidationError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(APPEND_ONLY)


def log(
    action: str, actor: Any = None, request: TakedownRequest | None = None, detail: str = ""
) -> AuditEntry:
    """Append a line to the audit log."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "get_username", lambda: "")(),
        action=action,
        request=request,
        kind=request.kind if request else "",
        object_id=request.object_id if request else None,
        detail=detail,
    )
