"""The fast ``date`` filter: Django's text, exactly, in every template."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation

from content.templatetags import dates
from publisher.pages.base import Site

FORMATS = [
    "c", "M j", "F j, Y", "F Y", "l, F j, Y, g:i a", "F j, Y, g:i a", "D d N y", "jS \\o\\f F",
    "z W L t E o", "N j, Y", "Y-m-d H:i:s", "M j, g a", "A", "G", "B", "f", "u", "I", "P", "Z", "\\M\\o\\n\\t\\h: F", "r", "U", "e O T", "",
]  # fmt: skip


def sample_values() -> list[object]:
    rng = random.Random(7)
    values: list[object] = [None, ""]
    start = datetime(1999, 12, 31, 23, 59, tzinfo=UTC)
    for _ in range(150):
        when = start + timedelta(seconds=rng.randint(0, 40 * 365 * 24 * 3600))
        values += [timezone.localtime(when), when.date()]
    # Either side of the daylight-saving changes in Chicago.
    values += [timezone.localtime(datetime(2026, 3, 8, h, 30, tzinfo=UTC)) for h in range(6, 10)]
    values += [timezone.localtime(datetime(2026, 11, 1, h, 30, tzinfo=UTC)) for h in range(5, 9)]
    return values


def outcome(date_filter: Callable[[object, str], str], value: object, format_string: str) -> str:
    try:
        return date_filter(value, format_string)
    except TypeError as exc:  # a time format on a date: Django refuses it
        return f"TypeError: {exc}"


@pytest.mark.parametrize("language", ["en", "de"])
def test_it_gives_exactly_what_djangos_date_filter_gives(language):
    with translation.override(language):
        for value in sample_values():
            for format_string in FORMATS:
                expected = outcome(django_date, value, format_string)
                assert outcome(dates.date, value, format_string) == expected, (value, format_string)
                # Asked again: the remembered text is the same.
                assert outcome(dates.date, value, format_string) == expected, (value, format_string)


def test_every_template_uses_it_with_times_in_the_sites_time_zone():
    template = engines["django"].from_string('{{ when|date:"M j, g:i a" }} {{ when|date:"M j" }}')
    assert template.template.engine.template_builtins[-1].filters["date"] is dates.date
    # 03:30 UTC on the 1st is still the evening of the 31st in Chicago.
    when = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
    assert template.render({"when": when}) == "Oct 31, 10:30 p.m. Oct 31"


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_reader_templates_date_filter_gives_the_same_text(language):
    # Jinja2's, for the reader templates: the time zone and language are
    # asked once per Site.
    template = engines["jinja2"].from_string(
        "{% for value in values %}{{ value|date(format) }}|{% endfor %}"
    )
    django = engines["django"].from_string(
        "{% for value in values %}{{ value|date:format }}|{% endfor %}"
    )
    values = [value for value in sample_values() if value is not None]
    values += [datetime(2026, 3, 8, h, 30, tzinfo=UTC) for h in range(6, 10)]  # UTC: converted
    with translation.override(language):
        for format_string in FORMATS:
            if format_string in ("", "c"):  # Django's "" is its default format
                continue
            try:
                expected = django.render({"values": values, "format": format_string})
            except TypeError:  # a time format on a date
                continue
            site = Site.current()
            context = {"values": values, "format": format_string, "site": site}
            assert template.render(context) == expected, format_string
