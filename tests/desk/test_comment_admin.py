"""The comments queue in the admin, under the Community desk: newest first
with the headline and why each waits, filters, bulk decisions by Editors
only, a commenter's export and erasure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.models import Comment
from desk.notify_comments import send_digest
from publisher.models import PublishJob
from tests.support import make_comment, make_obituary, make_story, member_of, page_text

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:desk_commentqueue_changelist")


@pytest.fixture
def editor(client):
    client.force_login(member_of("Editors", "edna"))
    return client


@pytest.fixture
def reporter(client):
    client.force_login(member_of("Reporters", "rita"))
    return client


def waiting(item, **overrides) -> Comment:
    return make_comment(
        item, **{"status": Comment.Status.PENDING, "held_for": "first", **overrides}
    )


def act(client, action: str, comments, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in comments], **extra}
    return client.post(QUEUE, data)


def test_the_queue_is_under_the_community_desk_newest_first_with_headline_and_why_held(editor):
    story = make_story(headline="Bridge closes for repairs")
    obituary = make_obituary(full_name="Marta Nuñez")
    older = waiting(story, body="The older one.", posted_at=timezone.now() - timedelta(hours=2))
    newer = waiting(
        obituary,
        body="The newer one.",
        held_for="first,links",
        posted_at=timezone.now() - timedelta(hours=1),
    )
    index = page_text(editor.get(reverse("admin:index")))
    assert "Community desk" in index and "Comments and guestbook entries" in index
    text = page_text(editor.get(QUEUE))
    assert text.index("The newer one.") < text.index("The older one.")
    assert "Bridge closes for repairs" in text and "Marta Nuñez" in text
    assert "First comment from this address; More links than allowed" in text
    assert older.email in text and newer.email in text  # the newsroom sees the address


def test_the_queue_filters_by_state_item_and_commenter(editor):
    story, other = make_story(), make_story()
    a = waiting(story, body="AAA on the story", email="a@example.org")
    waiting(other, body="BBB elsewhere", email="b@example.org")
    make_comment(story, body="CCC approved")
    by_item = page_text(editor.get(QUEUE, {"kind__exact": "story", "item_id": story.pk}))
    assert "AAA on the story" in by_item and "BBB elsewhere" not in by_item
    by_email = page_text(editor.get(QUEUE, {"email": "b@example.org"}))
    assert "BBB elsewhere" in by_email and "AAA" not in by_email
    pending = page_text(editor.get(QUEUE, {"status__exact": "pending"}))
    assert "CCC approved" not in pending and "AAA on the story" in pending
    held = page_text(editor.get(QUEUE, {"held": "first"}))
    assert "AAA on the story" in held and "CCC approved" not in held
    assert a.pk


def test_an_editor_approves_in_bulk_and_the_pages_are_queued_for_publishing(editor):
    story, other = make_story(), make_story()
    comments = [waiting(story), waiting(story), waiting(other)]
    PublishJob.objects.all().delete()
    response = act(editor, "approve", comments)
    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    jobs = PublishJob.objects.filter(status=PublishJob.Status.QUEUED)
    assert sorted(jobs.values_list("kind", "object_id")) == sorted(
        [("story", story.pk), ("story", other.pk)]
    )


def test_reject_asks_for_a_reason_and_keeps_it(editor):
    comment = waiting(make_story())
    form = act(editor, "reject", [comment])
    assert form.status_code == 200 and 'name="reason"' in page_text(form)
    assert Comment.objects.get().status == "pending"
    empty = act(editor, "reject", [comment], apply="1", reason="  ")
    assert Comment.objects.get().status == "pending" and empty.status_code == 200
    act(editor, "reject", [comment], apply="1", reason="Personal attack on a neighbour")
    comment.refresh_from_db()
    assert (comment.status, comment.reason) == ("rejected", "Personal attack on a neighbour")


def test_spam_and_block(editor):
    comment = waiting(make_story(), email="bot@example.org")
    act(editor, "spam", [comment])
    act(editor, "block", [comment])
    assert Comment.objects.get().status == "spam"
    assert page_text(editor.get(reverse("admin:desk_blockedcommenter_changelist"))).count(
        "bot@example.org"
    )


def test_a_reporter_reads_the_queue_but_decides_nothing(reporter):
    comment = waiting(make_story())
    text = page_text(reporter.get(QUEUE))
    assert comment.body.split("\n")[0][:20] in text
    assert 'value="approve"' not in text
    act(reporter, "approve", [comment])
    assert Comment.objects.get().status == "pending"
    assert reporter.get(reverse("admin:desk_commentqueue_commenter")).status_code == 403


def test_the_queue_page_costs_the_same_queries_with_many_waiting(editor):
    story = make_story()
    for _ in range(5):
        waiting(story)
    with CaptureQueriesContext(connection) as few:
        editor.get(QUEUE)
    stories = [make_story() for _ in range(20)]
    Comment.objects.bulk_create(
        Comment(
            kind="story",
            item_id=stories[n % 20].pk,
            name=f"R{n}",
            email=f"r{n}@example.org",
            body=f"Comment {n}",
            digest=f"d{n}",
            token=f"t{n}",
            held_for="first",
        )
        for n in range(300)
    )
    with CaptureQueriesContext(connection) as many:
        response = editor.get(QUEUE)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_an_editor_exports_and_erases_a_commenter(editor):
    story = make_story()
    make_comment(story, email="me@example.org", body="My words.")
    url = reverse("admin:desk_commentqueue_commenter")
    found = editor.get(url, {"email": "me@example.org"})
    assert "1 comment(s) from me@example.org" in page_text(found)
    exported = editor.post(url, {"email": "me@example.org", "export": "1"})
    assert exported["Content-Type"] == "application/json"
    assert json.loads(exported.content)["comments"][0]["text"] == "My words."
    # Erasing asks for the address typed again.
    editor.post(url, {"email": "me@example.org", "erase": "other@example.org"})
    assert Comment.objects.get().body == "My words."
    editor.post(url, {"email": "me@example.org", "erase": "me@example.org"})
    assert (Comment.objects.get().body, Comment.objects.get().status) == ("", "removed")


def test_the_newsrooms_daily_digest_counts_the_waiting_comments(settings):
    settings.PUBLISHER_NEWSROOM_EMAIL = "desk@ledger.example"
    assert send_digest() == 0 and not mail.outbox
    story = make_story()
    waiting(story)
    waiting(story)
    make_comment(story)
    assert send_digest() == 2
    assert mail.outbox[0].to == ["desk@ledger.example"]
    assert "2 comments waiting" in mail.outbox[0].subject
