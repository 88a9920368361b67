"""A removed item's address answers 410 Gone with a short page, from every
server: lighttpd, the Python fallback, the dev server; S3 holds the page."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from publisher.gone_file import load_gone
from publisher.models import Gone
from publisher.publish import process_queue
from publisher.pyserver import python_server
from records.decisions import decide
from records.models import Decision
from tests.records.conftest import files_naming
from tests.support import assert_same_as_full_build, fetch, lighttpd, live_root, needs_lighttpd


def remove(desk, asked) -> str:
    url = desk["story"].get_absolute_url()
    asked.decision = Decision.REMOVE
    decide(asked, desk["editor"])
    process_queue()
    return url


def wait_for_status(url: str, status: int) -> tuple[int, dict, bytes]:
    """lighttpd restarts gracefully after a publish: ask until it answers."""
    for _ in range(100):
        found = fetch(url)
        if found[0] == status:
            return found
        time.sleep(0.05)
    return found


@needs_lighttpd
def test_lighttpd_answers_a_removed_address_with_410_and_the_page_without_a_restart(
    desk, asked, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    url = desk["story"].get_absolute_url()
    with lighttpd(build_dir, settings.VAR_DIR) as (base, _):
        assert fetch(base + url)[0] == 200
        remove(desk, asked)  # publishing rewrites the rules and restarts lighttpd gracefully

        status, headers, body = wait_for_status(base + url, 410)
        assert status == 410
        assert b"This item was removed" in body and b'content="noindex"' in body
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert b"graffiti" not in body.lower()
        for variant in (url.rstrip("/"), url + "?utm_source=feed"):
            assert fetch(base + variant)[0] == 410, variant
        # Everything else is served as before.
        assert fetch(base + "/")[0] == 200
        assert fetch(base + "/news/no-such-story/")[0] == 404


def test_the_python_fallback_and_the_dev_server_answer_410_too(desk, asked, settings, client):
    url = remove(desk, asked)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    server = python_server(
        build_dir / "site", "127.0.0.1", 0, redirects={}, gone=load_gone(build_dir)
    )
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, headers, body = fetch(f"http://127.0.0.1:{port}{url}")
        assert status == 410 and b"This item was removed" in body
        assert fetch(f"http://127.0.0.1:{port}{url.rstrip('/')}")[0] == 410
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        server.shutdown()
        server.server_close()

    response = client.get(url)
    assert response.status_code == 410
    assert response.content == (live_root(settings) / url.lstrip("/") / "index.html").read_bytes()


def test_an_address_that_redirected_to_the_removed_item_is_gone_too(
    desk, asked, settings, tmp_path
):
    story = desk["story"]
    first = story.get_absolute_url()
    story.slug = "graffiti-on-the-water-tower"
    story.save()
    process_queue()  # the first address now redirects to the second
    second = story.get_absolute_url()

    remove(desk, asked)

    assert sorted(Gone.objects.values_list("path", flat=True)) == sorted([first, second])
    assert set(load_gone(Path(settings.PUBLISHER_BUILD_DIR))) == {first, second}
    root = live_root(settings)
    for url in (first, second):
        assert "This item was removed" in (root / url.lstrip("/") / "index.html").read_text()
    assert files_naming(root, (b"graffiti on the water",)) == []


def test_publishing_the_item_again_gives_its_address_back(desk, asked, settings, tmp_path):
    url = remove(desk, asked)
    story = desk["story"]
    story.refresh_from_db()
    story.status = "published"
    story.save()
    assert_same_as_full_build(settings, tmp_path)

    assert not Gone.objects.exists()
    assert load_gone(Path(settings.PUBLISHER_BUILD_DIR)) == {}
    page = (live_root(settings) / url.lstrip("/") / "index.html").read_text()
    assert "graffiti" in page and "This item was removed" not in page
