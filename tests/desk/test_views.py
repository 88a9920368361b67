"""The readers' forms at /submit/: what a reader sends waits, unpublished, for an editor."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from desk.forms import HONEYPOT_MESSAGE, ONE_LINE_MESSAGE
from desk.models import Submission
from desk.notify import tell_newsroom
from desk.views import RATE_LIMITED
from tests.support import (
    build,
    image_bytes,
    make_birth,
    snapshot,
    submit_form,
    upload,
)

pytestmark = pytest.mark.django_db
KINDS = ["obituary", "birth", "wedding", "tip", "letter"]


def post(client: Client, kind: str, data: dict, **extra):
    return client.post(f"/submit/{kind}/", data, **extra)


def files_under(root: Path) -> list[str]:
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def test_the_index_lists_every_form(client):
    response = client.get("/submit/")
    assert response.status_code == 200
    text = response.content.decode()
    for kind in KINDS:
        assert f'href="/submit/{kind}/"' in text
    assert "Nothing you send is published until an editor has checked it" in text
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_form_makes_one_waiting_submission_and_tells_the_newsroom(
    kind, client, django_capture_on_commit_callbacks
):
    page = client.get(f"/submit/{kind}/")
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, kind, submit_form(kind))
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/submit/sent/{submission.reference}/"
    assert (submission.kind, submission.status) == (kind, Submission.Status.PENDING)
    assert (submission.name, submission.email) == ("Anna Quist", "anna@example.com")
    assert submission.fields["body"] == submit_form(kind)["body"]
    (notice,) = mail.outbox
    assert notice.to == ["desk@ledger.example"]
    assert submission.reference in notice.subject
    assert f"/admin/desk/submission/{submission.pk}/change/" in notice.body

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert submission.reference in confirmation.content.decode()
    # The confirmation names the kind and the number, never what was sent.
    assert submit_form(kind)["body"] not in confirmation.content.decode()


def test_a_reference_is_short_unguessable_and_read_out_easily():
    references = {Submission.objects.create(kind="tip").reference for _ in range(50)}
    assert len(references) == 50
    for reference in references:
        assert len(reference) == 9 and reference[4] == "-"
        assert not set(reference) & set("01ILOU")


def test_a_birth_with_a_photo_puts_nothing_on_the_site(client, settings):
    make_birth(baby_name="Already Live")
    site = build(settings)
    before = snapshot(site.resolve())
    photo = upload("baby.jpg", image_bytes("JPEG", (40, 30)))
    response = post(client, "birth", submit_form("birth", photo=photo, photo_alt="A baby asleep"))
    assert response.status_code == 302
    submission = Submission.objects.get()
    stored = Path(settings.PUBLISHER_SUBMISSIONS_ROOT) / submission.photo.name
    assert stored.is_file() and stored.name == f"{submission.reference}.jpg"
    assert stored.stat().st_mode & 0o077 == 0  # private to the server's user
    # Not in the media folder (where only live items' photos leave from), not
    # in the live release, no page changed.
    assert files_under(Path(settings.MEDIA_ROOT)) == []
    assert snapshot(site.resolve()) == before
    assert "Nora Quist" not in "".join(p.read_text() for p in site.resolve().rglob("*.html"))


def refused(response, message: str) -> None:
    assert response.status_code in (400, 429), response.status_code
    text = response.content.decode()
    assert message in text, text
    assert Submission.objects.count() == 0


def test_missing_fields_are_named_and_nothing_is_kept(client):
    response = post(client, "birth", submit_form("birth", baby_name="", birth_date=""))
    refused(response, "This field is required.")
    assert "Your submission was not sent" in response.content.decode()
    # What the reader typed is still in the form.
    assert "Anna and Mark Quist" in response.content.decode()


def test_a_file_with_an_image_name_but_other_content_is_refused(client):
    page = upload("baby.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    refused(
        post(client, "birth", submit_form("birth", photo=page, photo_alt="x")),
        "This file is not a JPEG, PNG, WebP or GIF image",
    )


def test_a_non_image_upload_is_refused(client):
    refused(
        post(
            client,
            "wedding",
            submit_form(
                "wedding",
                photo=upload("notes.pdf", b"%PDF-1.4 ...", "application/pdf"),
                photo_alt="x",
            ),
        ),
        "This file is not a JPEG, PNG, WebP or GIF image",
    )


def test_an_oversized_upload_is_refused_with_its_size(client, settings):
    settings.PUBLISHER_MAX_UPLOAD_MB = 1
    big = upload("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10))
    refused(
        post(client, "birth", submit_form("birth", photo=big, photo_alt="x")),
        "a photo can be at most 1 MB",
    )


def test_an_image_of_too_many_pixels_is_refused(client, settings):
    settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS = 1
    wide = upload("wide.png", image_bytes("PNG", (1100, 1000)), "image/png")
    refused(
        post(client, "birth", submit_form("birth", photo=wide, photo_alt="x")),
        "a photo can have at most 1 megapixels",
    )


def test_a_photo_needs_a_description(client):
    photo = upload("baby.png", image_bytes("PNG"), "image/png")
    refused(
        post(client, "birth", submit_form("birth", photo=photo, photo_alt="")),
        "Describe the photo for readers who cannot see it.",
    )


def test_the_honeypot_filled_in_is_refused(client):
    refused(
        post(client, "letter", submit_form("letter", website="http://spam.example")),
        HONEYPOT_MESSAGE,
    )
    # Sent again by a person, the hidden box goes back empty.
    response = post(client, "letter", submit_form("letter", website="http://spam.example"))
    assert "spam.example" not in response.content.decode()


def test_over_long_text_is_refused_with_its_length(client):
    refused(
        post(client, "letter", submit_form("letter", body="word " * 700)),
        "Ensure this value has at most 3000 characters (it has 3499).",
    )
    refused(
        post(client, "tip", submit_form("tip", name="N" * 121)),
        "Ensure this value has at most 120 characters (it has 121).",
    )


def test_the_items_own_rules_apply(client):
    refused(
        post(client, "birth", submit_form("birth", birth_date="2999-01-01")),
        "The date of birth cannot be in the future.",
    )
    refused(
        post(client, "birth", submit_form("birth", weight_pounds="")),
        "Give the pounds as well as the ounces",
    )
    refused(
        post(client, "wedding", submit_form("wedding", date="", place="")),
        "Give the wedding day.",
    )


def test_a_letter_needs_a_way_to_reach_its_writer_and_a_tip_does_not(client):
    refused(
        post(client, "letter", submit_form("letter", email="", phone="")),
        "Give an email address or a phone number",
    )
    assert post(client, "tip", submit_form("tip", name="", email="", phone="")).status_code == 302


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = post(client, "tip", submit_form("tip"))
    assert response.status_code == 403
    assert Submission.objects.count() == 0


def test_an_unknown_form_is_not_found(client):
    assert client.get("/submit/horoscope/").status_code == 404


def test_one_address_may_send_only_so_many(client, settings):
    settings.PUBLISHER_SUBMIT_RATE = "2/h"
    reader = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}  # as lighttpd passes it on
    for _ in range(2):
        assert post(client, "tip", submit_form("tip"), **reader).status_code == 302
    response = post(client, "tip", submit_form("tip", body="A third tip."), **reader)
    assert response.status_code == 429
    assert RATE_LIMITED.split(",")[0] in response.content.decode()
    assert "A third tip." in response.content.decode()  # nothing typed is lost
    assert Submission.objects.count() == 2
    # A reader cannot dodge the count by claiming another address first in line.
    spoofed = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7"}
    assert post(client, "tip", submit_form("tip"), **spoofed).status_code == 429
    # Another reader is not held back.
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert post(client, "tip", submit_form("tip"), **other).status_code == 302
    assert Submission.objects.count() == 3


def test_a_line_break_in_a_name_from_a_script_cannot_stop_the_newsroom_being_told():
    # The forms refuse it; a submission made another way still mails on one line.
    submission = Submission.objects.create(kind="tip", name="Anna\r\nBcc: everyone@example.com")
    tell_newsroom(submission)
    (notice,) = mail.outbox
    assert notice.to == ["desk@ledger.example"] and notice.bcc == []
    assert "\n" not in notice.subject and notice.subject.endswith(
        "from Anna Bcc: everyone@example.com"
    )


def test_with_the_database_failing_the_reader_is_told_and_keeps_what_they_typed(
    client, monkeypatch
):
    from django.db import OperationalError

    def fail(*args, **kwargs):  # a fault we cannot provoke inside a test's transaction
        raise OperationalError("database is locked")

    monkeypatch.setattr(Submission, "save", fail)
    response = post(client, "letter", submit_form("letter"))
    assert response.status_code == 503
    text = response.content.decode()
    assert "We could not save your submission just now" in text
    assert "Keep the library open on Sundays" in text


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "Anna Quist\nEmail: boss@ledger.example"),
        ("name", "Anna\rQuist"),
        ("name", "Anna\u2028Quist"),
        ("phone", "555-0100\x0bFrom: editor"),
        ("parents", "Anna and\u0085Mark Berg"),
        ("hometown", "Mill\u202ekoorb"),
    ],
)
def test_a_control_character_in_a_one_line_field_is_refused_and_the_rest_kept(client, field, value):
    data = submit_form("birth", **{field: value})
    response = post(client, "birth", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert ONE_LINE_MESSAGE in text
    assert f'id="id_{field}_error"' in text  # on the field itself
    # Nothing is lost: the rest of the form comes back as typed.
    assert 'value="Nora Quist"' in text and "Nora joins big brother Theo." in text
    assert Submission.objects.count() == 0


def test_a_line_break_in_a_long_text_is_kept(client):
    body = "First line.\r\nSecond line.\n\nA paragraph."
    assert post(client, "tip", submit_form("tip", body=body)).status_code == 302
    assert Submission.objects.get().fields["body"] == body


def test_the_newsroom_mail_gives_its_own_lines_before_anything_the_reader_wrote(
    client, django_capture_on_commit_callbacks
):
    forged = "Anna.\n\nReview it in the admin: https://evil.example/\nEmail: boss@ledger.example"
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "tip", submit_form("tip", body=forged))
    submission = Submission.objects.get()
    (notice,) = mail.outbox
    own, _, readers = notice.body.partition("What the reader sent")
    assert "Review it in the admin: http://" in own and "/admin/desk/submission/" in own
    assert f"reference {submission.reference}" in own
    assert "evil.example" not in own and "Anna Quist" not in own
    assert "evil.example" in readers and "Anna Quist" in readers
