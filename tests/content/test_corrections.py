"""Corrections and "show as updated" in the admin, and the rules that keep
the record honest: a published correction changes only by a superuser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from content.models import CORRECTION_MAX_CHARS, Correction, Status, Story
from tests.support import make_story

pytestmark = pytest.mark.django_db


def member_of(group: str, username: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(client):
    client.force_login(member_of("Editors", "ed"))
    return client


@pytest.fixture
def story() -> Story:
    # To the second, as the form posts it back.
    return make_story(publish_at=timezone.now().replace(microsecond=0) - timedelta(hours=3))


def change_url(story: Story) -> str:
    return reverse("admin:content_story_change", args=[story.pk])


def story_post(story: Story, **overrides: Any) -> dict[str, Any]:
    """The change form's POST for the story as it is, no correction rows."""
    local = timezone.localtime(story.publish_at)
    bylines = list(story.bylines.all())
    data = {
        "headline": story.headline,
        "dek": story.dek,
        "section": story.section_id,
        "body": story.body,
        "photo_alt": "",
        "photo_caption": "",
        "photo_credit": "",
        "slug": story.slug,
        "status": story.status,
        "publish_at_0": local.strftime("%Y-%m-%d"),
        "publish_at_1": local.strftime("%H:%M:%S"),
        "bylines-TOTAL_FORMS": str(len(bylines)),
        "bylines-INITIAL_FORMS": str(len(bylines)),
        "bylines-MIN_NUM_FORMS": "1",
        "bylines-MAX_NUM_FORMS": "1000",
    }
    for i, byline in enumerate(bylines):
        data |= {
            f"bylines-{i}-id": byline.pk,
            f"bylines-{i}-story": story.pk,
            f"bylines-{i}-author": byline.author_id,
            f"bylines-{i}-position": byline.position,
        }
    return data | overrides


def rows(prefix: str, *forms: dict[str, Any], initial: int = 0) -> dict[str, Any]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(forms)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(forms):
        data |= {f"{prefix}-{i}-{name}": value for name, value in form.items()}
    return data


# An editor's change form: published corrections (read-only) first, then new
# ones and drafts.
PUBLISHED, DRAFTS = "corrections", "corrections-2"


def published_correction(story: Story, text: str = "The vote was 5-2, not 6-1.") -> Correction:
    return Correction.objects.create(story=story, text=text, status=Status.PUBLISHED)


# --- adding one ---------------------------------------------------------------------


def test_an_editor_adds_a_correction_to_a_live_story(editor, story):
    data = (
        story_post(story)
        | rows(PUBLISHED)
        | rows(DRAFTS, {"story": story.pk, "text": "The vote was 5-2.", "status": "published"})
    )
    response = editor.post(change_url(story), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    correction = story.corrections.get()
    assert (correction.text, correction.status) == ("The vote was 5-2.", Status.PUBLISHED)
    assert correction.created_by.username == "ed"
    assert timezone.now() - correction.publish_at < timedelta(minutes=1)
    story.refresh_from_db()
    assert story.shown_updated_at == correction.publish_at
    assert story.shown_update == correction.publish_at


def test_a_draft_correction_stays_editable_and_is_dated_when_published(editor, story):
    draft = Correction.objects.create(story=story, text="Draft wording.")
    assert draft.publish_at is None
    data = (
        story_post(story)
        | rows(PUBLISHED)
        | rows(
            DRAFTS,
            {"id": draft.pk, "story": story.pk, "text": "Final wording.", "status": "published"},
            initial=1,
        )
    )
    assert editor.post(change_url(story), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.text, draft.status) == ("Final wording.", Status.PUBLISHED)
    assert draft.publish_at is not None


def test_a_draft_story_offers_no_corrections_and_the_model_refuses_one(editor):
    draft = make_story(status=Status.DRAFT)
    page = editor.get(change_url(draft)).content.decode()
    assert "corrections-TOTAL_FORMS" not in page
    with pytest.raises(ValidationError, match="Corrections are for live stories"):
        Correction.objects.create(story=draft, text="Too early.", status=Status.PUBLISHED)


def test_an_empty_or_overlong_correction_is_a_form_error(editor, story):
    for text, message in [
        ("   ", "This field is required."),
        ("x" * (CORRECTION_MAX_CHARS + 1), "at most 2000 characters"),
    ]:
        data = (
            story_post(story)
            | rows(PUBLISHED)
            | rows(DRAFTS, {"story": story.pk, "text": text, "status": "published"})
        )
        response = editor.post(change_url(story), data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not story.corrections.exists()


def test_a_script_gets_the_same_refusals():
    story = make_story()
    with pytest.raises(ValidationError, match="Write what the correction says"):
        Correction.objects.create(story=story, text=" ", status=Status.PUBLISHED)
    with pytest.raises(ValidationError, match="the limit is 2,000"):
        Correction.objects.create(story=story, text="x" * 2001)
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        Correction.objects.create(
            story=story,
            text="From tomorrow.",
            status=Status.PUBLISHED,
            publish_at=timezone.now() + timedelta(days=1),
        )
    assert not story.corrections.exists()


# --- once published, part of the record ---------------------------------------------


def test_an_editor_sees_a_published_correction_read_only(editor, story):
    published_correction(story)
    page = editor.get(change_url(story)).content.decode()
    assert "The vote was 5-2, not 6-1." in page
    assert f'name="{PUBLISHED}-0-text"' not in page
    assert f'name="{PUBLISHED}-0-DELETE"' not in page


def test_an_editor_cannot_change_or_delete_a_published_correction_by_a_crafted_post(editor, story):
    correction = published_correction(story)
    edit = {"id": correction.pk, "story": story.pk, "text": "Rewritten.", "status": "published"}
    for data in [
        # Through the read-only rows: ignored.
        story_post(story) | rows(PUBLISHED, edit | {"DELETE": "on"}, initial=1) | rows(DRAFTS),
        # Through the editable rows, which do not hold it: refused.
        story_post(story) | rows(PUBLISHED) | rows(DRAFTS, edit, initial=1),
    ]:
        editor.post(change_url(story), data)
        correction.refresh_from_db()
        assert (correction.text, correction.status) == ("The vote was 5-2, not 6-1.", "published")


def test_a_reporter_cannot_touch_a_live_storys_corrections(client, story):
    correction = published_correction(story)
    client.force_login(member_of("Reporters", "rita"))
    data = story_post(story) | rows(
        PUBLISHED,
        {"id": correction.pk, "story": story.pk, "text": "Mine now.", "status": "draft"},
        initial=1,
    )
    assert client.post(change_url(story), data).status_code == 403
    correction.refresh_from_db()
    assert correction.text == "The vote was 5-2, not 6-1."


def test_the_model_refuses_to_change_or_delete_a_published_correction(story):
    correction = published_correction(story)
    correction.text = "Quietly rewritten."
    with pytest.raises(ValidationError, match="only a superuser can change or delete it"):
        correction.save()
    correction.status = Status.DRAFT
    with pytest.raises(ValidationError, match="part of the record"):
        correction.save()
    with pytest.raises(ValidationError, match="part of the record"):
        Correction.objects.get(pk=correction.pk).delete()
    assert Correction.objects.get(pk=correction.pk).text == "The vote was 5-2, not 6-1."


def test_a_superuser_may_amend_or_delete_a_published_correction(admin_client, story):
    correction = published_correction(story)
    amend = {"id": correction.pk, "story": story.pk, "text": "Amended.", "status": "published"}
    data = story_post(story) | rows("corrections", amend, initial=1)
    assert admin_client.post(change_url(story), data).status_code == 302
    correction.refresh_from_db()
    assert correction.text == "Amended."
    data = story_post(story) | rows("corrections", amend | {"DELETE": "on"}, initial=1)
    assert admin_client.post(change_url(story), data).status_code == 302
    assert not Correction.objects.filter(pk=correction.pk).exists()


def test_a_post_without_the_corrections_leaves_them_as_they_are(editor, story):
    published_correction(story)
    response = editor.post(change_url(story), story_post(story, headline="Retitled"))
    assert response.status_code == 302
    assert story.corrections.get().text == "The vote was 5-2, not 6-1."


# --- show as updated --------------------------------------------------------------------


def test_show_as_updated_stamps_the_item_and_a_typo_fix_does_not(editor, story):
    response = editor.post(change_url(story), story_post(story, body="A typo fixed."))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.shown_updated_at is None and story.shown_update is None

    before = timezone.now()
    data = story_post(story, body="New facts.", show_as_updated="on")
    assert editor.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.shown_updated_at >= before
    assert story.modified_at == story.shown_updated_at
    stamped = story.shown_updated_at

    assert (
        editor.post(change_url(story), story_post(story, body="Another typo.")).status_code == 302
    )
    story.refresh_from_db()
    assert story.shown_updated_at == stamped


def test_the_stamp_is_shown_only_after_the_item_went_live():
    story = make_story(publish_at=timezone.now() - timedelta(hours=1))
    story.shown_updated_at = story.publish_at - timedelta(minutes=5)  # ticked on the draft
    assert story.shown_update is None and story.modified_at == story.publish_at


def test_a_reporters_show_as_updated_is_ignored(client):
    client.force_login(member_of("Reporters", "rita"))
    draft = make_story(status=Status.DRAFT, publish_at=timezone.now().replace(microsecond=0))
    data = story_post(draft, show_as_updated="on")
    assert client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.shown_updated_at is None


def test_the_checkbox_is_on_an_editors_change_form_only(editor, story):
    assert "show_as_updated" in editor.get(change_url(story)).content.decode()
    add = editor.get(reverse("admin:content_story_add")).content.decode()
    assert "show_as_updated" not in add
