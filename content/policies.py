"""The paper's policies as pages editors edit: ``/policies/unpublishing/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import models

from content import text

DEFAULT_UNPUBLISHING = Path(__file__).with_name("data") / "unpublishing.md"


def default_unpublishing_text() -> str:
    return DEFAULT_UNPUBLISHING.read_text(encoding="utf-8")


class UnpublishingPolicy(models.Model):
    """The unpublishing policy: one row (the first), edited in the admin.
    Saving it republishes its page (``content.signals``)."""

    title = models.CharField(max_length=200, default="Our unpublishing policy")
    body = models.TextField(
        default=default_unpublishing_text,
        help_text="Markdown, as in items: blank line between paragraphs, **bold**, lists.",
    )
    body_html = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "unpublishing policy"
        verbose_name_plural = "unpublishing policy"

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = text.render_body(self.body)
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> UnpublishingPolicy:
        """The policy readers see: the saved one, else the default text."""
        policy = cls.objects.order_by("pk").first()
        if policy is None:
            policy = cls()
            policy.body_html = text.render_body(policy.body)
        return policy
