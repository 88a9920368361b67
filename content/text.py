"""Editors' body text: Markdown in, sanitised HTML out (no Django in here).

Editors type Markdown; inline HTML is allowed too. Whatever they type, the
result goes through nh3 (the Ammonia sanitiser) with an allow-list, so a
``<script>``, an ``onerror=`` or a ``javascript:`` URL never reaches a page.
"""

from __future__ import annotations

import html
import threading

import markdown
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

_local = threading.local()


def _markdown() -> markdown.Markdown:
    # A Markdown instance keeps state between calls: one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    return md


def render_body(source: str) -> str:
    """Turn an editor's Markdown/HTML into HTML that is safe to publish."""
    md = _markdown()
    md.reset()
    return nh3.clean(
        md.convert(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


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
