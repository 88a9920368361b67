"""URL to file: a clean URL is a folder's index file, and no URL leaves the site."""

from __future__ import annotations

import pytest

from publisher.paths import file_path


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
