"""URL patterns: the path converters, and a fast ``reverse()`` for one route."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import converters, register_converter

from publisher.converters import Day, Month, Year

register_converter(Year, "yyyy")
register_converter(Month, "mm")
register_converter(Day, "dd")

Params = dict[str, Any]

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def formatter(route: str) -> Callable[[Params], str]:
    """A fast reverse() for one route: '/news/<slug:section>/' -> fill in."""
    parts: list[tuple[str, Any]] = []
    pos = 0
    all_converters = converters.get_converters()
    for match in _PARAM.finditer(route):
        parts.append((route[pos : match.start()], None))
        converter = all_converters[match.group("converter") or "str"]
        parts.append((match.group("name"), converter))
        pos = match.end()
    parts.append((route[pos:], None))

    def format_url(params: Params) -> str:
        out = ["/"]
        for text, converter in parts:
            out.append(text if converter is None else converter.to_url(params[text]))
        return "".join(out)

    return format_url
