"""The moderation steps as plain functions (what the admin's buttons call)."""

from __future__ import annotations

import pytest

from content.models import Birth
from desk.models import Submission
from desk.moderation import ModerationError, decline, make_draft, mark_handled
from tests.support import SUBMIT_FIELDS, member_of

pytestmark = pytest.mark.django_db


def waiting(kind: str) -> Submission:
    return Submission.objects.create(kind=kind, name="Anna Quist", fields=SUBMIT_FIELDS[kind])


def test_a_decline_without_a_reason_is_refused_and_changes_nothing():
    editor = member_of("Editors", "edna")
    letter = waiting("letter")
    with pytest.raises(ModerationError, match="Give the reason"):
        decline(letter, editor, "   ")
    letter.refresh_from_db()
    assert (letter.status, letter.decided_by) == (Submission.Status.PENDING, None)


def test_a_tip_does_not_become_an_item():
    editor = member_of("Editors", "edna")
    with pytest.raises(ModerationError, match="mark it handled or decline it"):
        make_draft(waiting("tip"), editor)


def test_each_submission_is_decided_once():
    editor = member_of("Editors", "edna")
    birth = waiting("birth")
    make_draft(birth, editor)
    for step in (lambda: make_draft(birth, editor), lambda: mark_handled(birth, editor)):
        with pytest.raises(ModerationError, match="already made into a draft"):
            step()
    assert Birth.objects.count() == 1


def test_fields_the_item_refuses_are_named_and_nothing_is_made():
    editor = member_of("Editors", "edna")
    birth = Submission.objects.create(
        kind="birth", fields={**SUBMIT_FIELDS["birth"], "birth_date": "2999-01-01"}
    )
    with pytest.raises(ModerationError, match="The date of birth cannot be in the future"):
        make_draft(birth, editor)
    birth.refresh_from_db()
    assert birth.status == Submission.Status.PENDING and Birth.objects.count() == 0
