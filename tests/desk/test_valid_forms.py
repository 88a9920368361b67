"""The readers' forms are valid HTML (the Nu HTML Checker), empty, with every
error showing, and their confirmation page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from desk.forms import FORMS
from tests.support import nu_html_checker, submit_form

pytestmark = pytest.mark.django_db


def test_every_form_page_is_valid_html(client, tmp_path):
    pages = {"index": client.get("/submit/")}
    for kind in FORMS:
        pages[kind] = client.get(f"/submit/{kind}/")
        # Nothing filled in but the trap: every field's error and the notice show.
        pages[f"{kind}-errors"] = client.post(f"/submit/{kind}/", {"website": "x"})
    sent = client.post("/submit/tip/", submit_form("tip"))
    pages["sent"] = client.get(sent["Location"])
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in nu_html_checker(files)
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors)


def test_the_comment_pages_and_a_story_page_with_comments_are_valid_html(client, tmp_path):
    from content.models import Comment
    from tests.support import build, file_for, make_comment, make_obituary, make_story

    story = make_story(
        headline="Bridge closes for repairs", publish_at=timezone.now() - timedelta(hours=1)
    )
    top = make_comment(story, body="First.\n\nSee https://example.org/a (and more).")
    make_comment(story, parent=top, body="A reply.")
    obituary = make_obituary(publish_at=timezone.now() - timedelta(hours=1))
    make_comment(obituary, body="Rest well.")
    origin = {"HTTP_ORIGIN": "http://127.0.0.1:8080"}
    pages = {
        "reply": client.get(f"/submit/comment/?kind=story&item={story.pk}&parent={top.pk}"),
        "errors": client.post(
            "/submit/comment/", {"kind": "story", "item": story.pk, "website": "x"}, **origin
        ),
    }
    sent = client.post(
        "/submit/comment/",
        {"kind": "story", "item": story.pk, "name": "Ana", "email": "a@example.org", "body": "Hi"},
        **origin,
    )
    pages["sent"] = client.get(sent["Location"])
    waiting = Comment.objects.get(name="Ana")
    pages["stop"] = client.get(f"/submit/comment/replies/{waiting.token}/stop/")
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    from django.conf import settings

    site = build(settings)
    files += [file_for(site, story.get_absolute_url()), file_for(site, obituary.get_absolute_url())]
    files.append(file_for(site, "/news/"))
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in nu_html_checker(files)
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors)
