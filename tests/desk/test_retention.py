"""Submitted photos: a cap on what may wait on disk, and a retention period
for those an editor has decided."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from desk.forms import PHOTOS_FULL_MESSAGE
from desk.models import Submission
from tests.support import SUBMIT_FIELDS, image_bytes, submit_form, upload

pytestmark = pytest.mark.django_db


def test_a_photo_past_the_total_cap_is_refused_and_the_text_kept(client, settings):
    settings.PUBLISHER_SUBMISSIONS_MAX_MB = 1
    root = Path(settings.PUBLISHER_SUBMISSIONS_ROOT)
    (root / "2026" / "11").mkdir(parents=True)
    (root / "2026" / "11" / "AAAA-BBBB.jpg").write_bytes(b"\0" * (1024 * 1024 - 10))
    photo = upload("baby.png", image_bytes("PNG", (64, 48)), "image/png")
    form = submit_form("birth", photo=photo, photo_alt="A baby asleep")
    response = client.post("/submit/birth/", form)
    assert response.status_code == 400
    text = response.content.decode()
    assert PHOTOS_FULL_MESSAGE.split(":")[0] in text and 'id="id_photo_error"' in text
    assert "Nora joins big brother Theo." in text  # nothing typed is lost
    assert Submission.objects.count() == 0
    # Without the photo it goes through.
    form = submit_form("birth")
    assert client.post("/submit/birth/", form).status_code == 302


def decided(status: str, days_ago: int, name: str) -> Submission:
    submission = Submission.objects.create(
        kind="birth", fields=SUBMIT_FIELDS["birth"], status=status
    )
    submission.photo.save(name, ContentFile(image_bytes("PNG", (32, 24))), save=True)
    when = timezone.now() - timedelta(days=days_ago)
    Submission.objects.filter(pk=submission.pk).update(
        decided_at=None if status == Submission.Status.PENDING else when, received_at=when
    )
    return submission


def test_decided_submissions_lose_their_photos_after_the_retention_period(settings):
    settings.PUBLISHER_SUBMISSIONS_KEEP_DAYS = 30
    old = [
        decided(Submission.Status.DECLINED, 31, "declined.png"),
        decided(Submission.Status.HANDLED, 40, "handled.png"),
        decided(Submission.Status.DRAFTED, 90, "drafted.png"),
    ]
    kept = [
        decided(Submission.Status.DECLINED, 29, "recent.png"),
        decided(Submission.Status.PENDING, 400, "waiting.png"),  # an editor has not seen it
    ]
    root = Path(settings.PUBLISHER_SUBMISSIONS_ROOT)
    files = {s.pk: root / s.photo.name for s in old + kept}
    assert all(path.is_file() for path in files.values())

    out = StringIO()
    call_command("prune_submissions", "--dry-run", stdout=out)
    assert "prune_submissions: would delete 3 photos" in out.getvalue()
    assert all(path.is_file() for path in files.values())

    out = StringIO()
    call_command("prune_submissions", stdout=out)
    assert out.getvalue().startswith("prune_submissions: deleted 3 photos (")
    for submission in old:
        submission.refresh_from_db()
        assert not submission.photo and not files[submission.pk].exists()
    for submission in kept:
        submission.refresh_from_db()
        assert submission.photo and files[submission.pk].is_file()
    # The rows stay (the decision is part of the record); only the photos go.
    assert Submission.objects.count() == 5

    out = StringIO()
    call_command("prune_submissions", stdout=out)
    assert out.getvalue().startswith("prune_submissions: deleted 0 photos")


def test_a_photo_already_gone_from_disk_is_forgotten_too(settings):
    settings.PUBLISHER_SUBMISSIONS_KEEP_DAYS = 30
    submission = decided(Submission.Status.DECLINED, 31, "gone.png")
    (Path(settings.PUBLISHER_SUBMISSIONS_ROOT) / submission.photo.name).unlink()
    call_command("prune_submissions", stdout=StringIO())
    submission.refresh_from_db()
    assert not submission.photo
