"""Editors' body text: Markdown in, sanitised HTML out (no Django in here).

Editors type Markdown; inline HTML is allowed too. Whatever they type, the
result goes through nh3 (the Ammonia sanitiser) with an allow-list, so a
``<script>``, an ``onerror=`` or a ``javascript:`` URL never reaches a page.

The parser is markdown-it-py (CommonMark, with tables): its time grows in
step with the text, whatever the text. Python-Markdown, used before, took
90 seconds over 20,000 ``[`` characters. ``MAX_BODY_CHARS`` bounds the
worst case.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "hr", "i", "img",
    "ins", "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# About 8,000 words, a long feature. The slowest inputs found (thousands of
# table rows, or "![" over and over) take about 11 microseconds a character,
# so a body at the limit renders in about half a second; prose in 0.01 s.
MAX_BODY_CHARS = 50_000


# Python-Markdown's habits kept, so stored bodies render as before: raw HTML
# passes through to the sanitiser, tables work, <br> rather than <br />.
# Nesting is capped (blockquotes, lists) by CommonMark's own maxNesting.
# Made on first use: only a save renders Markdown, and a build's or a
# publish's processes need not carry the parser.
_parser: Any = None


def _markdown() -> Any:
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark", {"html": True, "xhtmlOut": False}).enable("table")
        # Every link is a link, as it was: nh3's scheme allow-list is the one
        # guard, and it keeps the link text while dropping a javascript: href,
        # where the parser would leave the whole [text](javascript:…) source
        # on the page.
        parser.validateLink = lambda url: True
        _parser = parser
    return _parser


def render_body(source: str) -> str:
    """Turn an editor's Markdown/HTML into HTML that is safe to publish."""
    return without_tracking_images(
        nh3.clean(
            # Blocks end in a newline here, and not in Python-Markdown: stored
            # bodies keep their bytes.
            _markdown().render(source or "").rstrip("\n"),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


# An <img> as nh3 writes it: every value in double quotes, a quote inside
# one written &quot;, so a ">" inside a value cannot end the match early.
_IMG = re.compile(r'<img(?:\s+[^\s"=>/]+(?:="[^"]*")?)*\s*/?>')
_SIZE = re.compile(r'\s(?:width|height)="\s*([0-9]*\.?[0-9]*)')


def without_tracking_images(markup: str) -> str:
    """``markup`` without images drawn 0 or 1 pixel wide or high: a tracking
    pixel (it tells another site who read the page, and when) shows nothing."""

    def keep(match: re.Match) -> str:
        for size in _SIZE.findall(match.group()):
            if size.strip(".") and float(size) < 2:
                return ""
        return match.group()

    return _IMG.sub(keep, markup) if "<img" in markup else markup


def plain_text(markup: str, limit: int = 200) -> str:
    """The first ``limit`` characters of the text of ``markup``, for descriptions."""
    # Every story page needs one, from a body of many kilobytes: try the
    # start of the markup first. Where the cut falls it can break a tag or
    # an entity, but only in the text's last characters, past the margin.
    head = markup[: (limit + MARGIN) * 4]
    text = _text(head)
    if len(head) == len(markup) or len(text) <= limit + MARGIN:
        text = _text(markup)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


MARGIN = 40  # characters: longer than any broken tag's or entity's remains


def _text(markup: str) -> str:
    return " ".join(html.unescape(nh3.clean(markup, tags=set())).split())
