"""Mail about comments, through Django's email backend, and only about
approved ones: a site that mailed on every post would send a spammer's mail
for them (the reply notice) to any address typed in the form.

- A commenter who ticked "email me when someone replies" gets one mail, when
  their comment is approved, asking them to confirm (double opt-in); only a
  confirmed address is told of replies, and every such mail carries a
  one-click unsubscribe link (RFC 8058).
- The newsroom can get a daily digest of the comments waiting
  (``manage.py comments_digest``, in the crontab).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from content.models import Comment

log = logging.getLogger(__name__)


def _link(name: str, comment: Comment) -> str:
    return settings.PUBLISHER_SITE_URL + reverse(name, args=[comment.token])


def _send(subject: str, body: str, to: str, headers: dict[str, str] | None = None) -> bool:
    subject = " ".join(subject.split())
    try:
        EmailMessage(subject, body, None, [to], headers=headers or {}).send()
    except Exception:
        log.exception("could not send comment mail %r", subject)
        return False
    return True


def ask_to_confirm(comment: Comment) -> bool:
    url = _link("desk:comment_replies_confirm", comment)
    body = (
        f"Your comment on {settings.PUBLISHER_SITE_NAME} is published:\n"
        f"{settings.PUBLISHER_SITE_URL}{comment.get_absolute_url()}\n\n"
        "You asked to be told of replies. Confirm that this is your address and "
        f"that you want these mails:\n{url}\n\n"
        "If you did not ask for this, ignore this mail: you will get no other."
    )
    return _send(
        f"Confirm replies to your comment on {settings.PUBLISHER_SITE_NAME}", body, comment.email
    )


def tell_of_reply(parent: Comment, reply: Comment) -> bool:
    stop = _link("desk:comment_replies_stop", parent)
    body = (
        f"{reply.name} replied to your comment on {settings.PUBLISHER_SITE_NAME}:\n"
        f"{settings.PUBLISHER_SITE_URL}{reply.get_absolute_url()}\n\n"
        f"To get no more of these mails: {stop}"
    )
    headers = {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return _send(
        f"A reply to your comment on {settings.PUBLISHER_SITE_NAME}", body, parent.email, headers
    )


def after_approval(comments: Iterable[Comment]) -> int:
    """The mails an approval sends (after the commit): the confirmation a
    commenter asked for, and the reply notices. Returns mails sent."""
    sent = 0
    for comment in comments:
        if comment.wants_replies and comment.replies_confirmed_at is None:
            sent += ask_to_confirm(comment)
        parent = comment.parent
        if (
            parent is not None
            and parent.wants_replies
            and parent.replies_confirmed_at is not None
            and parent.email != comment.email
        ):
            sent += tell_of_reply(parent, comment)
    return sent


def waiting_digest(now=None) -> tuple[str, str] | None:
    """(subject, body) of the newsroom's digest of waiting comments; None
    when none waits."""
    waiting = Comment.objects.filter(status=Comment.Status.PENDING)
    count = waiting.count()
    if not count:
        return None
    oldest = waiting.order_by("posted_at").values_list("posted_at", flat=True).first()
    queue = settings.PUBLISHER_SITE_URL + reverse("admin:desk_commentqueue_changelist")
    now = timezone.localtime(now or timezone.now())
    subject = f"{count} comment{'s' if count != 1 else ''} waiting for approval"
    body = (
        f"{count} readers' comments and guestbook entries wait for an editor "
        f"({now:%Y-%m-%d %H:%M}); the oldest was sent "
        f"{timezone.localtime(oldest):%Y-%m-%d %H:%M}.\n\n"
        f"The queue: {queue}?status__exact=pending"
    )
    return subject, body


def send_digest(now=None) -> int:
    """Mail the digest to the newsroom; the number of comments waiting."""
    digest = waiting_digest(now)
    if digest is None:
        return 0
    _send(*digest, settings.PUBLISHER_NEWSROOM_EMAIL)
    return Comment.objects.filter(status=Comment.Status.PENDING).count()
