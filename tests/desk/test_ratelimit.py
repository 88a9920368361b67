"""The readers' rate limit: counted in the database, atomically, per address."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from desk.models import PostCount, Submission
from desk.ratelimit import parse_rate, take_turn
from tests.support import submit_form


def in_parallel(work, n: int) -> list:
    """``work()`` in ``n`` threads started together (each its own connection)."""
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_posts_from_one_address_gets_exactly_the_limit_through(settings):
    settings.PUBLISHER_SUBMIT_RATE = "3/h"
    for n in range(1, 5):  # a race may go right once by luck: four readers, four bursts
        reader = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}  # as lighttpd passes it on

        def send(reader: dict = reader) -> int:
            return Client().post("/submit/tip/", submit_form("tip"), **reader).status_code

        statuses = in_parallel(send, 12)
        assert sorted(statuses) == [302] * 3 + [429] * 9, reader
    assert Submission.objects.count() == 3 * 4


@pytest.mark.django_db(transaction=True)
def test_parallel_turns_never_count_past_the_limit():
    taken = in_parallel(lambda: take_turn("desk.submit 203.0.113.9", "5/m", now=1_000_000), 16)
    assert taken.count(False) == 5
    assert PostCount.objects.get().count == 5


@pytest.mark.django_db
def test_a_new_period_starts_a_new_count_and_forgets_the_old_ones():
    assert [take_turn("a", "2/h", now=3600 * 10 + n) for n in range(3)] == [False, False, True]
    assert take_turn("b", "2/h", now=3600 * 10) is False
    # The next hour: a fresh count, and the hour that is over is forgotten.
    assert take_turn("a", "2/h", now=3600 * 11) is False
    assert list(PostCount.objects.values_list("key", "count")) == [("a", 1)]


@pytest.mark.django_db
def test_a_rate_of_zero_refuses_every_post():
    assert take_turn("a", "0/h") is True


@pytest.mark.parametrize(
    "rate, expected",
    [("10/h", (10, 3600)), ("5/15m", (5, 900)), ("1/s", (1, 1)), ("2/d", (2, 86400))],
)
def test_rates_read_as_posts_per_seconds(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.django_db
def test_with_the_count_failing_the_reader_is_told_and_keeps_what_they_typed(client, monkeypatch):
    from django.db import OperationalError

    def fail(*args, **kwargs):  # a fault we cannot provoke inside a test's transaction
        raise OperationalError("database is locked")

    monkeypatch.setattr("desk.views.over_the_limit", fail)
    response = client.post("/submit/letter/", submit_form("letter"))
    assert response.status_code == 503
    text = response.content.decode()
    assert "We could not save your submission just now" in text
    assert "Keep the library open on Sundays" in text
    assert Submission.objects.count() == 0
