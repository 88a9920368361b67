"""A draft made of a submission: nothing of the reader's runs or tracks on the
page, its photo is named by the item, and the work is done outside the lock."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.utils import timezone

from content import text as content_text
from content.models import Birth, Status
from desk.models import Submission
from desk.moderation import ModerationError, make_draft
from tests.support import SUBMIT_FIELDS, build, file_for, image_bytes, make_story, member_of

pytestmark = pytest.mark.django_db

PIXEL = '<img src="https://elsewhere.example/pixel.gif" width="0" height="0">'
HOSTILE_BODY = (
    f"Nora joins big brother Theo. {PIXEL}\n\n"
    "<b>Bold</b> <script>alert(1)</script> ![](https://elsewhere.example/p2.gif) "
    "\\<img src=https://elsewhere.example/p3.gif> <https://elsewhere.example/auto>\n\n"
    "[Our family blog](https://quist.example/)"
)


def waiting(kind: str, **fields) -> Submission:
    return Submission.objects.create(
        kind=kind, name="Anna Quist", fields={**SUBMIT_FIELDS[kind], **fields}
    )


def test_a_body_from_a_submission_keeps_no_html_and_no_image(settings):
    editor = member_of("Editors", "edna")
    birth = make_draft(waiting("birth", body=HOSTILE_BODY), editor)
    assert "<img" not in birth.body_html and "<b>" not in birth.body_html
    assert "<script" not in birth.body_html
    # What the reader typed is shown as their words, not lost.
    assert '&lt;img src="https://elsewhere.example/pixel.gif"' in birth.body_html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in birth.body_html
    # A link is a link: it loads nothing until a reader follows it.
    assert 'href="https://quist.example/"' in birth.body_html
    birth.status, birth.publish_at = Status.PUBLISHED, timezone.now()
    birth.save()
    page = file_for(build(settings).resolve(), birth.get_absolute_url()).read_text()
    assert "Nora joins big brother Theo." in page
    # The reader's tags are on the page as text only: nothing loads from elsewhere.
    assert not re.search(r"<img[^>]*elsewhere", page) and "&lt;img src=" in page


@pytest.mark.parametrize(
    "image",
    [
        PIXEL,
        '<img src="https://elsewhere.example/p.gif" width="1" height="1" alt="">',
        '<img src="https://elsewhere.example/p.gif" height="0">',
        "<IMG SRC=https://elsewhere.example/p.gif WIDTH=' 1px'>",
        '<img alt="a > b" src="https://elsewhere.example/p.gif" width="0.5">',
    ],
)
def test_no_body_keeps_a_tracking_pixel_an_editors_neither(image):
    story = make_story(body=f"The council met.\n\n{image}\n\nIt voted.")
    assert "elsewhere.example" not in story.body_html
    assert "The council met." in story.body_html and "It voted." in story.body_html


def test_an_editors_sized_image_stays():
    story = make_story(body='<img src="/media/photos/a.jpg" width="640" height="480" alt="Dam">')
    assert '<img src="/media/photos/a.jpg" width="640" height="480" alt="Dam">' in story.body_html


def with_photo(kind: str, settings) -> Submission:
    submission = waiting(kind, photo_alt="A baby in a knitted cap")
    submission.photo.save("IMG_0001.png", ContentFile(image_bytes("PNG", (64, 48))), save=True)
    return submission


def test_a_drafts_photo_is_named_by_the_item_not_by_the_submission(settings):
    submission = with_photo("birth", settings)
    birth = make_draft(submission, member_of("Editors", "edna"))
    month = timezone.now().strftime("%Y/%m")
    assert birth.photo.name == f"births/{month}/nora-quist.png"
    assert submission.reference not in birth.photo.name
    assert (Path(settings.MEDIA_ROOT) / birth.photo.name).is_file()
    # A second Nora: her own slug, her own file.
    second = make_draft(with_photo("birth", settings), member_of("Editors", "eddie"))
    assert second.photo.name == f"births/{month}/nora-quist-2.png"


@pytest.mark.django_db(transaction=True)
def test_the_body_is_rendered_and_the_photo_copied_before_the_write_lock(settings, monkeypatch):
    """On SQLite a transaction holds the database's write lock from its start:
    every other editor's save would wait on this Markdown and this copy."""
    seen: dict[str, bool] = {}
    render = content_text.render_body

    def rendering(source: str) -> str:
        seen["render"] = connection.in_atomic_block
        return render(source)

    submission = with_photo("birth", settings)
    copy = FileSystemStorage._save

    def copying(storage, name, content):
        seen["copy"] = connection.in_atomic_block
        return copy(storage, name, content)

    monkeypatch.setattr(content_text, "render_body", rendering)
    monkeypatch.setattr(FileSystemStorage, "_save", copying)
    birth = make_draft(submission, User.objects.create(username="edna"))
    assert seen == {"render": False, "copy": False}
    assert Birth.objects.get().body_html == birth.body_html and "<p>" in birth.body_html
    assert Birth.objects.get().photo_width == 64


@pytest.mark.django_db(transaction=True)
def test_a_draft_that_loses_the_race_leaves_no_photo_behind(settings):
    submission = with_photo("birth", settings)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.HANDLED)
    with pytest.raises(ModerationError, match="already handled"):
        make_draft(submission, User.objects.create(username="edna"))
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.png")) and Birth.objects.count() == 0


def test_bodies_stored_before_keep_no_tracking_pixel_after_migrating():
    from django.apps import apps

    migration = importlib.import_module("content.migrations.0012_bodies_without_tracking_images")
    story = make_story(body="Before.")
    stored = f"<p>Before.</p>{PIXEL}<p>After.</p>"
    type(story).objects.filter(pk=story.pk).update(body_html=stored)
    migration.drop_tracking_images(apps, None)
    story.refresh_from_db()
    assert story.body_html == "<p>Before.</p><p>After.</p>"
