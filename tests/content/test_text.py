"""Descriptions cut from bodies: the same text as cleaning the whole body."""

from __future__ import annotations

import html
import random

import nh3

from content.text import plain_text, render_body

PIECES = [
    "word", "Millbrook", "&amp;", "&lt;tag&gt;", "&eacute;t&eacute;", "&#8217;", "caf\u00e9",
    "**bold**", "*it*", "[a link](https://example.com/a/long/path?x=1&y=2)", "`code`",
    "<abbr title='a very long title attribute that spans'>ABC</abbr>", "\n\n", "\n\n> quote ",
    "\n\n- item", "![photo](/media/p.jpg \"A caption\")", "  ", "x" * 60,
]  # fmt: skip


def reference(markup: str, limit: int = 200) -> str:
    text = " ".join(html.unescape(nh3.clean(markup, tags=set())).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def test_the_description_is_what_cleaning_the_whole_body_gives():
    rng = random.Random(5)
    for _ in range(150):
        source = " ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 300)))
        markup = render_body(source)
        # Every length: the start of the markup is cut in every kind of place.
        for limit in range(1, 400, 3):
            assert plain_text(markup, limit) == reference(markup, limit), (limit, markup[:300])


def test_a_short_body_is_its_whole_text():
    assert plain_text("<p>Council meets <b>tonight</b> &amp; votes.</p>") == (
        "Council meets tonight & votes."
    )
