"""Births and weddings in the admin: Reporters write drafts, Editors publish
(the groups' rights come from migration 0006), previews, and what the forms
refuse."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from content.models import Birth, Status, Wedding
from content.uploads import NOT_A_PHOTO
from tests.support import (
    admin_url,
    image_bytes,
    make_birth,
    make_photo,
    make_wedding,
    member_of,
    publish_fields,
)

pytestmark = pytest.mark.django_db

KINDS = [("birth", make_birth), ("wedding", make_wedding)]


def birth_form(**overrides: Any) -> dict[str, Any]:
    return {
        "baby_name": "Nora Louise Hansen",
        "birth_date": "2024-04-02",
        "parents": "Emily and Sam Hansen",
        "hometown": "Millbrook",
        "weight_pounds": "8",
        "weight_ounces": "12",
        "body": "",
        "photo_alt": "",
        "slug": "nora-louise-hansen",
        **publish_fields(status=Status.PUBLISHED),
        **overrides,
    }


def wedding_form(**overrides: Any) -> dict[str, Any]:
    return {
        "partner_one": "Lauren Grant",
        "partner_two": "Nate Fischer",
        "announcement": "wedding",
        "date": "2024-04-20",
        "place": "St. Mark's Lutheran Church, Millbrook",
        "body": "",
        "photo_alt": "",
        "slug": "lauren-grant-and-nate-fischer",
        **publish_fields(status=Status.PUBLISHED),
        **overrides,
    }


FORMS = {"birth": birth_form, "wedding": wedding_form}
MODELS = {"birth": Birth, "wedding": Wedding}


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was accepted"
    return dict(response.context["adminform"].form.errors)


# -- the groups --------------------------------------------------------------------------


def test_the_migration_gives_reporters_drafts_and_editors_publishing():
    reporters = set(
        Group.objects.get(name="Reporters").permissions.values_list("codename", flat=True)
    )
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    for model in ("birth", "wedding"):
        assert {f"add_{model}", f"change_{model}", f"view_{model}"} <= reporters
        assert not {f"publish_{model}", f"delete_{model}"} & reporters
        assert {f"publish_{model}", f"delete_{model}", f"add_{model}"} <= editors
    # What the groups had before is still theirs.
    assert {"add_story", "add_obituary"} <= reporters and "publish_story" in editors


@pytest.mark.parametrize("kind", ["birth", "wedding"])
def test_a_reporters_announcement_is_saved_as_a_draft(client, kind):
    client.force_login(member_of("Reporters", "rita"))
    response = client.post(admin_url(kind, "add"), FORMS[kind]())
    assert response.status_code == 302, errors(response)
    assert MODELS[kind].objects.get().status == Status.DRAFT  # "published" is ignored


@pytest.mark.parametrize(("kind", "make"), KINDS)
def test_a_reporter_cannot_publish_nor_change_a_live_announcement(client, kind, make):
    client.force_login(member_of("Reporters", "rita"))
    live, draft = make(), make(status=Status.DRAFT)
    changelist = client.get(admin_url(kind, "changelist")).content.decode()
    assert "publish_now" not in changelist
    client.post(
        admin_url(kind, "changelist"), {"action": "publish_now", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    data = FORMS[kind](slug=live.slug, body="Sneaky edit")
    assert client.post(admin_url(kind, "change", live.pk), data).status_code == 403
    live.refresh_from_db()
    assert live.body != "Sneaky edit"


@pytest.mark.parametrize(("kind", "make"), KINDS)
def test_an_editor_publishes_and_unpublishes(client, kind, make):
    client.force_login(member_of("Editors", "ed"))
    response = client.post(admin_url(kind, "add"), FORMS[kind]())
    assert response.status_code == 302, errors(response)
    assert MODELS[kind].objects.get().status == Status.PUBLISHED
    draft = make(status=Status.DRAFT)
    changelist = admin_url(kind, "changelist")
    client.post(changelist, {"action": "publish_now", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_published
    client.post(changelist, {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.parametrize(("kind", "make"), KINDS)
def test_the_lists_show_the_state_of_each_announcement(admin_client, kind, make):
    make(slug=f"{kind}-live")
    make(slug=f"{kind}-later", publish_at=timezone.now() + timezone.timedelta(days=1))
    page = admin_client.get(admin_url(kind, "changelist")).content.decode()
    assert "Live" in page and "Scheduled" in page


# -- preview -----------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["Reporters", "Editors"])
@pytest.mark.parametrize(("kind", "make"), KINDS)
def test_reporters_and_editors_preview_a_draft_with_its_photo(client, group, kind, make):
    draft = make(
        status=Status.DRAFT, photo=make_photo(f"{kind}s/preview.jpg"), photo_alt="The photo"
    )
    client.force_login(member_of(group, "member"))
    response = client.get(reverse("preview", args=[kind, draft.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{draft.title}</h1>" in page and "noindex" in page
    photo = reverse("preview_media", args=[f"{kind}s/preview.jpg"])
    assert f'src="{photo}"' in page
    assert client.get(photo).status_code == 200


def test_the_change_form_links_to_the_preview(admin_client):
    birth = make_birth(status=Status.DRAFT)
    page = admin_client.get(admin_url("birth", "change", birth.pk)).content.decode()
    assert reverse("preview", args=["birth", birth.pk]) in page


# -- what the forms refuse -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "overrides", "field", "message"),
    [
        ("birth", {"birth_date": "2999-01-01"}, "birth_date", "cannot be in the future"),
        ("birth", {"weight_pounds": ""}, "weight_pounds", "Give the pounds as well"),
        ("birth", {"weight_ounces": "16"}, "weight_ounces", "less than or equal to 15"),
        ("birth", {"parents": ""}, "parents", "This field is required."),
        ("wedding", {"date": ""}, "date", "Give the wedding day."),
        ("wedding", {"place": " "}, "place", "Give where the wedding was."),
        ("wedding", {"announcement": "divorce"}, "announcement", "not one of the available"),
        ("wedding", {"slug": "../etc"}, "slug", "Enter a valid “slug”"),
    ],
)
def test_bad_input_gets_a_clear_form_error_and_saves_nothing(
    admin_client, kind, overrides, field, message
):
    response = admin_client.post(admin_url(kind, "add"), FORMS[kind](**overrides))
    assert any(message in text for text in errors(response)[field]), errors(response)
    assert not MODELS[kind].objects.exists()


def test_an_engagement_needs_no_date_or_place_yet(admin_client):
    data = wedding_form(announcement="engagement", date="", place="")
    assert admin_client.post(admin_url("wedding", "add"), data).status_code == 302
    assert Wedding.objects.get().description == "Engaged to be married."


@pytest.mark.parametrize("kind", ["birth", "wedding"])
def test_photos_get_the_same_upload_checks_as_the_others(admin_client, kind):
    html = SimpleUploadedFile("baby.jpg", b"<html><script>alert(1)</script></html>")
    response = admin_client.post(admin_url(kind, "add"), FORMS[kind](photo=html, photo_alt="x"))
    assert errors(response)["photo"] == [NOT_A_PHOTO]
    no_alt = SimpleUploadedFile("baby.jpg", image_bytes("JPEG"))
    response = admin_client.post(admin_url(kind, "add"), FORMS[kind](photo=no_alt))
    assert errors(response)["photo_alt"] == ["Describe the photo for readers who cannot see it."]
    assert not MODELS[kind].objects.exists()
    png = SimpleUploadedFile("baby.jpg", image_bytes("PNG"))
    response = admin_client.post(admin_url(kind, "add"), FORMS[kind](photo=png, photo_alt="x"))
    assert response.status_code == 302
    assert MODELS[kind].objects.get().photo.name.endswith(".png")
