"""History's revert and recover decide on the row as stored, before
django-reversion writes anything: a Reporter never changes what readers see
through them (nor through the change form, the list actions or delete)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from content.models import Obituary, Status, Story
from publisher.pages.registry import registry
from publisher.publish import process_queue
from records.decisions import decide
from records.models import Decision
from tests.records.conftest import NAME
from tests.support import (
    file_for,
    live_root,
    make_author,
    make_birth,
    make_crime,
    make_obituary,
    make_section,
    make_story,
    make_wedding,
    member_of,
    page_text,
    start_live_site,
)

HEADLINE = "Zoë Ångström’s bakery opens on Main St"
DRAFT_HEADLINE = "Bakery (draft, do not publish)"


def versions(item) -> list[Version]:
    return list(Version.objects.get_for_object(item).order_by("pk").select_related("revision"))


def written_as_a_draft_then_published(**overrides) -> Story:
    """A story with a revision saved while it was a draft (its first), then
    published with its final text (its second)."""
    story = make_story(
        authors=[make_author(name="Åsa Nyström")],
        section=make_section(name="Business", slug="business"),
        headline=DRAFT_HEADLINE,
        slug="bakery-opens",
        body="Notes:\u00a0call\nthe owner.",
        status=Status.DRAFT,
        publish_at=timezone.now() - timedelta(hours=3),
    )
    story.save()  # the byline is in the revision from here on
    story.headline, story.body = (
        HEADLINE,
        "The bakery opened at 6 a.m.\n\nQueues ran round the block.",
    )
    story.status = Status.PUBLISHED
    for name, value in overrides.items():
        setattr(story, name, value)
    story.save()
    return story


def draft_revision(story: Story) -> Version:
    """The last revision saved while the story was a draft (with its byline)."""
    return [v for v in versions(story) if v.field_dict["status"] == Status.DRAFT][-1]


def revision_form(story: Story, version: Version) -> dict:
    """What the revision form posts: the old revision's fields as shown."""
    old = version.field_dict
    local = timezone.localtime(old["publish_at"])
    byline = story.bylines.get()
    return {
        "headline": old["headline"],
        "dek": old["dek"],
        "section": old["section_id"],
        "body": old["body"],
        "slug": old["slug"],
        "status": old["status"],
        "publish_at_0": f"{local:%Y-%m-%d}",
        "publish_at_1": f"{local:%H:%M:%S}",
        "photo_alt": "",
        "photo_caption": "",
        "photo_credit": "",
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "1",
        "bylines-MIN_NUM_FORMS": "1",
        "bylines-MAX_NUM_FORMS": "1000",
        "bylines-0-id": str(byline.pk),
        "bylines-0-story": str(story.pk),
        "bylines-0-author": str(byline.author_id),
        "bylines-0-position": "0",
    }


def revision_url(story: Story, version: Version) -> str:
    return reverse("admin:content_story_revision", args=[story.pk, version.pk])


def stored(story: Story) -> tuple:
    fresh = Story.objects.get(pk=story.pk)
    return (fresh.headline, fresh.body, fresh.status, fresh.slug, fresh.publish_at)


def revisions_by(user: User) -> int:
    return Version.objects.filter(revision__user=user).count()


@pytest.fixture
def live(db, settings):
    story = written_as_a_draft_then_published()
    start_live_site()
    page = file_for(live_root(settings), story.get_absolute_url())
    assert HEADLINE in page.read_text()
    return story, page


@pytest.fixture
def reporter(db):
    return member_of("Reporters", "rita")


@pytest.fixture
def editor(db):
    return member_of("Editors", "eddie")


def test_a_reporter_cannot_revert_a_live_story_to_its_draft(live, reporter, client, settings):
    story, page = live
    before, html = stored(story), page.read_bytes()
    draft = draft_revision(story)
    assert draft.field_dict["status"] == Status.DRAFT
    client.force_login(reporter)

    response = client.post(revision_url(story, draft), revision_form(story, draft))
    process_queue()

    assert response.status_code == 403
    assert stored(story) == before
    assert page.read_bytes() == html
    assert revisions_by(reporter) == 0


def test_a_reporter_sees_a_live_storys_old_revision_read_only(live, reporter, client):
    story, _ = live
    client.force_login(reporter)
    response = client.get(revision_url(story, draft_revision(story)))
    text = page_text(response)
    assert response.status_code == 200
    assert DRAFT_HEADLINE in text
    assert 'name="_save"' not in text
    assert "only an editor can restore" in text.lower()


def test_a_reporter_cannot_revert_a_scheduled_story(db, reporter, client, settings):
    story = written_as_a_draft_then_published(publish_at=timezone.now() + timedelta(days=2))
    start_live_site()
    before = stored(story)
    draft = draft_revision(story)
    client.force_login(reporter)

    response = client.post(revision_url(story, draft), revision_form(story, draft))
    process_queue()

    assert response.status_code == 403
    assert stored(story) == before
    assert not file_for(live_root(settings), story.get_absolute_url()).exists()
    assert revisions_by(reporter) == 0


MAKERS = {
    "story": make_story,
    "obituary": make_obituary,
    "crime": make_crime,
    "birth": make_birth,
    "wedding": make_wedding,
}


def test_every_kind_is_covered():
    assert {kind.name for kind in registry().item_kinds} == set(MAKERS)


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("view", ["revision", "recover"])
def test_no_kind_is_reverted_by_a_reporter_while_live(db, reporter, client, kind, view):
    # Refused before the form is read: an empty POST is enough to show it.
    item = MAKERS[kind](status=Status.DRAFT)
    item.status = Status.PUBLISHED
    item.save()
    model = type(item)
    draft = [v for v in versions(item) if v.field_dict["status"] == Status.DRAFT][-1]
    client.force_login(reporter)
    name = f"admin:content_{model._meta.model_name}_{view}"
    args = [item.pk, draft.pk] if view == "revision" else [draft.pk]

    assert client.post(reverse(name, args=args), {}).status_code == 403
    assert model.objects.get(pk=item.pk).status == Status.PUBLISHED
    assert revisions_by(reporter) == 0


def test_a_reporter_cannot_use_recover_on_a_live_story(live, reporter, client):
    # The recover view takes any revision, of an item that still exists too.
    story, page = live
    before, html = stored(story), page.read_bytes()
    draft = draft_revision(story)
    client.force_login(reporter)

    url = reverse("admin:content_story_recover", args=[draft.pk])
    response = client.post(url, revision_form(story, draft))
    process_queue()

    assert response.status_code == 403
    assert stored(story) == before
    assert page.read_bytes() == html
    assert revisions_by(reporter) == 0


def test_a_reporter_recovers_a_deleted_live_story_only_as_a_draft(live, reporter, client, settings):
    story, page = live
    url = story.get_absolute_url()
    published = versions(story)[-1]
    form = revision_form(story, published)
    story.delete()
    process_queue()
    assert not page.exists()
    client.force_login(reporter)

    response = client.post(reverse("admin:content_story_recover", args=[published.pk]), form)
    process_queue()

    assert response.status_code == 302, page_text(response)[:2000]
    back = Story.objects.get(pk=published.object_id)
    assert (back.headline, back.status) == (HEADLINE, Status.DRAFT)
    assert not file_for(live_root(settings), url).exists()
    assert versions(back)[-1].revision.user == reporter


def test_an_editor_still_reverts_a_live_story(live, editor, client, settings):
    story, page = live
    draft = draft_revision(story)
    client.force_login(editor)

    response = client.post(revision_url(story, draft), revision_form(story, draft))
    process_queue()

    assert response.status_code == 302, page_text(response)[:2000]
    assert stored(story)[:3] == (DRAFT_HEADLINE, draft.field_dict["body"], Status.DRAFT)
    assert not page.exists()
    assert versions(story)[-1].revision.user == editor


def test_a_revert_renders_the_body_before_its_transaction(live, editor, client, renders):
    story, _ = live
    draft = draft_revision(story)
    client.force_login(editor)
    response = client.post(revision_url(story, draft), revision_form(story, draft))
    assert response.status_code == 302
    assert renders and set(renders) == {0}


def test_a_revision_of_another_kind_is_not_found_under_a_storys_address(live, reporter, client):
    # Same number, other model: reverting it would write the obituary raw.
    story, _ = live
    obituary = make_obituary(full_name="Ada Person", slug="ada-person")
    while obituary.pk < story.pk:
        obituary = make_obituary()
    other = versions(Obituary.objects.get(pk=obituary.pk))[0]
    client.force_login(reporter)
    url = reverse("admin:content_story_revision", args=[other.object_id, other.pk])
    assert client.get(url).status_code == 404


def test_compare_is_for_those_who_may_view_the_item(live, client):
    story, _ = live
    first, last = versions(story)[-2:]
    url = reverse("admin:content_story_compare", args=[story.pk])
    query = {"version_id1": first.pk, "version_id2": last.pk}
    nobody = User.objects.create_user("staff", password="pw-for-tests-only", is_staff=True)
    client.force_login(nobody)
    assert client.get(url, query).status_code == 403
    client.force_login(member_of("Reporters", "rita"))
    assert client.get(url, query).status_code == 200  # read-only: it writes nothing


@pytest.mark.parametrize("action", ["publish_now", "unpublish", "delete_selected"])
def test_a_reporters_list_actions_change_nothing(live, reporter, client, action):
    story, page = live
    draft = make_story(status=Status.DRAFT)
    before, html = stored(story), page.read_bytes()
    client.force_login(reporter)
    client.post(
        reverse("admin:content_story_changelist"),
        {"action": action, "_selected_action": [story.pk, draft.pk]},
    )
    process_queue()
    assert stored(story) == before and page.read_bytes() == html
    assert Story.objects.get(pk=draft.pk).status == Status.DRAFT


def test_a_reporter_cannot_delete_a_story(live, reporter, client):
    story, page = live
    client.force_login(reporter)
    url = reverse("admin:content_story_delete", args=[story.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Story.objects.filter(pk=story.pk).exists() and page.exists()


def anonymised(desk, asked):
    asked.decision, asked.names, asked.replacement = (
        Decision.ANONYMISE,
        f"Ms. Zyndrowski\n{NAME}\nZyndrowski",
        "a Millbrook teenager",
    )
    decide(asked, desk["editor"])
    return desk["story"]


def history_pages(story: Story) -> dict[str, tuple[str, dict]]:
    old = versions(story)[0]
    new = versions(story)[-1]
    return {
        "history": (reverse("admin:content_story_history", args=[story.pk]), {}),
        "revision": (reverse("admin:content_story_revision", args=[story.pk, old.pk]), {}),
        "recover": (reverse("admin:content_story_recover", args=[old.pk]), {}),
        "compare": (
            reverse("admin:content_story_compare", args=[story.pk]),
            {"version_id1": old.pk, "version_id2": new.pk},
        ),
    }


@pytest.mark.parametrize("page", ["history", "revision", "recover", "compare"])
def test_only_editors_read_the_history_of_an_anonymised_item(desk, asked, client, page):
    story = anonymised(desk, asked)
    url, query = history_pages(story)[page]
    client.force_login(desk["reporter"])
    assert client.get(url, query).status_code == 403
    client.force_login(desk["editor"])
    response = client.get(url, query)
    assert response.status_code == 200
    # The anonymisation redacted the older revisions too: nobody reads the name.
    assert "zyndrowski" not in page_text(response).lower()


def test_a_declined_request_leaves_the_history_open_to_reporters(desk, asked, client):
    asked.decision = Decision.DECLINE
    decide(asked, desk["editor"])
    url, query = history_pages(desk["story"])["compare"]
    client.force_login(desk["reporter"])
    assert client.get(url, query).status_code == 200
