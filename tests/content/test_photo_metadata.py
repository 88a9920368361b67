"""A stored photo has no camera metadata: EXIF (Artist, GPS, serial number),
XMP, IPTC and comments are gone, the EXIF orientation applied to the pixels
first, whether an editor uploaded it or a reader submitted it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content.models import Birth, Story
from desk.models import Submission
from desk.moderation import make_draft
from tests.support import (
    admin_url,
    assert_no_camera_metadata,
    camera_photo,
    image_bytes,
    make_author,
    member_of,
    story_form,
    submit_form,
    upload,
)

pytestmark = pytest.mark.django_db


def upload_story_photo(admin_client, name: str, data: bytes):
    form = story_form(
        [make_author()], photo=SimpleUploadedFile(name, data), photo_alt="The council chamber"
    )
    return admin_client.post(admin_url("story", "add"), form)


def stored(settings, name: str) -> bytes:
    return (Path(settings.MEDIA_ROOT) / name).read_bytes()


def test_a_camera_photo_is_stored_without_gps_or_artist_and_turned_upright(admin_client, settings):
    original = camera_photo()  # 4000 x 3000 as the sensor saw it, orientation 6
    assert b"Ada Lindqvist" in original
    response = upload_story_photo(admin_client, "porch.jpg", original)
    assert response.status_code == 302
    story = Story.objects.get()
    data = stored(settings, story.photo.name)
    assert_no_camera_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        # Orientation 6: turned a quarter clockwise, so a portrait photo.
        assert image.size == (3000, 4000)
        assert image.info.get("icc_profile"), "the colour profile is how the colours are meant"
    assert (story.photo_width, story.photo_height) == (3000, 4000)
    assert len(story.photo_digest) == 32


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("WEBP", ".webp")])
def test_png_and_webp_lose_their_exif_and_xmp_too(admin_client, settings, fmt, ext):
    original = camera_photo((64, 48), fmt=fmt, orientation=8)
    assert b"Ada Lindqvist" in original
    assert upload_story_photo(admin_client, f"porch{ext}", original).status_code == 302
    data = stored(settings, Story.objects.get().photo.name)
    assert_no_camera_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (48, 64)


def test_a_photo_with_nothing_to_strip_keeps_its_bytes(admin_client, settings):
    clean = image_bytes("JPEG", (40, 30))
    assert upload_story_photo(admin_client, "clean.jpg", clean).status_code == 302
    assert stored(settings, Story.objects.get().photo.name) == clean


def test_a_truncated_photo_is_refused_with_a_clear_message(admin_client):
    cut = camera_photo((800, 600))[:20_000]
    response = upload_story_photo(admin_client, "cut.jpg", cut)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["photo"]
    assert "could not be read to the end" in errors[0]
    assert not Story.objects.exists()


def test_an_animation_counts_every_frame_against_the_pixel_cap(admin_client, settings):
    settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS = 1
    frames = [Image.new("P", (800, 600), i) for i in range(5)]  # 0.48 MP a frame, 2.4 in all
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    response = upload_story_photo(admin_client, "loop.gif", out.getvalue())
    errors = response.context["adminform"].form.errors["photo"]
    assert errors == [
        "This animation has 5 frames of 800 × 600 pixels (2 megapixels in all); a photo can "
        "have at most 1 megapixels, every frame counted. Upload a still photo, or a shorter "
        "or smaller animation."
    ]
    # One frame of the same size is within the cap.
    assert (
        upload_story_photo(admin_client, "still.gif", image_bytes("GIF", (800, 600))).status_code
        == 302
    )


def test_an_animation_within_the_cap_keeps_its_frames_and_loses_its_comment(admin_client, settings):
    frames = [Image.new("RGB", (40, 30), (i * 80, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=80,
        comment=b"shot from our porch",
    )
    assert upload_story_photo(admin_client, "loop.gif", out.getvalue()).status_code == 302
    data = stored(settings, Story.objects.get().photo.name)
    assert b"porch" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 3


def test_a_readers_photo_is_stored_without_metadata_and_so_is_its_draft(client, settings):
    photo = upload("baby.jpg", camera_photo((1200, 900)))
    form = submit_form("birth", photo=photo, photo_alt="A baby asleep")
    assert client.post("/submit/birth/", form).status_code == 302
    submission = Submission.objects.get()
    kept = Path(settings.PUBLISHER_SUBMISSIONS_ROOT) / submission.photo.name
    assert_no_camera_metadata(kept.read_bytes())
    # A photo stored before stripping existed: "Make a draft" strips it.
    kept.write_bytes(camera_photo((1200, 900)))
    birth = make_draft(submission, member_of("Editors", "eddie"))
    assert isinstance(birth, Birth)
    data = stored(settings, birth.photo.name)
    assert_no_camera_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (900, 1200)
    assert (birth.photo_width, birth.photo_height) == (900, 1200)
    assert birth.photo_digest


def test_an_upright_jpeg_keeps_its_pixels_and_loses_what_follows_its_end(admin_client, settings):
    # A phone's JPEG: EXIF, XMP, a comment, and a second picture after the end (MPF).
    original = camera_photo((800, 600), orientation=1) + b"\xff\xd8 second picture \xff\xd9"
    assert upload_story_photo(admin_client, "upright.jpg", original).status_code == 302
    data = stored(settings, Story.objects.get().photo.name)
    assert_no_camera_metadata(data)
    assert data.endswith(b"\xff\xd9") and b"second picture" not in data
    with Image.open(io.BytesIO(data)) as kept, Image.open(io.BytesIO(original)) as before:
        assert kept.tobytes() == before.tobytes()  # not compressed again
