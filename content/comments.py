"""Readers' comments as text: how one is shown, fingerprinted and closed.

No Django here. A comment is plain text: it is shown as paragraphs (a blank
line between them, a line break kept as one), every web address in it a link
marked ``rel="nofollow ugc"`` (search engines give it no weight, and the
paper vouches for nothing a reader links to). Nothing the reader typed is
markup: ``<b>`` shows as ``<b>``.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

# A web address, up to the first space or angle bracket; what ends a
# sentence after it ("see https://example.com.") is not part of it.
URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""
PARAGRAPHS = re.compile(r"\n\s*\n")


def normalise(text: str) -> str:
    """The text as stored: Unix line ends, no trailing blanks, no control
    characters but line breaks and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def links(text: str) -> list[str]:
    return [match.rstrip(TRAILING) for match in URL.findall(text)]


def _linked(text: str) -> str:
    out, last = [], 0
    for match in URL.finditer(text):
        url = match.group(0)
        stripped = url.rstrip(TRAILING)
        # Keep a closing bracket opened inside the address (Wikipedia's).
        if url[len(stripped) :].startswith(")") and stripped.count("(") > stripped.count(")"):
            stripped += ")"
        out.append(html.escape(text[last : match.start()]))
        out.append(
            f'<a href="{html.escape(stripped)}" rel="nofollow ugc">{html.escape(stripped)}</a>'
        )
        last = match.start() + len(stripped)
    out.append(html.escape(text[last:]))
    return "".join(out)


def render(text: str) -> str:
    """A comment's HTML: escaped paragraphs, addresses as links."""
    paragraphs = [p for p in PARAGRAPHS.split(normalise(text)) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_linked(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


def digest(text: str) -> str:
    """The same words, whatever the spacing or case: the same digest."""
    words = " ".join(normalise(text).casefold().split())
    return hashlib.sha256(words.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def closes_at(
    kind: str, commenting: str, publish_at: datetime, days: int
) -> datetime | None | bool:
    """When an item's comments close: a time, None (never), or False (they
    are closed: an editor closed them, or a crime report left to the rule).

    ``commenting`` is the item's ``Commenting`` value; ``days`` the site's
    ``PUBLISHER_COMMENTS_DAYS`` (0: comments never close by age).
    """
    if commenting == "closed":
        return False
    if commenting == "open":
        return None
    if kind == "crime":
        return False
    if days <= 0:
        return None
    return publish_at + timedelta(days=days)


def is_open(kind: str, commenting: str, publish_at: datetime, days: int, now: datetime) -> bool:
    closes = closes_at(kind, commenting, publish_at, days)
    return closes is None or (closes is not False and now < closes)
