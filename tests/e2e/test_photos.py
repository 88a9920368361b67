"""A reader's browser downloads the rendition its screen needs, never the
camera's original (lighttpd serving a built site, Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from publisher.build import build_site
from tests.support import assert_no_camera_metadata, camera_photo, lighttpd, make_story

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served_camera_story(settings, tmp_path):
    story = make_story(headline="Lantern walk", photo_alt="Lanterns on Main Street")
    photo = camera_photo((4000, 3000), orientation=1)  # 12 MP, landscape, EXIF and GPS
    story.photo.save("lanterns.jpg", ContentFile(photo), save=True)
    build_site(jobs=1)
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var") as (url, _):
        yield story, url


@pytest.mark.parametrize(
    "viewport,dpr,wanted",
    [
        # 358 CSS px of column at 3 device pixels each: 1,074 pixels, the 1280 covers them.
        ({"width": 390, "height": 844}, 3, {"story": 1280, "front": 1280}),
        # The 40rem story column (640 px); the front page's lead is 46rem (736 px).
        ({"width": 1280, "height": 800}, 1, {"story": 640, "front": 960}),
    ],
)
def test_a_reader_downloads_the_width_their_screen_needs_never_the_original(
    browser, served_camera_story, viewport, dpr, wanted
):
    story, url = served_camera_story
    context = browser.new_context(viewport=viewport, device_scale_factor=dpr)
    try:
        for name, path in (("story", story.get_absolute_url()), ("front", "/")):
            page = context.new_page()
            images: list[tuple[str, bytes]] = []
            page.on(
                "response",
                lambda r, images=images: (
                    images.append((r.url, r.body())) if r.request.resource_type == "image" else None
                ),
            )
            page.goto(url + path, wait_until="load")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_timeout(300)
            photos = [(u, body) for u, body in images if "/media/" in u]
            assert photos, path
            assert not [u for u, _ in photos if "/media/photos/" in u], "the original was sent"
            # Chromium picks WebP, at the width the layout and density ask for.
            ((src, body),) = photos
            assert src.endswith(f"-{wanted[name]}.webp"), (path, src)
            assert_no_camera_metadata(body)
            assert len(body) < (250 if dpr == 3 else 450) * 1024
            page.close()
    finally:
        context.close()
    with Image.open(Path(story.photo.path)) as original:
        assert original.size == (4000, 3000)
