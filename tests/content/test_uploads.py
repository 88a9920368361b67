"""Photo uploads: what the admin accepts, and how editors see photos that are
not on the live site (drafts', embargoed items')."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from content.models import Obituary, Status, Story
from content.uploads import NOT_A_PHOTO
from tests.support import (
    admin_url,
    image_bytes,
    make_author,
    make_photo,
    make_story,
    obituary_form,
    story_form,
)

pytestmark = pytest.mark.django_db


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (its pixels never come)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def upload_story_photo(admin_client, name: str, data: bytes):
    form = story_form(
        [make_author()],
        photo=SimpleUploadedFile(name, data),
        photo_alt="The council chamber",
    )
    return admin_client.post(admin_url("story", "add"), form)


def photo_errors(response) -> list[str]:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors.get("photo", [])


# -- what the admin accepts -------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt,ext", [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp"), ("GIF", ".gif")]
)
def test_each_of_the_four_photo_formats_is_accepted(admin_client, settings, fmt, ext):
    response = upload_story_photo(admin_client, f"council{ext}", image_bytes(fmt))
    assert response.status_code == 302
    story = Story.objects.get()
    assert story.photo.name.endswith(ext)
    assert (Path(settings.MEDIA_ROOT) / story.photo.name).read_bytes() == image_bytes(fmt)


def test_a_photo_with_the_wrong_extension_is_stored_under_its_formats_own(admin_client):
    response = upload_story_photo(admin_client, "council.jpg", image_bytes("PNG"))
    assert response.status_code == 302
    assert Story.objects.get().photo.name.endswith("/council.png")  # served as image/png


@pytest.mark.parametrize(
    "name,data",
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),  # a page named like a photo
        ("photo.bmp", image_bytes("BMP")),  # an image, but not a web photo format
        ("photo.tiff", image_bytes("TIFF")),
        ("photo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("photo.png", image_bytes("PNG")[:30]),  # cut short
    ],
)
def test_anything_but_a_jpeg_png_webp_or_gif_is_refused_by_its_content(admin_client, name, data):
    response = upload_story_photo(admin_client, name, data)
    assert photo_errors(response) == [NOT_A_PHOTO]
    assert not Story.objects.exists()


def test_a_small_png_of_144_megapixels_is_refused_before_its_pixels_are_read(admin_client):
    data = png_header_only(12_000, 12_000)
    assert len(data) < 100
    response = upload_story_photo(admin_client, "huge.png", data)
    assert photo_errors(response) == [
        "This image is 12,000 × 12,000 pixels (144 megapixels); a photo can have at "
        "most 50 megapixels. Resize it and upload it again."
    ]
    assert not Story.objects.exists()


def test_a_decompression_bomb_is_refused_with_the_same_clear_message(admin_client, settings):
    # Above Pillow's own limit, Image.open raises instead of returning a size.
    settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS = 1000
    response = upload_story_photo(admin_client, "bomb.png", png_header_only(30_000, 30_000))
    assert photo_errors(response) == [
        "This image is far too large; a photo can have at most 1000 megapixels. "
        "Resize it and upload it again."
    ]


def test_a_photo_over_the_size_limit_is_refused(admin_client, settings):
    settings.PUBLISHER_MAX_UPLOAD_MB = 1
    data = image_bytes("PNG") + b"\0" * (1024 * 1024)  # a valid PNG, padded past 1 MB
    response = upload_story_photo(admin_client, "big.png", data)
    assert photo_errors(response) == [
        "This file is 1.0 MB; a photo can be at most 1 MB. "
        "Export it smaller (a web photo needs no more than a few MB)."
    ]


def test_the_pixel_limit_is_exact(admin_client, settings):
    settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS = 1
    at_limit = upload_story_photo(admin_client, "a.png", image_bytes("PNG", (1000, 1000), "1"))
    assert at_limit.status_code == 302
    over = upload_story_photo(admin_client, "b.png", png_header_only(1000, 1001))
    assert photo_errors(over)[0].startswith("This image is 1,000 × 1,001 pixels")


def test_obituary_portraits_are_checked_too(admin_client):
    form = obituary_form(photo=SimpleUploadedFile("p.jpg", b"GIF89a not really"), photo_alt="x")
    response = admin_client.post(admin_url("obituary", "add"), form)
    assert response.context["adminform"].form.errors["photo"] == [NOT_A_PHOTO]
    assert not Obituary.objects.exists()


# -- editors see photos that readers do not ----------------------------------------------


@pytest.fixture
def draft_with_photo():
    name = make_photo("photos/draft-photo.jpg")
    return make_story(status=Status.DRAFT, photo=name, photo_alt="A draft's photo")


def test_the_preview_shows_a_drafts_photo_from_the_editors_copy(admin_client, draft_with_photo):
    html = admin_client.get(f"/preview/story/{draft_with_photo.pk}/").content.decode()
    assert 'src="/preview/media/photos/draft-photo.jpg"' in html
    assert '<img src="/media/' not in html  # not on the live site: would not load


def test_the_change_form_links_the_photo_to_the_editors_copy(admin_client, draft_with_photo):
    html = admin_client.get(admin_url("story", "change", draft_with_photo.pk)).content.decode()
    assert 'href="/preview/media/photos/draft-photo.jpg"' in html


def test_an_editor_gets_the_photo_with_nosniff(admin_client, settings, draft_with_photo):
    response = admin_client.get("/preview/media/photos/draft-photo.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == (Path(settings.MEDIA_ROOT) / "photos/draft-photo.jpg").read_bytes()


def test_a_reader_is_sent_to_the_login_page(client, draft_with_photo):
    response = client.get("/preview/media/photos/draft-photo.jpg")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def staff(*codenames: str) -> User:
    user = User.objects.create_user("staffer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_without_a_permission_on_stories_get_nothing(client, draft_with_photo):
    client.force_login(staff("view_obituary"))
    assert client.get("/preview/media/photos/draft-photo.jpg").status_code == 404


@pytest.mark.parametrize("codename", ["view_story", "change_story"])
def test_staff_who_may_view_or_change_stories_get_the_photo(client, draft_with_photo, codename):
    client.force_login(staff(codename))
    assert client.get("/preview/media/photos/draft-photo.jpg").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "photos/nobody-uses-this.jpg",  # a file no item refers to
        "../secret_key",
        "photos/../../var/secret_key",
        "%2e%2e/secret_key",
    ],
)
def test_no_other_file_is_served(admin_client, settings, draft_with_photo, path):
    make_photo("photos/nobody-uses-this.jpg")
    assert admin_client.get(f"/preview/media/{path}").status_code == 404
