"""Text in the newsroom's style: AP dates, times, numbers and lists; body HTML."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date, datetime

from content.text import render_body

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def long_date(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def clock(at: datetime) -> str:
    """AP style: 9 a.m., 2:15 p.m., noon, midnight."""
    if at.minute == 0 and at.hour in (0, 12):
        return "midnight" if at.hour == 0 else "noon"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes} {'a.m.' if at.hour < 12 else 'p.m.'}"


def series(items: Sequence[str]) -> str:
    """AP style: "a, b and c"; semicolons once an item has a comma of its own."""
    if len(items) == 1:
        return items[0]
    sep = "; " if any("," in item for item in items) else ", "
    last_sep = "; and " if sep == "; " else " and "
    return sep.join(items[:-1]) + last_sep + items[-1]


def number(n: int) -> str:
    """AP style: words below 10, figures from 10."""
    return NUMBER_WORDS[n] if n < 10 else str(n)


def body_html(blocks: Sequence[str]) -> str:
    """What ``render_body("\\n\\n".join(blocks))`` returns, a block at a time.

    Markdown renders blank-line-separated blocks independently and joins them
    with a newline; plain prose needs nothing but its ``<p>``, and anything
    else goes through render_body once per distinct block. The tests hold this
    byte-identical to render_body on every seeded row.
    """
    return "\n".join(_block_html(block) for block in blocks)


# Prose that Markdown only wraps in <p> and the sanitiser leaves alone: no
# markup or HTML-special characters, and a capital first letter, so it cannot
# open a list, heading, quote, code block or definition.
_PROSE = re.compile(r"[A-Z“][A-Za-z0-9 ,.;:!?'’‘“”$%()/—–-]*\Z")


def _block_html(block: str) -> str:
    if _PROSE.match(block) and "  " not in block and not block.endswith(" "):
        return f"<p>{block}</p>"
    return _rendered(block)


@functools.lru_cache(maxsize=4096)
def _rendered(block: str) -> str:
    return render_body(block)
