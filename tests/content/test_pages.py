"""The newsroom's pages (content/pages/): one declaration, the same bytes by
every path (dev server, build), 404s for what does not exist, previews for
editors, and every page fit for a reader and a search engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from content import pages as newsroom_pages
from content.models import Status
from content.pages import REGISTRY
from publisher.headers import content_type, file_headers
from publisher.pages import sitemap
from tests.support import (
    build,
    make_birth,
    make_story,
    make_wedding,
    one_page_of_each_type,
    page_files,
)

PAGES = REGISTRY.by_name


def test_the_dev_server_serves_the_same_bytes_as_the_build(newsroom, settings, client):
    call_command("build", verbosity=0)
    built = page_files(Path(settings.PUBLISHER_BUILD_DIR) / "site")
    assert len(built) > 50
    for url, path in built.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content == path.read_bytes(), f"{url} differs from the built file"


def test_the_dev_server_sends_the_header_policys_headers_for_every_page_type(
    newsroom, client, monkeypatch
):
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 6)  # an index and its parts
    make_birth(), make_wedding()  # the newsroom has none
    urls = one_page_of_each_type(REGISTRY)
    assert set(urls) == {page.name for page in REGISTRY.pages if page.routes()}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        # The preview and the dev server's 404 send the page type's own type.
        assert PAGES[name].content_type == content_type(url), name
        policy = file_headers(url)
        assert {header: response.headers.get(header) for header in policy} == policy, url


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


def test_an_items_address_follows_its_slug_and_date_on_the_same_row(db):
    from datetime import datetime

    from django.utils import timezone

    story = make_story(slug="first", publish_at=timezone.make_aware(datetime(2026, 3, 9, 12)))
    assert story.get_absolute_url() == "/news/2026/03/09/first/"
    story.slug = "second"
    assert story.get_absolute_url() == "/news/2026/03/09/second/"
    story.publish_at = timezone.make_aware(datetime(2025, 12, 31, 12))
    assert story.get_absolute_url() == "/news/2025/12/31/second/"


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


def test_every_html_page_has_lang_one_h1_canonical_and_open_graph(newsroom, settings):
    site = build(settings)
    for url, path in page_files(site).items():
        if path.suffix != ".html":
            continue
        html = path.read_text()
        assert '<html lang="en">' in html, url
        assert html.count("<h1") == 1, url
        assert 'property="og:title"' in html, url
        # Error pages (the missing page's, the retired address's, the forms-are-down
        # pages) have none.
        if url not in ("/404.html", "/410.html") and not url.startswith("/submit/unavailable/"):
            assert f'<link rel="canonical" href="http://127.0.0.1:8080{url}">' in html, url
