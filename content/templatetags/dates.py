"""Django's ``date`` filter, the same text, faster.

Installed as a template builtin (``TEMPLATES`` in settings), so every
``{{ when|date:"F j, Y" }}`` in every template uses it. A list page formats
two dates per item and Django's filter costs tens of microseconds a call
(it looks up the active translation for every month and day name): on a
month archive of 800 items that was most of the page's rendering time.

- ``"c"`` on a datetime is ``isoformat()``, which is what Django returns.
- A format of calendar-day characters only (``"F j, Y"``, ``"M j"``) gives
  the same text for every time of the same day, so it is computed once per
  day, format and language.
- A format of day and time-of-day characters (``"F j, Y, g:i a"``) is cut
  into runs of each: Django formats character by character, so the text is
  the day runs' (once per day) followed by the time runs' (once per minute
  of the day and format; per second when they show seconds).
- Anything else goes to Django's filter unchanged.

``format_date`` is the same for a caller that knows the language already
(the Jinja2 reader templates ask once per build: ``content.templating``).
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.translation import get_language

register = template.Library()

# Format characters whose output depends on the calendar day only.
DAY_CHARACTERS = frozenset("dDjlNwzWFmMnyYLtSEo")
# ... and those whose output depends on the time of day only (to the second).
TIME_CHARACTERS = frozenset("aAfgGhHiPs")


@lru_cache(maxsize=256)
def is_day_format(format_string: str) -> bool:
    escaped = False
    for char in format_string:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isalpha() and char not in DAY_CHARACTERS:
            return False
    return True


@lru_cache(maxsize=256)
def day_and_time_runs(format_string: str) -> tuple[tuple[bool, str], ...] | None:
    """The format cut into runs of (is time of day, characters), literals
    joining the run they stand in; None when it has other characters (or
    escapes, which a cut could split)."""
    if "\\" in format_string:
        return None
    runs: list[tuple[bool, str]] = []
    is_time, run = False, ""
    for char in format_string:
        if char.isalpha():
            if char in DAY_CHARACTERS:
                kind = False
            elif char in TIME_CHARACTERS:
                kind = True
            else:
                return None
            if run and kind != is_time:
                runs.append((is_time, run))
                run = ""
            is_time = kind
        run += char
    runs.append((is_time, run))
    return tuple(runs)


@lru_cache(maxsize=8192)
def _day_text(day: Date, format_string: str, language: str | None) -> str:
    return django_date(day, format_string)


@lru_cache(maxsize=8192)
def _time_text(clock: tuple[int, int, int], format_string: str, language: str | None) -> str:
    return django_date(datetime(2000, 1, 1, *clock), format_string)


def _clock(value: datetime, run: str) -> tuple[int, int, int]:
    # The seconds only when the run shows them: a minute's texts are then
    # asked for every item published that minute, whatever its second.
    return (value.hour, value.minute, value.second if "s" in run else 0)


def format_date(value: Any, arg: str | None, language: str | None) -> str:
    """The filter, for a value already in local time and the active language."""
    if arg == "c" and isinstance(value, datetime):
        return value.isoformat()
    if arg and isinstance(value, Date):
        if is_day_format(arg):
            day = value.date() if isinstance(value, datetime) else value
            return _day_text(day, arg, language)
        runs = day_and_time_runs(arg) if isinstance(value, datetime) else None
        if runs is not None:
            day = value.date()
            return "".join(
                _time_text(_clock(value, run), run, language)
                if is_time
                else _day_text(day, run, language)
                for is_time, run in runs
            )
    return django_date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    return format_date(value, arg, get_language())


@register.filter(expects_localtime=True, is_safe=False)
def iso(value: Any) -> str:
    """A time for machines: HTML's ``datetime`` attribute, to the second.

    HTML allows at most three digits of a second's fraction, and ``date:"c"``
    gives Python's six whenever a time has microseconds (a publish time left
    at its default, "now", does).
    """
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Date):
        return value.isoformat()
    return ""
