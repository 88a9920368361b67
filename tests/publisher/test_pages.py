"""The page registry: one declaration, the same bytes by every path."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from content import pages as newsroom_pages
from content.models import Status
from content.pages import REGISTRY
from publisher.pages import archive, keyset, lists, places
from publisher.pages.base import ItemView
from publisher.paths import file_path
from tests.support import make_author, make_story, page_files

PAGES = REGISTRY.by_name


def test_the_dev_server_serves_the_same_bytes_as_the_build(newsroom, settings, client):
    call_command("build", verbosity=0)
    built = page_files(Path(settings.PUBLISHER_BUILD_DIR) / "site")
    assert len(built) > 50
    for url, path in built.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content == path.read_bytes(), f"{url} differs from the built file"


def test_the_fast_url_formatter_agrees_with_reverse(newsroom):
    site = REGISTRY.site()
    checked = 0
    for page in REGISTRY.pages:
        for params in page.params(site):
            page_number = params.get("page", 0)
            name = page.name + "_page" if page_number else page.name
            kwargs = {k: v for k, v in params.items() if not (k == "page" and not page_number)}
            assert page.url(params) == reverse(name, kwargs=kwargs)
            checked += 1
    assert checked > 50


def test_batch_enumeration_and_params_list_the_same_pages(newsroom):
    site = REGISTRY.site()
    for page in REGISTRY.pages:
        from_batches = [params for params, _ in page.contexts(site)]
        assert from_batches == list(page.params(site)) or sorted(map(str, from_batches)) == sorted(
            map(str, page.params(site))
        ), page.name
        assert len(from_batches) == page.count(site), page.name


@pytest.mark.parametrize(
    "url",
    [
        "/news/page/0/",
        "/news/page/99/",
        "/news/no-such-section/",
        "/news/2020/01/01/no-such-story/",
        "/authors/nobody/",
        "/archive/1999/01/",
        "/archive/2020/13/",
        "/feeds/news/no-such-section.xml",
        "/sitemaps/stories-1.xml",
    ],
)
def test_the_dev_server_answers_404_for_pages_that_do_not_exist(newsroom, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_a_story_at_the_wrong_date_is_not_found(newsroom, client):
    story = newsroom["published"][0]
    right = story.get_absolute_url()
    wrong = right.replace(f"/{story.local_publish_at:%Y}/", "/1999/")
    assert client.get(right).status_code == 200
    assert client.get(wrong).status_code == 404


def test_hidden_stories_are_not_served_by_the_dev_server_either(newsroom, client):
    for story in newsroom["hidden_stories"]:
        params = PAGES["story"].params_for(story)
        assert client.get(PAGES["story"].url(params)).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/../etc/", "/news/../x/", "/a//b/", "/.hidden/", "relative/", "/a\\b/", "/news/./x/"],
)
def test_file_path_refuses_urls_that_could_escape_the_document_root(url):
    with pytest.raises(ValueError, match="unsafe URL"):
        file_path(url)


def test_file_path_maps_clean_urls_to_index_files():
    assert file_path("/") == "index.html"
    assert file_path("/news/page/2/") == "news/page/2/index.html"
    assert file_path("/feeds/news.xml") == "feeds/news.xml"


def test_preview_needs_a_login(newsroom, client):
    draft = newsroom["hidden_stories"][0]
    response = client.get(reverse("preview", args=["story", draft.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_preview_shows_a_draft_as_it_will_look(newsroom, admin_client):
    draft = newsroom["hidden_stories"][0]
    response = admin_client.get(reverse("preview", args=["story", draft.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Secret draft headline</h1>" in body
    assert "Preview." in body and 'content="noindex, nofollow"' in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_preview_of_an_unknown_item_is_404(newsroom, admin_client):
    assert admin_client.get(reverse("preview", args=["story", 999999])).status_code == 404
    assert admin_client.get(reverse("preview", args=["poem", 1])).status_code == 404


def test_related_stories_are_the_same_by_batch_and_by_single_lookup(newsroom):
    site = REGISTRY.site()
    page = PAGES["story"]
    for params, context in page.contexts(site):
        single = page.context(site, params)
        assert [s.pk for s in context["related"]] == [s.pk for s in single["related"]], params


def test_stories_published_at_the_same_moment_keep_a_stable_order(db, settings):
    settings.PUBLISHER_PAGE_SIZE = 2
    first = make_story(slug="same-a")
    others = [
        make_story(slug=f"same-{i}", section=first.section, publish_at=first.publish_at)
        for i in range(4)
    ]
    site = REGISTRY.site()
    batch = {tuple(p.items()): [s.pk for s in c["items"]] for p, c in PAGES["news"].contexts(site)}
    for key, pks in batch.items():
        assert pks == [s.pk for s in PAGES["news"].context(site, dict(key))["items"]]
    assert sorted(pk for pks in batch.values() for pk in pks) == sorted(
        [first.pk] + [o.pk for o in others]
    )


def test_an_unpublished_story_has_no_page_in_the_registry(newsroom):
    site = REGISTRY.site()
    slugs = {p["slug"] for p in PAGES["story"].params(site)}
    assert not slugs & {s.slug for s in newsroom["hidden_stories"]}
    assert newsroom["hidden_stories"][2].status == Status.DRAFT
    assert newsroom_pages.HOME_STORIES == 10


@pytest.mark.parametrize(
    "total,size,index_chunks,last_page",
    [(0, 5, [1], 0), (3, 5, [1], 0), (5, 5, [1], 0), (6, 5, [2, 1], 0), (10, 5, [2], 1),
     (11, 5, [3, 2], 1), (15, 5, [3], 2), (16, 5, [4, 3], 2)],
)  # fmt: skip
def test_list_pages_are_numbered_from_the_oldest_items(total, size, index_chunks, last_page):
    chunks = lists.Chunks(total, size)
    assert chunks.index_chunks == index_chunks
    assert chunks.last_page == last_page
    # Every item is on exactly one page, and each numbered page is full.
    seen = []
    for page in [0, *range(last_page, 0, -1)]:
        offset, limit = chunks.span(page)
        seen += range(offset, offset + limit)
        if page:
            assert limit == size
    assert seen == list(range(total))


def test_a_new_story_leaves_every_numbered_list_page_as_it_was():
    before, after = lists.Chunks(41, 5), lists.Chunks(42, 5)
    for page in range(1, before.last_page + 1):
        old_offset, limit = before.span(page)
        new_offset, _ = after.span(page)
        # Same items (newest-first offsets move by one because one is newer).
        assert new_offset == old_offset + 1 and limit == 5


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


def test_a_long_stream_holds_one_batch_of_rows_at_a_time(db):
    # Rows with prefetched bylines sit in reference cycles; if stream() left
    # them to Python's collector, a build's memory would grow with the site.
    import gc

    from content.models import Story

    author = make_author()
    for i in range(30):
        make_story(authors=[author], slug=f"kept-{i}")
    site = REGISTRY.site()

    def live_stories() -> int:
        return sum(isinstance(obj, Story) for obj in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        most = 0
        for story in keyset.stream(newsroom_pages.stories(site), size=5):
            story.photo  # noqa: B018 - file fields make cycles too
            most = max(most, live_stories())
    finally:
        gc.enable()
    assert most <= 2 * 5


def test_an_items_rank_is_the_same_counted_from_either_end(db):
    # _rank counts from the nearer end of the list; it must agree with the
    # plain count, for items on the list, off it, and at keys between others.
    from datetime import timedelta

    from django.utils import timezone

    from content.models import Story

    now = timezone.now()
    section = make_story(slug="first").section
    for i in range(11):
        make_story(slug=f"r-{i}", section=section, publish_at=now - timedelta(hours=i % 7))
    hidden = make_story(slug="hidden", status=Status.DRAFT, section=section)
    site = REGISTRY.site()
    qs = Story.objects.published(site.now)
    every = sorted(qs, key=lambda s: (s.publish_at, s.pk))
    keys = [(s.publish_at, s.pk) for s in every]
    keys += [(hidden.publish_at, hidden.pk), (now - timedelta(minutes=90), 10**6),
             (now - timedelta(days=1), 1), (now + timedelta(days=1), 1)]  # fmt: skip
    for at, pk in keys:
        view = ItemView("story", pk, at, "slug", (("section", section.pk),))
        plain = sum(1 for s in every if s.pk != pk and (s.publish_at, s.pk) < (at, pk))
        assert places.rank(REGISTRY.site(), qs, view) == plain, (at, pk)


def test_the_key_at_a_place_is_found_from_either_end_or_a_counted_place(db):
    from datetime import timedelta

    from django.utils import timezone

    from content.models import Story

    now = timezone.now()
    for i in range(17):
        make_story(slug=f"k-{i}", publish_at=now - timedelta(hours=i % 6, minutes=i % 2))
    site = REGISTRY.site()
    qs = Story.objects.published(site.now)
    ordered = [(s.publish_at, s.pk) for s in sorted(qs, key=lambda s: (s.publish_at, s.pk))]
    assert [places.key_at(site, qs, rank) for rank in range(17)] == ordered
    # Places counted while publishing (items in the middle) are walked from.
    for at, pk in (ordered[6], ordered[11]):
        places.rank(site, qs, ItemView("story", pk, at, "slug"))
    assert len(site.cache[("places", *keyset.sql_key(qs))]) == 2
    assert [places.key_at(site, qs, rank) for rank in range(17)] == ordered
    found = [places.key_at(site, qs, rank, from_ends=False) for rank in range(17)]
    assert found[5:13] == ordered[5:13]
    assert found[:3] == [None] * 3 and found[-3:] == [None] * 3  # an end is as near
