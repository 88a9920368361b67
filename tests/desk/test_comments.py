"""Readers' comments and guestbook entries coming in at /submit/comment/:
stored waiting for an editor, or refused with a clear message and nothing
stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from content.models import Comment, Commenting, Status
from desk.comment_views import RATE_LIMITED, SEND_AGAIN
from desk.comments import CLOSED, GONE
from desk.forms import HONEYPOT_MESSAGE
from desk.models import BlockedCommenter
from tests.support import make_comment, make_crime, make_obituary, make_story

pytestmark = pytest.mark.django_db
SITE = "http://127.0.0.1:8080"  # PUBLISHER_SITE_URL's default: the static page's origin
TEXT = (
    "Thank you for this story.\n\nThe bridge was closed all week (see https://example.org/bridge)."
)


@pytest.fixture
def story():
    return make_story(
        headline="Bridge closes for repairs", publish_at=timezone.now() - timedelta(hours=1)
    )


def form(target, **overrides) -> dict:
    data = {
        "kind": target.kind,
        "item": str(target.pk),
        "name": "Zoë Ångström",
        "email": "Zoe@Example.org",
        "body": TEXT,
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, data: dict, origin: str | None = SITE, **extra):
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    return client.post("/submit/comment/", data, **extra)


def test_a_comment_from_the_story_page_waits_for_an_editor(client, story):
    response = post(client, form(story))
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.kind, comment.item_id, comment.status) == ("story", story.pk, "pending")
    assert comment.email == "zoe@example.org" and comment.name == "Zoë Ångström"
    assert comment.held_for == "first"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "waits for approval" in text and "Bridge closes for repairs" in text
    assert "zoe@example.org" not in text
    assert not mail.outbox  # nothing is mailed about a comment no one approved


def test_the_text_is_plain_paragraphs_with_links_marked_nofollow_ugc(client, story):
    post(client, form(story, body="<script>alert(1)</script>\nsee https://example.org/a?b=1&c=2."))
    html = Comment.objects.get().body_html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc">'
        "https://example.org/a?b=1&amp;c=2</a>." in html
    )
    assert html.startswith("<p>") and "<br>" in html


def test_a_guestbook_entry_on_an_obituary(client):
    obituary = make_obituary(
        full_name="Marta Nuñez", publish_at=timezone.now() - timedelta(hours=1)
    )
    response = post(client, form(obituary, body="Marta taught us all to swim."))
    assert response.status_code == 302
    assert Comment.objects.get().kind == "obituary"
    assert "Your message waits for approval" in client.get(response["Location"]).content.decode()


def test_a_post_without_an_origin_gets_the_form_back_with_a_token_and_stores_nothing(story):
    client = Client(enforce_csrf_checks=True)
    response = post(client, form(story), origin=None)
    text = response.content.decode()
    assert response.status_code == 403
    assert SEND_AGAIN in text and 'name="csrfmiddlewaretoken"' in text
    assert "The bridge was closed all week" in text  # nothing the reader wrote is lost
    assert not Comment.objects.exists()
    token = client.cookies["csrftoken"].value
    again = post(client, form(story, csrfmiddlewaretoken=token), origin=None)
    assert again.status_code == 302 and Comment.objects.count() == 1


def test_a_post_from_another_site_is_not_taken(story):
    client = Client(enforce_csrf_checks=True)
    response = post(client, form(story), origin="https://evil.example")
    assert response.status_code == 403 and not Comment.objects.exists()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: make_story(status=Status.DRAFT), GONE),
        (lambda: make_story(publish_at=timezone.now() + timedelta(days=1)), GONE),
        (
            lambda: make_story(
                comments=Commenting.CLOSED, publish_at=timezone.now() - timedelta(hours=1)
            ),
            CLOSED,
        ),
        (lambda: make_story(publish_at=timezone.now() - timedelta(days=15)), CLOSED),
        (lambda: make_crime(), CLOSED),
    ],
    ids=["draft", "embargoed", "closed-by-editor", "closed-by-age", "crime-report"],
)
def test_a_comment_on_an_item_that_takes_none_is_refused_and_nothing_stored(client, make, message):
    item = make()
    response = post(client, form(item))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_a_removed_item_or_a_forged_id_or_kind_is_refused(client, story):
    gone = make_story()
    gone_id = gone.pk
    gone.delete()
    for data in (
        form(story, item=str(gone_id)),
        form(story, item="99999999"),
        form(story, item="-3"),
        form(story, item="1 OR 1=1"),
        form(story, kind="birth"),
    ):
        response = post(client, data)
        assert response.status_code == 400, data
    assert not Comment.objects.exists()


def test_an_editor_may_open_a_crime_reports_comments(client):
    crime = make_crime(comments=Commenting.OPEN)
    assert post(client, form(crime)).status_code == 302


def test_a_reply_to_another_storys_comment_or_to_a_waiting_one_is_refused(client, story):
    other = make_story()
    elsewhere = make_comment(other)
    waiting = make_comment(story, status=Comment.Status.PENDING)
    for parent in (elsewhere, waiting):
        response = post(client, form(story, parent=str(parent.pk)))
        assert response.status_code == 400
        assert "not on this page" in response.content.decode()
    assert Comment.objects.count() == 2


def test_a_reply_to_a_reply_joins_its_thread(client, story):
    top = make_comment(story)
    reply = make_comment(story, parent=top)
    assert post(client, form(story, parent=str(reply.pk))).status_code == 302
    assert Comment.objects.latest("id").parent_id == top.pk


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"body": "x" * 10_000}, "at most 3000 characters"),
        ({"name": "Zoë\x1b[31m"}, "control character"),
        ({"name": "Zoë\u202eevil"}, "control character"),
        ({"body": " ".join(f"https://spam.example/{n}" for n in range(11))}, "at most 10 web"),
        ({"email": ""}, "This field is required"),
        ({"email": "not an address"}, "valid email"),
        ({"name": "   "}, "This field is required"),
        ({"body": "  \n  "}, "This field is required"),
        ({"website": "http://bot.example"}, HONEYPOT_MESSAGE),
    ],
    ids=[
        "10000-chars",
        "escape",
        "bidi",
        "url-flood",
        "no-email",
        "bad-email",
        "blank-name",
        "blank-body",
        "honeypot",
    ],
)
def test_bad_input_is_refused_with_a_message_and_what_was_typed_is_kept(
    client, story, overrides, message
):
    response = post(client, form(story, **overrides))
    text = response.content.decode()
    assert response.status_code == 400
    assert message in text
    assert not Comment.objects.exists()
    if "body" not in overrides:
        assert "The bridge was closed all week" in text


def test_the_same_comment_sent_twice_is_kept_once(client, story):
    first = post(client, form(story))
    second = post(client, form(story, body=TEXT.upper().replace("\n\n", "\n\n  ")))
    assert first.status_code == second.status_code == 302
    assert Comment.objects.count() == 1


def test_a_burst_from_one_reader_is_stopped_and_nothing_stored(client, settings, story):
    settings.PUBLISHER_COMMENT_RATE = "3/h"
    codes = [post(client, form(story, body=f"Comment {n}")).status_code for n in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Comment.objects.count() == 3
    last = post(client, form(story, body="One more"))
    assert RATE_LIMITED in last.content.decode() and "One more" in last.content.decode()


def test_readers_behind_one_proxy_are_counted_one_by_one(client, settings, story):
    # lighttpd (on loopback) appends the address it saw: each reader is
    # counted on their own, whatever they put before it.
    settings.PUBLISHER_COMMENT_RATE = "1/h"
    codes = [
        post(
            client,
            form(story, body=f"Comment {n}"),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.9, 198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 302]
    again = post(
        client,
        form(story, body="again"),
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.0",
    )
    assert again.status_code == 429


def test_a_trusted_commenter_goes_up_at_once_unless_a_rule_holds_it(client, settings, story):
    settings.PUBLISHER_COMMENT_TRUST_AFTER = 2
    for _ in range(2):
        make_comment(
            make_story(), email="zoe@example.org", posted_at=timezone.now() - timedelta(hours=1)
        )
    assert post(client, form(story, body="Plain words.")).status_code == 302
    assert Comment.objects.latest("id").status == "approved"
    # A listed word, too many links, or one right after the other: it waits.
    post(client, form(story, body="Try the casino."))
    post(client, form(story, body="https://a.example https://b.example https://c.example"))
    held = list(Comment.objects.order_by("id").values_list("status", "held_for"))[-2:]
    assert held[0][0] == held[1][0] == "pending"
    assert "word" in held[0][1] and "rate" in held[0][1]
    assert "links" in held[1][1]


def test_a_blocked_commenter_is_always_held(client, settings, story):
    settings.PUBLISHER_COMMENT_TRUST_AFTER = 1
    make_comment(
        make_story(), email="zoe@example.org", posted_at=timezone.now() - timedelta(hours=1)
    )
    BlockedCommenter.objects.create(email="ZOE@example.org")
    post(client, form(story))
    comment = Comment.objects.latest("id")
    assert comment.status == "pending" and "blocked" in comment.held_for


def test_the_reply_form_is_served_by_django_with_a_token(client, story):
    top = make_comment(story, name="Ana")
    page = client.get(f"/submit/comment/?kind=story&item={story.pk}&parent={top.pk}")
    text = page.content.decode()
    assert page.status_code == 200 and "Reply to Ana" in text
    assert 'name="csrfmiddlewaretoken"' in text
    waiting = make_comment(story, status=Comment.Status.PENDING)
    assert (
        client.get(f"/submit/comment/?kind=story&item={story.pk}&parent={waiting.pk}").status_code
        == 404
    )
    assert client.get("/submit/comment/?kind=story&item=nope").status_code == 404
