"""Revisions: every save keeps one (who, when, what); the admin shows the
history, a diff between any two, and restores one through the publish path."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from reversion.models import Version

from content.models import CrimeReport, Story
from publisher.models import PublishJob, Redirect
from publisher.publish import process_queue
from records.decisions import decide
from records.models import Decision
from records.revisions import restore
from tests.records.conftest import NAME
from tests.support import (
    assert_same_as_full_build,
    crime_form,
    file_for,
    live_root,
    make_birth,
    make_crime,
    make_wedding,
    member_of,
    page_text,
    start_live_site,
)


def versions(item) -> list[Version]:
    return list(Version.objects.get_for_object(item).order_by("pk").select_related("revision"))


def test_every_kind_keeps_a_revision_of_every_save_even_from_a_script(db):
    crime = make_crime(title="Bicycle stolen")
    birth, wedding = make_birth(), make_wedding()
    crime.title = "Two bicycles stolen"
    crime.save()

    kept = versions(crime)
    assert [v.field_dict["title"] for v in kept] == ["Bicycle stolen", "Two bicycles stolen"]
    assert kept[-1].revision.user is None
    assert kept[-1].revision.comment == "Saved by a script."
    assert len(versions(birth)) == len(versions(wedding)) == 1


def test_a_story_revision_keeps_its_byline(desk):
    story = desk["story"]
    story.save()
    latest = versions(story)[-1]
    kept = {v.content_type.model for v in latest.revision.version_set.all()}
    assert kept == {"story", "byline"}


@pytest.fixture
def crime_desk(db, settings):
    crime = make_crime(title="Bicycle stolen on Elm St", slug="bicycle-stolen", body="A blue one.")
    start_live_site()
    editor = member_of("Editors", "eddie")
    return crime, editor


def edit_in_admin(client, crime: CrimeReport, **changes) -> None:
    url = reverse("admin:content_crimereport_change", args=[crime.pk])
    data = crime_form(
        **{
            "title": crime.title,
            "slug": crime.slug,
            "body": crime.body,
            "status": "published",
            "publish_at_0": f"{crime.local_publish_at:%Y-%m-%d}",
            "publish_at_1": f"{crime.local_publish_at:%H:%M:%S}",
            "case_number": crime.case_number,
            "neighborhood": crime.neighborhood,
            **changes,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:3000]


def test_an_admin_save_keeps_a_revision_in_the_editors_name(crime_desk, client):
    crime, editor = crime_desk
    client.force_login(editor)
    edit_in_admin(client, crime, title="Blue bicycle stolen on Elm St")
    latest = versions(crime)[-1]
    assert latest.revision.user == editor
    assert latest.field_dict["title"] == "Blue bicycle stolen on Elm St"
    history = client.get(reverse("admin:content_crimereport_history", args=[crime.pk]))
    assert history.status_code == 200 and "eddie" in page_text(history)


def test_the_history_shows_a_diff_between_any_two_revisions(crime_desk, client):
    crime, editor = crime_desk
    client.force_login(editor)
    edit_in_admin(client, crime, title="Blue bicycle stolen on Elm St", body="A blue one, new.")
    edit_in_admin(client, crime, title="Blue bicycle found on Elm St", body="A blue one, found.")
    first, _, last = versions(crime)
    compare = client.get(
        reverse("admin:content_crimereport_compare", args=[crime.pk]),
        {"version_id1": first.pk, "version_id2": last.pk},
    )
    text = page_text(compare)
    assert compare.status_code == 200
    assert "<del>" in text and "<ins>" in text
    assert "stolen" in text and "found" in text


def test_restoring_a_revision_of_a_live_item_republishes_it_as_a_full_build_would(
    crime_desk, client, settings, tmp_path
):
    crime, editor = crime_desk
    client.force_login(editor)
    old_url = crime.get_absolute_url()
    edit_in_admin(client, crime, title="Bicycle found", slug="bicycle-found")
    process_queue()
    crime.refresh_from_db()
    assert crime.slug == "bicycle-found"
    first = versions(crime)[0]

    # The admin's revert: its form shows the old revision; saving it restores.
    url = reverse("admin:content_crimereport_revision", args=[crime.pk, first.pk])
    assert "Bicycle stolen on Elm St" in page_text(client.get(url))
    crime.refresh_from_db()
    assert crime.title == "Bicycle found"  # looking changed nothing
    old = CrimeReport(**{**first.field_dict, "id": crime.pk})
    edit_in_admin_at(client, url, old)
    crime.refresh_from_db()
    assert (crime.title, crime.slug) == ("Bicycle stolen on Elm St", "bicycle-stolen")

    assert_same_as_full_build(settings, tmp_path)
    page = file_for(live_root(settings), old_url).read_text()
    assert "Bicycle stolen on Elm St" in page
    assert (
        Redirect.objects.get(
            old_path="/crime/"
            + old_url.split("/crime/")[1].replace("bicycle-stolen", "bicycle-found")
        ).new_path
        == old_url
    )
    assert "Reverted" in versions(crime)[-1].revision.comment


def edit_in_admin_at(client, url: str, crime: CrimeReport) -> None:
    data = crime_form(
        title=crime.title,
        slug=crime.slug,
        body=crime.body,
        status=crime.status,
        publish_at_0=f"{crime.local_publish_at:%Y-%m-%d}",
        publish_at_1=f"{crime.local_publish_at:%H:%M:%S}",
        case_number=crime.case_number,
        neighborhood=crime.neighborhood,
    )
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:3000]


def test_restore_from_a_script_republishes_too(crime_desk, settings, tmp_path):
    crime, editor = crime_desk
    crime.title, crime.slug = "Bicycle found", "bicycle-found"
    crime.save()
    process_queue()
    restore(versions(crime)[0], editor)
    crime.refresh_from_db()
    assert crime.slug == "bicycle-stolen"
    assert PublishJob.objects.filter(status="queued").exists()
    assert_same_as_full_build(settings, tmp_path)


def test_a_list_action_keeps_one_revision_per_item(db, client):
    one, two = make_crime(status="draft"), make_crime(status="draft")
    client.force_login(member_of("Editors", "eddie"))
    client.post(
        reverse("admin:content_crimereport_changelist"),
        {"action": "publish_now", "_selected_action": [one.pk, two.pk]},
    )
    for crime in (one, two):
        latest = versions(crime)[-1]
        assert latest.field_dict["status"] == "published"
        assert latest.revision.version_set.count() == 1
        assert latest.revision.user.username == "eddie"


def test_a_revision_from_before_a_takedown_is_never_restored(desk, asked, client, settings):
    story = desk["story"]
    before = versions(story)[-1]
    asked.decision, asked.names, asked.replacement = (
        Decision.ANONYMISE,
        f"Ms. Zyndrowski\n{NAME}\nZyndrowski",
        "a Millbrook teenager",
    )
    decide(asked, desk["editor"])
    process_queue()

    with pytest.raises(ValidationError, match="from before takedown request"):
        restore(before, desk["editor"])
    client.force_login(desk["editor"])
    url = reverse("admin:content_story_revision", args=[story.pk, before.pk])
    response = client.post(url, {"headline": before.field_dict["headline"]}, follow=True)
    assert "from before takedown request" in page_text(response)
    story.refresh_from_db()
    assert NAME not in story.headline
    # The decision's own revision, and later ones, are the editor's to restore.
    assert versions(story)[-1].revision.comment == f"Anonymise: takedown request #{asked.pk}."
    assert Story.objects.get(pk=story.pk).slug == "a-millbrook-teenager-fined-for-graffiti"
