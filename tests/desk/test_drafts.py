"""A draft made of a submission: nothing of the reader's runs or tracks on the
page, its photo is named by the item, and the work is done outside the lock."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from content.models import Status
from desk.models import Submission
from desk.moderation import make_draft
from tests.support import SUBMIT_FIELDS, build, file_for, make_story, member_of

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
