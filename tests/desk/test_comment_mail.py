"""Mail about comments goes out only once an editor approved: the double
opt-in for replies, reply notices with a one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from content.models import Comment
from desk import comment_moderation as moderation
from tests.support import make_comment, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return User.objects.create_superuser("editor", "editor@example.org", "pw")


def test_no_mail_before_approval_then_one_asking_to_confirm(
    client, editor, django_capture_on_commit_callbacks
):
    story = make_story(publish_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/submit/comment/",
            {
                "kind": "story",
                "item": story.pk,
                "name": "Ana",
                "email": "ana@example.org",
                "body": "Hello there.",
                "replies": "1",
            },
            HTTP_ORIGIN="http://127.0.0.1:8080",
        )
    comment = Comment.objects.get()
    assert comment.wants_replies and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve([comment], editor)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.org"]
    confirm = reverse("desk:comment_replies_confirm", args=[comment.token])
    assert confirm in mail.outbox[0].body
    # The link shows a button (a mail scanner's GET confirms nothing); the button confirms.
    client.get(confirm)
    assert Comment.objects.get().replies_confirmed_at is None
    client.post(confirm)
    assert Comment.objects.get().replies_confirmed_at is not None


def test_a_reply_is_mailed_to_a_confirmed_commenter_with_a_one_click_unsubscribe(
    client, editor, django_capture_on_commit_callbacks
):
    story = make_story()
    confirmed = make_comment(story, email="ana@example.org", wants_replies=True)
    Comment.objects.filter(pk=confirmed.pk).update(replies_confirmed_at=confirmed.posted_at)
    unconfirmed = make_comment(story, email="bo@example.org", wants_replies=True)
    replies = [
        make_comment(story, parent=confirmed, status=Comment.Status.PENDING),
        make_comment(story, parent=unconfirmed, status=Comment.Status.PENDING),
    ]
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(replies, editor)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    message = mail.outbox[0]
    stop = reverse("desk:comment_replies_stop", args=[confirmed.token])
    assert message.extra_headers["List-Unsubscribe"].endswith(f"{stop}>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client.post(stop)  # what a mail program's one click sends
    confirmed.refresh_from_db()
    assert not confirmed.wants_replies and confirmed.replies_confirmed_at is None


def test_a_rejected_comment_sends_nothing(editor, django_capture_on_commit_callbacks):
    story = make_story()
    comment = make_comment(story, status=Comment.Status.PENDING, wants_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.reject([comment], editor, "Off topic")
        moderation.mark_spam([comment], editor)
    assert not mail.outbox
