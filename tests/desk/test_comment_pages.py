"""Approved comments are part of the static page: threaded, with anchors,
in the JSON-LD, counted on the teasers; approving or removing one
republishes what a full build would write, and nothing else."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import Comment, Commenting
from desk import comment_moderation as moderation
from publisher.build import build_site
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_comment,
    make_obituary,
    make_story,
    start_live_site,
)


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@example.org", "pw")


def page(settings, item) -> str:
    return file_for(live_root(settings), item.get_absolute_url()).read_text()


def json_ld(html: str) -> list:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_approved_comments_are_on_the_page_threaded_with_anchors_and_nothing_else_is(
    newsroom, settings
):
    story = newsroom["published"][0]
    top = make_comment(story, name="Zoë Ångström", email="zoe@example.org")
    reply = make_comment(story, parent=top, name="Ana", body="Agreed: https://example.org/x")
    make_comment(story, status=Comment.Status.PENDING, body="WAITING TEXT")
    make_comment(story, status=Comment.Status.REJECTED, body="REJECTED TEXT")
    make_comment(story, status=Comment.Status.SPAM, body="SPAM TEXT")
    start_live_site()
    html = page(settings, story)
    section = re.search(r'<section class="comments".*?</section>', html, re.S).group(0)
    assert '<h2 id="comments-title">Comments (2)</h2>' in section
    assert f'<article class="comment" id="comment-{top.pk}">' in section
    assert f'href="#comment-{reply.pk}"' in section
    # The reply sits inside its comment's article: one level of threads.
    inner = section.index(f'id="comment-{top.pk}"') < section.index(f'id="comment-{reply.pk}"')
    assert inner and 'class="comment comment-reply-to"' in section
    assert '<a href="https://example.org/x" rel="nofollow ugc">' in section
    assert "Zoë Ångström" in section
    for hidden in (
        "WAITING TEXT",
        "REJECTED TEXT",
        "SPAM TEXT",
        "zoe@example.org",
        '@example.org"',
    ):
        assert hidden not in html
    assert 'action="/submit/comment/"' in section and "data-comment-form" in section
    assert "<script" not in section  # part of the page, not a script
    article = json_ld(html)[0]
    assert article["commentCount"] == 2
    assert [c["@type"] for c in article["comment"]] == ["Comment", "Comment"]
    assert article["comment"][0]["author"]["name"] == "Zoë Ångström"
    assert article["comment"][1]["parentItem"]["@id"].endswith(f"#comment-{top.pk}")
    assert "email" not in json.dumps(article)


def test_the_teaser_counts_the_approved_comments(newsroom, settings):
    story = newsroom["published"][0]
    make_comment(story)
    make_comment(story)
    make_comment(story, status=Comment.Status.PENDING)
    start_live_site()
    news = file_for(live_root(settings), "/news/").read_text()
    assert f'<a href="{story.get_absolute_url()}#comments">2 comments</a>' in news


def test_approving_a_guestbook_message_counts_it_on_the_obituaries_list_as_a_full_build_would(
    newsroom, settings, tmp_path, editor
):
    obituary = make_obituary(publish_at=timezone.now() - timedelta(days=1))
    make_comment(obituary)
    start_live_site()
    teaser = f'<a href="{obituary.get_absolute_url()}#comments">Guestbook: '
    assert teaser + "1 message</a>" in file_for(live_root(settings), "/obituaries/").read_text()
    waiting = make_comment(obituary, status=Comment.Status.PENDING)
    moderation.approve([waiting], editor)
    process_queue()
    assert teaser + "2 messages</a>" in file_for(live_root(settings), "/obituaries/").read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_a_closed_story_keeps_its_comments_and_drops_the_form(newsroom, settings):
    old = newsroom["published"][3]  # 27 days old: past the 14 days
    kept = make_comment(old)
    shut = make_story(comments=Commenting.CLOSED)
    start_live_site()
    html = page(settings, old)
    assert f'id="comment-{kept.pk}"' in html and "Comments are closed." in html
    assert "data-comment-form" not in html
    assert "data-comment-form" not in page(settings, shut)
    # An old story without comments shows no comments section at all.
    assert 'class="comments"' not in page(settings, newsroom["published"][4])


def test_an_obituary_has_a_guestbook_and_a_crime_report_no_form_unless_opened(newsroom, settings):
    obituary = make_obituary(publish_at=timezone.now() - timedelta(days=1))
    start_live_site()
    html = page(settings, obituary)
    assert "Share a memory or condolence" in html and "Guestbook" in html
    assert "data-comment-form" not in page(settings, newsroom["crimes"][0])


def test_approving_publishes_the_page_and_the_lists_as_a_full_build_would(
    newsroom, settings, tmp_path, editor
):
    story = newsroom["published"][0]
    start_live_site()
    waiting = make_comment(story, status=Comment.Status.PENDING, body="Now it is up.")
    process_queue()
    assert "Now it is up." not in page(settings, story)  # a waiting comment publishes nothing
    moderation.approve([waiting], editor)
    process_queue()
    assert f'id="comment-{waiting.pk}"' in page(settings, story)
    assert "1 comment</a>" in file_for(live_root(settings), "/news/").read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_removing_takes_it_off_the_page_as_a_full_build_would(newsroom, settings, tmp_path, editor):
    story = newsroom["published"][1]
    shown = make_comment(story, body="Say this once.")
    start_live_site()
    assert "Say this once." in page(settings, story)
    with pytest.raises(moderation.CommentModerationError):
        moderation.remove([shown], editor, "  ")
    moderation.remove([shown], editor, "A legal complaint, see takedown 12")
    process_queue()
    assert "Say this once." not in page(settings, story)
    shown.refresh_from_db()
    assert shown.status == "removed" and shown.reason.startswith("A legal complaint")
    assert_same_as_full_build(settings, tmp_path)


def test_erasing_a_commenter_removes_every_comment_in_one_publish_and_keeps_an_audit_line(
    newsroom, settings, tmp_path, editor
):
    one, two = newsroom["published"][0], newsroom["published"][1]
    mine = [
        make_comment(one, email="gone@example.org", body="First words of mine."),
        make_comment(two, email="gone@example.org", body="Second words of mine."),
    ]
    other = make_comment(one, body="Someone else's.")
    start_live_site()
    exported = json.loads(moderation.export("GONE@example.org"))
    assert [c["text"] for c in exported["comments"]] == [
        "First words of mine.",
        "Second words of mine.",
    ]
    assert moderation.erase("gone@example.org", editor) == 2
    process_queue()
    for item in (one, two):
        assert "words of mine" not in page(settings, item)
    assert "Someone else&#39;s." in page(settings, one) or "Someone else's." in page(settings, one)
    for comment in mine:
        comment.refresh_from_db()
        assert (comment.status, comment.body, comment.email, comment.name) == (
            "removed",
            "",
            "",
            "",
        )
        assert comment.reason == moderation.ERASED and comment.decided_by == editor
    assert Comment.objects.get(pk=other.pk).status == "approved"
    assert json.loads(moderation.export("gone@example.org"))["comments"] == []
    assert_same_as_full_build(settings, tmp_path)


def test_a_full_build_fetches_comments_a_batch_at_a_time(db, settings, tmp_path):
    stories = [make_story(publish_at=timezone.now() - timedelta(hours=n)) for n in range(1, 13)]
    for story in stories:
        make_comment(story)
    with CaptureQueriesContext(connection) as few:
        build_site(build_dir=tmp_path / "a", jobs=1)
    more = [make_story(publish_at=timezone.now() - timedelta(hours=n)) for n in range(13, 40)]
    for story in more:
        make_comment(story)
        make_comment(story)
    with CaptureQueriesContext(connection) as many:
        build_site(build_dir=tmp_path / "b", jobs=1)
    comment_queries = [
        q for q in many.captured_queries if "content_comment" in q["sql"] and "IN (" in q["sql"]
    ]
    assert len(comment_queries) == len(
        [q for q in few.captured_queries if "content_comment" in q["sql"] and "IN (" in q["sql"]]
    )


def test_a_page_whose_comments_closed_by_age_loses_its_form_within_a_minute(db, settings, tmp_path):
    from publisher.publish import publish_expired

    story = make_story(publish_at=timezone.now() - timedelta(days=14, hours=12))
    kept = make_comment(story)
    fresh = make_story(publish_at=timezone.now() - timedelta(days=2))
    settings.PUBLISHER_COMMENTS_DAYS = 15
    start_live_site()
    assert "data-comment-form" in page(settings, story)
    settings.PUBLISHER_COMMENTS_DAYS = 14  # as if half a day had passed
    written = publish_expired().written
    assert written == [story.get_absolute_url().strip("/") + "/index.html"]
    html = page(settings, story)
    assert "data-comment-form" not in html and f'id="comment-{kept.pk}"' in html
    assert "data-comment-form" in page(settings, fresh)
    assert publish_expired().written == []  # asked again: nothing left to do
    assert_same_as_full_build(settings, tmp_path)


def test_an_editor_closes_a_storys_comments_in_its_admin_form(db, client, settings):
    from content.models import Story
    from tests.support import admin_url, make_author, member_of, story_form

    client.force_login(member_of("Editors", "edna"))
    for model in ("story", "obituary", "crimereport"):
        add = client.get(admin_url(model, "add")).content.decode()
        assert "Readers&#x27; comments" in add and 'name="comments"' in add, model
    start_live_site()
    today = timezone.localtime()
    fields = {
        "status": "published",
        "publish_at_0": f"{today:%Y-%m-%d}",
        "publish_at_1": f"{today - timedelta(minutes=5):%H:%M:%S}",
    }
    author = make_author()
    for slug, commenting in (("left-to-the-rule", ""), ("sensitive", Commenting.CLOSED)):
        form = story_form([author], **fields, slug=slug, headline=slug, comments=commenting)
        assert client.post(admin_url("story", "add"), form).status_code == 302
    process_queue()
    default, closed = (
        Story.objects.get(slug="left-to-the-rule"),
        Story.objects.get(slug="sensitive"),
    )
    assert closed.comments == Commenting.CLOSED
    assert "data-comment-form" in page(settings, default)
    story = closed
    assert "data-comment-form" not in page(settings, story)


@pytest.mark.django_db(transaction=True)
def test_the_comment_queries_of_a_build_use_an_index_on_mariadb():
    from content.pages import REGISTRY, approved_comments, stories

    if connection.vendor != "mysql":
        pytest.skip("EXPLAIN is checked on MariaDB")
    items = [make_story(publish_at=timezone.now() - timedelta(hours=n)) for n in range(1, 61)]
    Comment.objects.bulk_create(
        Comment(
            kind="story", item_id=items[n % 60].pk, name=f"R{n}", email=f"r{n}@example.org",
            body=f"Comment {n}", body_html=f"<p>Comment {n}</p>", digest=f"d{n}", token=f"t{n}",
            status="approved" if n % 3 else "pending",
        )
        for n in range(3000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE content_comment, content_story")
        cursor.fetchall()
    site = REGISTRY.site()
    with CaptureQueriesContext(connection) as captured:
        approved_comments("story", [story.pk for story in items[:20]])
        list(stories(site)[:20])
    scans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                plan = dict(zip(columns, row, strict=True))
                if plan["table"] == "content_comment" and plan["type"] == "ALL":
                    scans.append(query["sql"][:300])
    read = [q for q in captured.captured_queries if "content_comment" in q["sql"]]
    assert len(read) == 2 and scans == [], scans
