"""The month archive lists exactly the months with something published, each
in the paper's own time zone. Its list of months costs what the months with
items cost, never the calendar span: a story dated a century early (a typo'd year
that got in before the checks) must not slow every publish."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import Status, Story
from content.pages import REGISTRY
from publisher.pages import archive, keyset
from publisher.pages import archive as pages
from publisher.pages import sitemap as sitemaps
from publisher.pages.archive import month_start
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_obituary,
    make_story,
    start_live_site,
)

CHICAGO = ZoneInfo("America/Chicago")
PAGES = REGISTRY.by_name


def months_and_queries() -> tuple[list[tuple[int, int]], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        months = pages.months_with_items(Story.objects.published())
    return months, [q["sql"] for q in queries.captured_queries]


def a_century_early(story: Story) -> None:
    """What a typo'd year left in the database before the checks: written
    past the model's validation, as an old row or a raw script would be."""
    Story.objects.filter(pk=story.pk).update(publish_at=datetime(1926, 3, 15, 9, tzinfo=CHICAGO))


@pytest.mark.django_db
def test_a_story_a_century_early_costs_the_month_list_one_query_not_one_per_window(monkeypatch):
    monkeypatch.setattr(pages, "MONTHS_PER_PROBE", 12)
    for days in (1, 40, 80):
        make_story(publish_at=timezone.now() - timedelta(days=days))
    months, before = months_and_queries()

    a_century_early(make_story())
    months_after, after = months_and_queries()

    assert months_after == [(1926, 3), *months]
    # A probe per month of the span would be 1,200 probes in 100 queries.
    assert len(after) <= len(before) + 1
    probes = sum(sql.count("EXISTS(") for sql in after)
    assert probes <= pages.MONTHS_PER_PROBE * len(months_after)


@pytest.mark.django_db
@pytest.mark.parametrize("per_query", [1, 3, 240])
def test_months_far_apart_are_each_found_with_their_local_month(monkeypatch, per_query):
    monkeypatch.setattr(pages, "MONTHS_PER_PROBE", per_query)
    # Late on the last day of a month in Chicago is the next month in UTC.
    for when in [(1901, 1, 31, 23, 30), (1950, 6, 1, 0, 5), (1950, 7, 4), (2026, 2, 28, 23)]:
        make_story(publish_at=datetime(*when, tzinfo=CHICAGO))

    months, queries = months_and_queries()

    assert months == [(1901, 1), (1950, 6), (1950, 7), (2026, 2)]
    assert len(queries) <= 1 + len(months)


def test_a_story_a_century_early_does_not_make_each_publish_cost_more(newsroom):
    start_live_site()
    story = newsroom["published"][1]

    def publish_an_edit(headline: str) -> int:
        story.headline = headline
        story.save()
        with CaptureQueriesContext(connection) as queries:
            process_queue()
        return len(queries)

    publish_an_edit("Warm up")  # caches of the first publish
    before = publish_an_edit("Before the typo")
    a_century_early(newsroom["published"][-1])
    after = publish_an_edit("After the typo")

    # One jump over the century: the span's 1,200 months would be five probe
    # queries each time the list is asked for.
    assert after <= before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("per_query", [2, 240])
def test_the_archive_lists_exactly_the_months_with_something_published(monkeypatch, per_query):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.support import make_crime, make_obituary

    monkeypatch.setattr(archive, "MONTHS_PER_PROBE", per_query)
    chicago = ZoneInfo("America/Chicago")

    def local(*args: int) -> datetime:
        return datetime(*args, tzinfo=chicago)

    # Late on the last day of March in Chicago is already April in UTC.
    make_story(publish_at=local(2023, 3, 31, 23, 30))
    make_story(publish_at=local(2023, 6, 1, 0, 5))
    make_obituary(publish_at=local(2023, 9, 30, 23, 59))
    make_crime(publish_at=local(2024, 1, 15, 12))
    make_story(publish_at=local(2024, 2, 10), status=Status.DRAFT)  # not a month of its own
    make_crime(publish_at=local(2025, 5, 1, 0, 1))
    site = REGISTRY.site()
    assert PAGES["archive"].months(site) == [
        (2025, 5), (2024, 1), (2023, 9), (2023, 6), (2023, 3),
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_run_of_months_is_read_one_month_at_a_time(monkeypatch):
    # A build with one process renders every month in one run: holding the
    # whole run made each batch's collection walk the whole archive.
    monkeypatch.setattr(keyset, "CHUNK", 2)
    for days in (1, 2, 3, 4, 40, 41, 42, 43, 80, 81, 82, 83):
        make_story(publish_at=timezone.now() - timedelta(days=days))
    page = PAGES["archive"]
    site = REGISTRY.site()
    (unit,) = page.units(site)
    with CaptureQueriesContext(connection) as queries:
        months = page.unit_contexts(site, unit)
        first_params, first = next(months)
        after_first = len(queries.captured_queries)
        rest = list(months)
    assert len(rest) + 1 == len(page.months(site)) >= 3
    assert first_params == {
        **dict(zip(("year", "month"), page.months(site)[0], strict=True)),
        "page": 0,
    }
    assert len(first["stories"]) == sum(
        1 for s in Story.objects.published() if archive.local_month(s) == page.months(site)[0]
    )
    # The first month's page came before the older months' rows were read
    # (four stories each, two a query).
    assert after_first <= len(queries.captured_queries) - 4


def a_busy_month(now, stories: int, obituaries: int) -> tuple[int, int]:
    """Last month with ``stories`` stories and ``obituaries`` obituaries,
    some published at the same minute (ties are ordered too)."""
    first = (timezone.localtime(now).replace(day=1) - timedelta(days=1)).replace(day=1, hour=9)
    for n in range(stories):
        make_story(headline=f"Busy month story {n}", publish_at=first + timedelta(hours=13 * n))
    for n in range(obituaries):
        make_obituary(publish_at=first + timedelta(hours=26 * n))
    return first.year, first.month


def month_page_urls(root, year: int, month: int) -> list[str]:
    base = f"/archive/{year}/{month:02d}/"
    numbered = sorted((root / base[1:] / "page").glob("*/index.html"))
    return [base, *(f"{base}page/{path.parent.name}/" for path in numbered)]


def linked_items(html: str) -> list[str]:
    return re.findall(r'<li><time[^>]*>[^<]*</time> <a href="([^"]+)"', html)


def test_a_busy_month_is_paginated_like_every_list(newsroom, settings, monkeypatch):
    monkeypatch.setattr(archive, "ARCHIVE_PAGE_LISTS", 1)  # 5 items a page (page size 5)
    year, month = a_busy_month(timezone.now(), stories=17, obituaries=6)
    start_live_site()
    root = live_root(settings)
    everything = [item for kind in REGISTRY.item_kinds for item in kind.model.objects.published()]
    in_month = [
        item.get_absolute_url() for item in everything if archive.local_month(item) == (year, month)
    ]
    urls = month_page_urls(root, year, month)

    # Every item of the month on exactly one page, the newest on the first.
    pages = {url: file_for(root, url).read_text() for url in urls}
    listed = [link for html in pages.values() for link in linked_items(html)]
    assert sorted(listed) == sorted(in_month) and len(in_month) >= 23
    chunks = archive.Chunks(len(in_month), 5)
    assert len(urls) == chunks.last_page + 1 > 2
    assert all(len(linked_items(html)) <= 10 for html in pages.values())
    newest = max(
        (m for m in everything if archive.local_month(m) == (year, month)),
        key=lambda item: item.publish_at,
    )
    assert linked_items(pages[urls[0]])[0] == newest.get_absolute_url()
    # Pages link to each other, and each page is in the sitemap.
    assert f'href="/archive/{year}/{month:02d}/page/{chunks.last_page}/"' in pages[urls[0]]
    assert "(page 1)" in pages[f"/archive/{year}/{month:02d}/page/1/"]
    sitemap = (root / "sitemap.xml").read_text()
    for url in urls:
        assert f"{url}</loc>" in sitemap, url


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_publishing_in_a_busy_month_leaves_its_pages_as_a_full_build_would(
    newsroom, settings, tmp_path, monkeypatch, seed
):
    monkeypatch.setattr(archive, "ARCHIVE_PAGE_LISTS", 1)  # 5 items a page (page size 5)
    now = timezone.now()
    year, month = a_busy_month(now, stories=14, obituaries=4)
    start_live_site()
    rng = random.Random(seed)
    first = month_start(year, month)
    for step in range(12):
        in_month = list(
            Story.objects.filter(publish_at__gte=first, publish_at__lt=first + timedelta(days=28))
        )
        story = rng.choice(in_month)
        op = rng.choice(["new", "new", "unpublish", "publish", "move_out", "move_in", "delete"])
        if op == "new":
            make_story(publish_at=first + timedelta(hours=rng.randint(0, 27 * 24)))
        elif op in ("unpublish", "publish"):
            story.status = Status.DRAFT if op == "unpublish" else Status.PUBLISHED
            story.save()
        elif op == "move_out":
            story.publish_at = now - timedelta(days=rng.randint(70, 90))
            story.save()
        elif op == "move_in":
            other = Story.objects.published().exclude(pk__in=[s.pk for s in in_month]).first()
            if other is not None:
                other.publish_at = first + timedelta(hours=rng.randint(0, 27 * 24))
                other.save()
        elif op == "delete" and len(in_month) > 6:
            story.delete()
        if step % 4 == 3:
            assert_same_as_full_build(settings, tmp_path)
    assert_same_as_full_build(settings, tmp_path)


@pytest.mark.parametrize("sitemap_limit", [50_000, 8])  # 8: an index of part files
def test_a_month_that_gains_or_loses_a_page_is_listed_so_in_the_sitemap(
    newsroom, settings, tmp_path, monkeypatch, sitemap_limit
):
    monkeypatch.setattr(archive, "ARCHIVE_PAGE_LISTS", 1)  # 5 items a page (page size 5)
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", sitemap_limit)
    year, month = a_busy_month(timezone.now(), stories=12, obituaries=0)
    start_live_site()
    first = month_start(year, month)
    added = []
    # One at a time: within five, the month has one more page.
    for n in range(5):
        added.append(make_story(publish_at=first + timedelta(days=2, minutes=n)))
        assert_same_as_full_build(settings, tmp_path)
    for story in added:
        story.status = Status.DRAFT
        story.save()
        assert_same_as_full_build(settings, tmp_path)
