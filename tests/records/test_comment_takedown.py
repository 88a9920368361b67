"""A reader's comment removed for a legal reason goes through the takedown
record: a request of kind "comment", decided by an editor, the comment off
its page in the next publish, the request and the audit line kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from content.models import Comment
from publisher.publish import process_queue
from records.decisions import decide
from records.models import AuditEntry, Decision, TakedownRequest
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_comment,
    make_story,
    member_of,
    start_live_site,
)

pytestmark = pytest.mark.django_db
WORDS = "Mr. Okonkwo-Brandt stole from the till, everyone knows it."


def ask(comment: Comment, decision: str) -> TakedownRequest:
    asked = TakedownRequest.objects.create(
        requester="Counsel for Mr. Okonkwo-Brandt",
        contact="law@example.org",
        kind="comment",
        object_id=comment.pk,
        reason="Defamatory.",
    )
    asked.decision = decision
    return asked


def test_removing_a_comment_by_takedown_takes_it_off_its_page_and_keeps_the_record(
    settings, tmp_path
):
    story = make_story()
    comment = make_comment(story, body=WORDS)
    make_comment(story, body="A kind word stays.")
    start_live_site()
    page = file_for(live_root(settings), story.get_absolute_url())
    assert "Okonkwo-Brandt" in page.read_text()
    editor = member_of("Editors", "edna")
    with pytest.raises(PermissionDenied):
        decide(ask(comment, Decision.REMOVE), member_of("Reporters", "rita"))
    asked = decide(ask(comment, Decision.REMOVE), editor)
    process_queue()
    html = page.read_text()
    assert "Okonkwo-Brandt" not in html and "A kind word stays." in html
    comment.refresh_from_db()
    assert comment.status == "removed" and f"#{asked.pk}" in comment.reason
    entry = AuditEntry.objects.filter(request=asked).latest("at")
    assert f"Removed reader's comment #{comment.pk}" in entry.detail
    assert_same_as_full_build(settings, tmp_path)


def test_a_comment_is_removed_not_anonymised_and_a_missing_one_is_named(settings):
    comment = make_comment(make_story(), body=WORDS)
    editor = member_of("Editors", "edna")
    asked = ask(comment, Decision.ANONYMISE)
    asked.names, asked.replacement = "Okonkwo-Brandt", "a shopkeeper"
    with pytest.raises(ValidationError, match="removed, not anonymised"):
        decide(asked, editor)
    assert Comment.objects.get().status == "approved"
    missing = ask(comment, Decision.REMOVE)
    missing.object_id = 987654
    with pytest.raises(ValidationError, match="no reader's comment number 987654"):
        decide(missing, editor)
