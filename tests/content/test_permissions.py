"""Reporters write drafts; editors publish (groups made by a migration)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from content.models import Section, Status, Story
from tests.support import (
    make_author,
    make_birth,
    make_crime,
    make_obituary,
    make_story,
    make_wedding,
    member_of,
)

pytestmark = pytest.mark.django_db


def story_form(section: Section, author_id: int, **overrides: str) -> dict:
    data = {
        "headline": "Reporter's scoop",
        "dek": "",
        "section": section.pk,
        "body": "Text.",
        "slug": "reporters-scoop",
        "status": "published",
        "publish_at_0": "2026-01-02",
        "publish_at_1": "10:00:00",
        "photo_alt": "",
        "photo_caption": "",
        "photo_credit": "",
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "1",
        "bylines-MAX_NUM_FORMS": "1000",
        "bylines-0-author": str(author_id),
        "bylines-0-position": "0",
    }
    data.update(overrides)
    return data


def test_the_migration_creates_reporters_and_editors():
    reporters = set(
        Group.objects.get(name="Reporters").permissions.values_list("codename", flat=True)
    )
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert "add_story" in reporters and "publish_story" not in reporters
    assert {"publish_story", "publish_obituary", "publish_crimereport", "delete_story"} <= editors


def test_a_reporter_can_write_a_draft_but_not_publish_it(client):
    client.force_login(member_of("Reporters", "rita"))
    section, author = Section.objects.create(name="News", slug="news-desk"), make_author()
    response = client.post(reverse("admin:content_story_add"), story_form(section, author.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    story = Story.objects.get(slug="reporters-scoop")
    assert story.status == Status.DRAFT  # "published" in the form is ignored


def test_a_reporter_has_no_publish_action_and_cannot_change_a_live_story(client):
    client.force_login(member_of("Reporters", "rita"))
    story = make_story()
    changelist = client.get(reverse("admin:content_story_changelist")).content.decode()
    # The actions' values (the sidebar names the unpublishing policy page).
    assert 'value="publish_now"' not in changelist and 'value="unpublish"' not in changelist
    url = reverse("admin:content_story_change", args=[story.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    data = story_form(
        story.section, story.bylines.first().author_id, headline="Sneaky edit", slug=story.slug
    )
    assert client.post(url, data).status_code == 403
    story.refresh_from_db()
    assert story.headline != "Sneaky edit"


def test_an_editor_publishes(client):
    client.force_login(member_of("Editors", "ed"))
    section, author = Section.objects.create(name="News", slug="news-desk"), make_author()
    response = client.post(reverse("admin:content_story_add"), story_form(section, author.pk))
    assert response.status_code == 302
    assert Story.objects.get(slug="reporters-scoop").status == Status.PUBLISHED
    draft = make_story(status=Status.DRAFT, slug="waiting")
    changelist = reverse("admin:content_story_changelist")
    client.post(changelist, {"action": "publish_now", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


# --- preview -------------------------------------------------------------------------

PREVIEW_KINDS = [
    ("story", make_story),
    ("obituary", make_obituary),
    ("crime", make_crime),
    ("birth", make_birth),
    ("wedding", make_wedding),
]


@pytest.mark.parametrize(("kind", "make"), PREVIEW_KINDS)
def test_a_staff_account_in_no_group_cannot_preview_a_draft(client, kind, make):
    draft = make(status=Status.DRAFT)
    client.force_login(User.objects.create_user("stray", password="pw", is_staff=True))
    response = client.get(reverse("preview", args=[kind, draft.pk]))
    assert response.status_code == 403
    assert draft.title not in response.content.decode()


@pytest.mark.parametrize("group", ["Reporters", "Editors"])
@pytest.mark.parametrize(("kind", "make"), PREVIEW_KINDS)
def test_reporters_and_editors_preview_drafts(client, group, kind, make):
    draft = make(status=Status.DRAFT)
    client.force_login(member_of(group, "member"))
    response = client.get(reverse("preview", args=[kind, draft.pk]))
    assert response.status_code == 200
    assert draft.title in response.content.decode()


def test_the_view_permission_alone_is_enough_to_preview(client):
    draft = make_story(status=Status.DRAFT)
    user = User.objects.create_user("reader", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_story"))
    client.force_login(user)
    assert client.get(reverse("preview", args=["story", draft.pk])).status_code == 200
    # ... for stories only: the permission is per model.
    obituary = make_obituary(status=Status.DRAFT)
    assert client.get(reverse("preview", args=["obituary", obituary.pk])).status_code == 403
