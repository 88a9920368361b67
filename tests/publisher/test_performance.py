"""The build's query budget, index use, and parallel output (the benchmark
in bench/build.py measures the speed; these hold the shape of the work)."""

from __future__ import annotations

import gc
import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content import pages
from publisher.build import build_site
from publisher.pages import keyset, lists, sitemap

CONTENT_TABLES = {
    "content_story",
    "content_obituary",
    "content_crimereport",
    "content_byline",
    "content_birth",
    "content_wedding",
}


def seed(stories: int) -> None:
    call_command(
        "seed_demo",
        stories=stories,
        obituaries=stories // 5,
        crimes=stories // 5,
        # Every kind grows with the site, so doubling it doubles the pages.
        births=stories // 5,
        weddings=stories // 5,
        seed=3,
        anchor=date(2026, 6, 1),
        replace=True,
        verbosity=0,
    )


def measured_build() -> tuple[int, int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        result = build_site(jobs=1)
    return result.pages, len(queries), [q["sql"] for q in queries.captured_queries]


def published_statements() -> list[str]:
    """The queries of publishing: an edit to a story from the middle of the
    archive, and a new story."""
    from content.models import Author, Story
    from publisher.models import PublishJob
    from publisher.publish import process_queue
    from tests.support import make_story

    PublishJob.objects.update(status=PublishJob.Status.LIVE)
    with CaptureQueriesContext(connection) as queries:
        middle = Story.objects.published().order_by("publish_at")[Story.objects.count() // 2]
        middle.headline = "An old story, corrected"
        middle.save()
        new = make_story(section=middle.section, authors=[Author.objects.first()])
        process_queue()  # the test settings publish right after each commit
    done = PublishJob.objects.filter(status=PublishJob.Status.LIVE, finished_at__isnull=False)
    assert {middle.pk, new.pk} <= set(done.values_list("object_id", flat=True))
    return [q["sql"] for q in queries.captured_queries]


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "media" not in p.relative_to(root).parts
    }


@pytest.mark.django_db
def test_a_full_build_makes_at_most_one_query_per_50_pages_plus_a_constant(settings, monkeypatch):
    # The pages' budget; the search index's queries follow its shards, not
    # its pages (test_the_search_index_asks_a_few_queries_per_shard_and_kind).
    settings.PUBLISHER_SEARCH = False
    # Lists of 2 items, fetched in batches as many pages long as a real
    # build's (LIST_CHUNK rows for pages of 20): a few hundred stories make
    # list pages enough that what each batch costs shows.
    settings.PUBLISHER_PAGE_SIZE = 2
    monkeypatch.setattr(lists, "LIST_CHUNK", lists.LIST_CHUNK * 2 // 20)
    seed(300)
    small_pages, small_queries, _ = measured_build()
    seed(600)
    big_pages, big_queries, _ = measured_build()
    assert big_pages > small_pages * 1.8
    # The count does not follow the pages: doubling the site adds at most
    # one query per 50 new pages.
    assert big_queries - small_queries <= (big_pages - small_pages) / 50 + 5, (
        small_queries,
        big_queries,
    )
    # About ten per kind of item (its count, pages, list, feed, month
    # archives, sitemap part, photos), whatever the number of items; and a
    # few for the neighborhoods' pages (their index, maps, feeds, downloads).
    constant = 120
    assert big_queries <= big_pages / 50 + constant


@pytest.mark.django_db
def test_the_search_index_asks_a_few_queries_per_shard_and_kind(settings):
    from publisher import search
    from publisher.pages.registry import registry

    seed(600)
    settings.PUBLISHER_SEARCH = False
    _, without, _ = measured_build()
    settings.PUBLISHER_SEARCH = True
    shutil.rmtree(settings.PUBLISHER_BUILD_DIR)  # cold: every shard indexed
    _, with_search, _ = measured_build()
    shards = len(search.site_shards(registry().site()))
    kinds = len(search.searchable_pages())
    # Per shard and kind: its stamp, its rows (a batch of 500), a story
    # batch's bylines; plus the shards' months, once per kind.
    assert with_search - without <= shards * kinds * 3 + kinds, (without, with_search, shards)


@pytest.mark.django_db(transaction=True)
def test_two_jobs_render_exactly_the_same_files_as_one(settings):
    seed(250)
    threshold = gc.get_threshold()
    one = build_site(jobs=1)
    two = build_site(jobs=2)
    # The parent froze its objects for the fork, and collects them again after,
    # as often as before the render.
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
    assert one.pages == two.pages
    assert one.by_type == two.by_type
    assert files(one.release) == files(two.release)


@pytest.mark.django_db(transaction=True)
def test_a_failing_page_in_a_worker_fails_the_build_and_keeps_the_live_site(settings, monkeypatch):
    from publisher.render import RenderError

    seed(250)
    before = build_site(jobs=2).release
    original = pages.ObituaryPage.render

    def broken(self, site, params, context):
        raise RuntimeError("obituary template exploded")

    monkeypatch.setattr(pages.ObituaryPage, "render", broken)
    with pytest.raises(RenderError, match="obituary template exploded"):
        build_site(jobs=2)
    monkeypatch.setattr(pages.ObituaryPage, "render", original)
    assert (Path(settings.PUBLISHER_BUILD_DIR) / "site").resolve() == before
    assert not list((Path(settings.PUBLISHER_BUILD_DIR) / "releases").glob(".*.partial"))


# transaction=True: ANALYZE TABLE commits, so the test's rows are flushed after it.
@pytest.mark.django_db(transaction=True)
def test_every_list_and_detail_query_uses_an_index_on_mariadb(settings, monkeypatch):
    if connection.vendor != "mysql":
        pytest.skip("EXPLAIN is checked on MariaDB")
    seed(1500)
    # Batches in the proportion they have to a 50,000-story archive (a batch
    # of 500 rows out of 300 is best read with a full scan, and MariaDB
    # rightly does so): the plans are the ones a real archive gets.
    scale = 1500 / 50_000
    for module, name in [(keyset, "CHUNK"), (lists, "LIST_CHUNK"), (sitemap, "BATCH"),
                         (sitemap, "PART_SIZE")]:  # fmt: skip
        monkeypatch.setattr(module, name, max(10, int(getattr(module, name) * scale)))
    with connection.cursor() as cursor:
        # Statistics as a live database has them: InnoDB refreshes them in the
        # background after bulk inserts, maybe not before this build runs.
        cursor.execute("ANALYZE TABLE " + ", ".join(sorted(CONTENT_TABLES)))
        cursor.fetchall()
    _, _, statements = measured_build()
    statements += published_statements()
    selects = {sql for sql in statements if sql.startswith("SELECT")}
    full_scans = []
    with connection.cursor() as cursor:
        for sql in selects:
            cursor.execute("EXPLAIN " + sql)
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                plan = dict(zip(columns, row, strict=True))
                if plan["table"] in CONTENT_TABLES and plan["type"] == "ALL":
                    full_scans.append((plan["table"], sql[:300]))
    assert selects
    assert full_scans == [], "\n".join(map(str, full_scans))


@pytest.mark.django_db
def test_a_publishs_photos_are_looked_up_by_name_not_by_walking_the_archive():
    if connection.vendor != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    site = pages.REGISTRY.site()
    with CaptureQueriesContext(connection) as queries:
        pages.REGISTRY.live_media(site, ["photos/a.jpg"])
    assert len(queries.captured_queries) == 4  # one per kind with a photo
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "photo_lookup" in plan, (query["sql"], plan)
