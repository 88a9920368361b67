"""What an item's page shows of its approved comments (or guestbook)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from content.models import Comment


def comment_threads(comments: Iterable[ShownComment]) -> list[ShownComment]:
    """Approved comments oldest first, each top one with its approved
    replies (``thread``) under it: one level, as the form allows. A reply
    whose comment is no longer shown (removed since) stands on its own, so
    every approved comment is on the page and its count is the teaser's."""
    top: list[ShownComment] = []
    by_id: dict[int, ShownComment] = {}
    for comment in comments:
        comment.thread = []
        if comment.parent_id in by_id:
            by_id[comment.parent_id].thread.append(comment)
        else:
            top.append(comment)
            by_id[comment.pk] = comment
    return top


@dataclass
class ShownComment:
    """What a page shows of an approved comment: a plain row, not a model
    instance (a build makes one per comment on the site)."""

    pk: int
    item_id: int
    parent_id: int | None
    name: str
    body: str
    body_html: str
    posted_at: datetime
    thread: list[ShownComment] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"


SHOWN = ("pk", "item_id", "parent_id", "name", "body", "body_html", "posted_at")


def approved_comments(kind: str, ids: Iterable[int]) -> dict[int, list[ShownComment]]:
    """The approved comments of these items, by item, oldest first (one query)."""
    found: dict[int, list[ShownComment]] = {}
    rows = (
        Comment.objects.approved()
        .filter(kind=kind, item_id__in=list(ids))
        .order_by("posted_at", "id")
        .values_list(*SHOWN)
    )
    for row in rows:
        comment = ShownComment(*row)
        found.setdefault(comment.item_id, []).append(comment)
    return found
