"""The headers table readers get (shared by lighttpd and S3), the upload order,
and the small helpers: no server needed."""

from __future__ import annotations

import gzip

import pytest

from publisher.deploy.cloudfront import invalidation_paths
from publisher.deploy.local import REDIRECT_GROUP, STATIC_GROUP, UNKNOWN_GROUP, upload_group
from publisher.headers import PAGE_CACHE, cache_control, compressible, content_type, is_served
from publisher.s3 import gzip_bytes

SHORT = PAGE_CACHE
FOREVER = "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("path", "mime", "cache", "compressed"),
    [
        ("/", "text/html; charset=utf-8", SHORT, True),
        ("/news/2026/01/02/council-meets/", "text/html; charset=utf-8", SHORT, True),
        ("/404.html", "text/html; charset=utf-8", SHORT, True),
        ("/feeds/news.xml", "application/rss+xml; charset=utf-8", SHORT, True),
        ("/feeds/news/sports.xml", "application/rss+xml; charset=utf-8", SHORT, True),
        ("/sitemap.xml", "application/xml; charset=utf-8", SHORT, True),
        ("/sitemaps/stories-2.xml", "application/xml; charset=utf-8", SHORT, True),
        ("/robots.txt", "text/plain; charset=utf-8", SHORT, True),
        ("/static/content/site.b24cde7f953f.css", "text/css; charset=utf-8", FOREVER, True),
        ("/static/content/site.css", "text/css; charset=utf-8", "public, max-age=3600", True),
        ("/static/admin/js/core.0123456789ab.js", "text/javascript; charset=utf-8", FOREVER, True),
        ("/static/admin/img/LICENSE.2c54f4e1ca1c", "application/octet-stream", FOREVER, False),
        ("/static/admin/img/icon.0123456789ab.svg", "image/svg+xml; charset=utf-8", FOREVER, True),
        ("/media/photos/lead.JPG", "image/jpeg", "public, max-age=86400", False),
        ("/media/photos/lead.abcdefabcdef.png", "image/png", "public, max-age=86400", False),
    ],
)
def test_each_kind_of_file_has_its_type_cache_and_compression(path, mime, cache, compressed):
    assert content_type(path) == mime
    assert cache_control(path) == cache
    assert compressible(mime) is compressed


def test_temporary_and_hidden_files_are_never_served():
    assert is_served("news/index.html")
    assert not is_served("news/.index.html.4711.140.tmp")
    assert not is_served(".deploy-manifest.json.gz")
    assert not is_served("static/.git/config")
    assert not is_served("news/index.html~")


def test_gzip_gives_the_same_bytes_every_time():
    data = b"<h1>Council meets</h1>" * 100
    assert gzip_bytes(data) == gzip_bytes(data)
    assert gzip.decompress(gzip_bytes(data)) == data


def test_files_upload_in_the_page_registrys_order_static_first_unknown_last():
    order = [
        "static/content/site.css",
        "news/2026/01/02/council-meets/index.html",
        "obituaries/2026/01/ada-person/index.html",
        "authors/ann-archer/index.html",
        "archive/2026/01/index.html",
        "news/local-news/index.html",
        "news/index.html",
        "news/page/2/index.html",
        "feeds/news.xml",
        "sitemap.xml",
        "index.html",
    ]
    groups = [upload_group(path) for path in order]
    assert groups == sorted(groups)
    assert groups[0] == STATIC_GROUP < groups[1]
    assert upload_group("media/photos/lead.jpg") == STATIC_GROUP
    assert upload_group("no/such/kind/of/page.html") == UNKNOWN_GROUP > REDIRECT_GROUP
    assert groups[-1] < REDIRECT_GROUP


def test_cloudfront_gets_both_addresses_of_a_page_and_a_wildcard_past_1000():
    assert invalidation_paths(["news/index.html", "feeds/news.xml"]) == [
        "/feeds/news.xml",
        "/news/",
        "/news/index.html",
    ]
    assert invalidation_paths(["media/my photo.jpg"]) == ["/media/my%20photo.jpg"]
    # The search index's data files are new names: only the list naming them.
    assert invalidation_paths(
        [
            "search/index/2026-q4/3fa9c1b2d4e5f607/w3.idx",
            "search/index/2026-q4/t-3fa9c1b2d4e5f607.idx",
            "search/index/shards.json",
        ]
    ) == ["/search/index/shards.json"]
    assert invalidation_paths(f"page-{n}.html" for n in range(1001)) == ["/*"]
