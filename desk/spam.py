"""The optional spam service: Akismet, through the ``akismet`` library.

Off unless ``PUBLISHER_AKISMET_KEY`` is set; the honeypot, the rate limit
and the desk's own rules (``desk.comments.held_for``) come first either way.
When on, each comment that passed those is sent to Akismet before it is
stored, with what the reader's browser told us (address, user agent,
referrer) and the page it is about. What Akismet answers only ever holds a
comment back, never lets one through:

- ham: nothing changes (a trusted commenter still goes up at once);
- spam: the comment waits for an editor, the queue saying why ("service");
- blatant spam (Akismet's ``discard`` hint): stored as spam, out of the
  waiting queue but kept (the Spam filter shows it);
- no answer (a timeout, a refused key, the service down): the comment waits
  ("unchecked"), and the failure is logged. Nothing is lost and no reader
  is told anything different: a spammer learns nothing from the reply.

A reader's post waits at most ``TIMEOUT`` seconds for the service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

from content.models import Comment
from desk.client import reader_address

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

TIMEOUT = 2.0  # seconds


class Verdict(Enum):
    HAM = "ham"
    SPAM = "spam"
    BLATANT = "blatant"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class Reader:
    """What the reader's request says about them, for the service."""

    address: str
    user_agent: str
    referrer: str

    @classmethod
    def of(cls, request: HttpRequest) -> Reader:
        return cls(
            address=reader_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
            referrer=request.META.get("HTTP_REFERER", "")[:500],
        )


def enabled() -> bool:
    return bool(settings.PUBLISHER_AKISMET_KEY)


def http_client() -> httpx.Client | None:
    """The HTTP client to reach the service with (None: a new one to Akismet
    itself). The tests point it at a stand-in service on a loopback port."""
    return None


def check(comment: Comment, reader: Reader) -> Verdict:
    """What Akismet says of this comment (HAM when the service is off)."""
    if not enabled():
        return Verdict.HAM
    # Imported here: the two weigh 21 MB, which every process (a build's
    # workers too) would carry for a service that is off by default.
    import akismet
    import httpx

    site = settings.PUBLISHER_SITE_URL
    config = akismet.Config(key=settings.PUBLISHER_AKISMET_KEY, url=site)
    item = comment.item
    http = http_client() or httpx.Client(
        headers={"User-Agent": akismet.USER_AGENT}, timeout=TIMEOUT
    )
    try:
        with http:  # one request: the key is checked by the answer itself
            client = akismet.SyncClient(config=config, http_client=http)
            answer = client.comment_check(
                user_ip=reader.address,
                user_agent=reader.user_agent,
                referrer=reader.referrer,
                permalink=site + item.get_absolute_url() if item is not None else site,
                comment_type="reply" if comment.parent_id else "comment",
                comment_author=comment.name,
                comment_author_email=comment.email,
                comment_content=comment.body,
                blog_lang="en",
                blog_charset="UTF-8",
            )
    except (akismet.AkismetError, httpx.HTTPError, OSError) as error:
        log.warning("spam service did not answer, comment held: %s", error)
        return Verdict.UNCHECKED
    if answer == akismet.CheckResponse.DISCARD:
        return Verdict.BLATANT
    if answer == akismet.CheckResponse.SPAM:
        return Verdict.SPAM
    return Verdict.HAM
