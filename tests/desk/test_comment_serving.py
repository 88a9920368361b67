"""The comment form behind real lighttpd: with Django down, the story page
still reads and a comment sent meanwhile gets a page that says so."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from publisher.lighttpd import AdminProxy
from tests.support import (
    build,
    fetch,
    free_port,
    lighttpd,
    make_comment,
    make_story,
    needs_lighttpd,
)

pytestmark = [needs_lighttpd, pytest.mark.django_db]


def test_with_django_down_the_page_reads_and_comments_are_closed_for_a_moment(settings, tmp_path):
    story = make_story(
        headline="Bridge closes for repairs", publish_at=timezone.now() - timedelta(hours=1)
    )
    make_comment(story, body="Already approved words.")
    build(settings)
    stopped = AdminProxy("127.0.0.1", free_port())  # nothing listens there
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var", admin=stopped) as (url, _):
        status, _, body = fetch(url + story.get_absolute_url())
        assert status == 200
        assert b"Already approved words." in body and b"data-comment-form" in body
        data = urllib.parse.urlencode(
            {
                "kind": "story",
                "item": story.pk,
                "name": "Ana",
                "email": "a@example.org",
                "body": "Hi",
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            url + "/submit/comment/", data=data, method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 (loopback)
        assert refused.value.code == 503
        assert b"Comments and guestbook entries are closed for a moment" in refused.value.read()
