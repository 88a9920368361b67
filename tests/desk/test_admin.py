"""The submissions queue in the admin: who sees it, who decides, and what a decision makes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from content.models import Birth, Obituary, Status, Wedding
from desk.models import Submission
from tests.support import image_bytes, member_of, page_text, submit_form, upload

pytestmark = pytest.mark.django_db


def url(view: str, submission: Submission | None = None) -> str:
    return reverse(f"admin:desk_submission_{view}", args=[submission.pk] if submission else [])


def sent(client, kind: str, **overrides) -> Submission:
    """A submission as a reader sends it, through the form."""
    before = set(Submission.objects.values_list("pk", flat=True))
    response = client.post(f"/submit/{kind}/", submit_form(kind, **overrides))
    assert response.status_code == 302, page_text(response)
    return Submission.objects.exclude(pk__in=before).get()


@pytest.fixture
def editor(client):
    user = member_of("Editors", "edna")
    client.force_login(user)
    return user


def test_the_queue_shows_kind_submitter_received_and_status(client, editor):
    tip = sent(client, "tip")
    birth = sent(client, "birth", name="Anna Quist")
    Submission.objects.filter(pk=tip.pk).update(status=Submission.Status.HANDLED)
    response = client.get(url("changelist"))
    text = page_text(response)
    assert response.status_code == 200
    for heading in ("Kind", "Submitter", "Received", "Status"):
        assert heading in text
    assert birth.reference in text and "Anna Quist" in text and "Waiting" in text
    waiting = page_text(client.get(url("changelist") + "?status__exact=pending"))
    assert birth.reference in waiting and tip.reference not in waiting
    births = page_text(client.get(url("changelist") + "?kind__exact=tip"))
    assert tip.reference in births and birth.reference not in births


def test_an_editor_makes_a_draft_birth_with_its_fields_and_photo(client, editor, settings):
    photo = upload("baby.png", image_bytes("PNG", (64, 48)), "image/png")
    submission = sent(client, "birth", photo=photo, photo_alt="A baby in a knitted cap")
    page = page_text(client.get(url("change", submission)))
    assert 'form="desk-draft"' in page and "Nora Quist" in page

    response = client.post(url("draft", submission))
    birth = Birth.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:content_birth_change", args=[birth.pk])
    assert birth.status == Status.DRAFT
    assert (birth.baby_name, birth.parents, birth.hometown) == (
        "Nora Quist",
        "Anna and Mark Quist",
        "Millbrook",
    )
    assert str(birth.birth_date) == "2024-04-02"
    assert (birth.weight_pounds, birth.weight_ounces) == (8, 12)
    assert birth.body == "Nora joins big brother Theo." and "<p>" in birth.body_html
    assert birth.slug == "nora-quist"
    # The photo went the way an admin upload goes: into the item's folder, measured.
    assert birth.photo.name.startswith("births/") and birth.photo.name.endswith(".png")
    assert (Path(settings.MEDIA_ROOT) / birth.photo.name).read_bytes() == image_bytes(
        "PNG", (64, 48)
    )
    assert (birth.photo_width, birth.photo_height) == (64, 48)
    assert birth.photo_alt == "A baby in a knitted cap"
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFTED
    assert (submission.item_kind, submission.item_id) == ("birth", birth.pk)
    assert submission.decided_by == editor
    # The submission links to the draft.
    assert reverse("admin:content_birth_change", args=[birth.pk]) in page_text(
        client.get(url("change", submission))
    )
    # Once decided, no second draft.
    client.post(url("draft", submission))
    assert Birth.objects.count() == 1


def test_obituaries_and_weddings_become_drafts_of_their_kind(client, editor):
    obituary = sent(client, "obituary")
    wedding = sent(client, "wedding", announcement="engagement", date="", place="")
    client.post(url("draft", obituary))
    client.post(url("draft", wedding))
    obit = Obituary.objects.get()
    assert (obit.full_name, obit.status, obit.age) == ("Walter Brandt", Status.DRAFT, 93)
    assert obit.service_place == "St. Mark's Lutheran Church" and obit.service_time is not None
    couple = Wedding.objects.get()
    assert (couple.partner_one, couple.partner_two, couple.announcement) == (
        "Jo Lind",
        "Sam Ekberg",
        "engagement",
    )
    assert couple.date is None and couple.status == Status.DRAFT


def test_a_second_submission_with_the_same_name_gets_its_own_address(client, editor):
    for _ in range(2):
        client.post(url("draft", sent(client, "birth")))
    assert sorted(Birth.objects.values_list("slug", flat=True)) == ["nora-quist", "nora-quist-2"]


def test_a_tip_is_marked_handled_not_made_into_an_item(client, editor):
    tip = sent(client, "tip")
    page = page_text(client.get(url("change", tip)))
    assert 'form="desk-handled"' in page and 'form="desk-draft"' not in page
    client.post(url("draft", tip))
    tip.refresh_from_db()
    assert tip.status == Submission.Status.PENDING
    client.post(url("handled", tip))
    tip.refresh_from_db()
    assert tip.status == Submission.Status.HANDLED and tip.decided_by == editor


def test_a_decline_records_its_reason_and_may_tell_the_sender(client, editor):
    letter = sent(client, "letter")
    mail.outbox.clear()
    empty = client.post(url("decline", letter), {"reason": "  "})
    assert "This field is required." in page_text(empty)
    letter.refresh_from_db()
    assert letter.status == Submission.Status.PENDING
    reason = "We print letters of at most 250 words; please send a shorter one."
    response = client.post(url("decline", letter), {"reason": reason, "tell_sender": "on"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.decline_reason, letter.decided_by) == (
        Submission.Status.DECLINED,
        reason,
        editor,
    )
    (told,) = mail.outbox
    assert told.to == ["anna@example.com"] and reason in told.body
    assert letter.reference in told.subject
    # Decided: it cannot be declined again, or drafted.
    client.post(url("decline", letter), {"reason": "again"})
    letter.refresh_from_db()
    assert letter.decline_reason == reason


def test_reporters_read_the_queue_but_only_editors_decide(client):
    submission = sent(client, "birth")
    reporter = member_of("Reporters", "rex")
    client.force_login(reporter)
    assert client.get(url("changelist")).status_code == 200
    page = page_text(client.get(url("change", submission)))
    assert "Nora Quist" in page
    assert 'form="desk-draft"' not in page and "Decline…" not in page
    assert client.post(url("draft", submission)).status_code == 403
    assert client.post(url("handled", submission)).status_code == 403
    assert client.post(url("decline", submission), {"reason": "no"}).status_code == 403
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING and Birth.objects.count() == 0

    stranger = User.objects.create_user("sam", password="pw-for-tests-only", is_staff=True)
    client.force_login(stranger)
    assert client.get(url("changelist")).status_code == 403
    assert client.post(url("draft", submission)).status_code == 403


def test_no_one_edits_what_a_reader_sent(client, editor):
    submission = sent(client, "tip")
    client.post(url("change", submission), {"name": "Someone else", "status": "handled"})
    submission.refresh_from_db()
    assert (submission.name, submission.status) == ("Anna Quist", Submission.Status.PENDING)
    assert client.get(url("add")).status_code == 403


def test_the_submitted_photo_is_shown_only_behind_login(client, editor):
    photo = upload("baby.jpg", image_bytes("JPEG", (20, 10)))
    submission = sent(client, "birth", photo=photo, photo_alt="A baby")
    response = client.get(url("photo", submission))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    response = client.get(url("photo", submission))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_deleting_a_submission_deletes_its_photo(
    client, editor, settings, django_capture_on_commit_callbacks
):
    photo = upload("baby.jpg", image_bytes("JPEG", (20, 10)))
    submission = sent(client, "birth", photo=photo, photo_alt="A baby")
    stored = Path(settings.PUBLISHER_SUBMISSIONS_ROOT) / submission.photo.name
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("delete", submission), {"post": "yes"})
    assert response.status_code == 302
    assert not Submission.objects.exists() and not stored.exists()
