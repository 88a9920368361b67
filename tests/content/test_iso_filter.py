"""The ``iso`` filter: times in HTML's datetime attributes, valid HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.template import engines


def render(value: object) -> str:
    return engines["django"].from_string("{{ value|iso }}").render({"value": value})


def test_a_time_is_given_to_the_second_in_the_papers_time_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    when = datetime(2026, 7, 4, 15, 30, 5, 123456, tzinfo=UTC)
    # HTML allows at most three fraction digits; Django's "c" gives six.
    assert render(when) == "2026-07-04T10:30:05-05:00"


def test_a_date_is_a_plain_date_and_nothing_is_nothing():
    assert render(date(2026, 7, 4)) == "2026-07-04"
    assert render(None) == ""
    assert render("") == ""
