"""Photo renditions: the sizes readers download, made once, without metadata,
public only while a live item uses them."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from PIL import Image

from content.models import Story
from publisher import renditions
from publisher.build import build_site
from publisher.models import PublishJob
from publisher.publish import process_queue
from tests.support import (
    assert_no_camera_metadata,
    camera_photo,
    file_for,
    live_root,
    make_photo,
    make_story,
    rendition_files,
    start_live_site,
)

pytestmark = pytest.mark.django_db

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str, name: str) -> list[dict[str, str | None]]:
    parser = Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def srcset_urls(srcset: str) -> list[tuple[str, int]]:
    out = []
    for part in srcset.split(","):
        url, width = part.split()
        out.append((url, int(width.removesuffix("w"))))
    return out


def camera_story(headline: str = "Porch light parade", size=(2400, 1800)) -> Story:
    """A live story whose photo a phone took sideways (orientation 6), with
    its GPS position and the photographer's name, saved as the admin saves."""
    story = make_story(headline=headline, photo_alt="Lanterns on Elm Street")
    story.photo.save("porch.jpg", ContentFile(camera_photo(size)), save=True)
    return story


def page_of(settings, item) -> str:
    return file_for(live_root(settings), item.get_absolute_url()).read_text()


def test_a_story_page_offers_its_photo_in_widths_that_exist_as_files(settings):
    story = camera_story()
    assert (story.photo_width, story.photo_height) == (1800, 2400)  # turned upright
    build_site(jobs=1)
    html = page_of(settings, story)
    site = live_root(settings)
    sources = tags_of(html, "source")
    assert [s["type"] for s in sources] == ["image/webp"]
    (img,) = [i for i in tags_of(html, "img") if i.get("alt") == "Lanterns on Elm Street"]
    # The page's largest element: fetched first, never lazy; its size kept.
    assert img["fetchpriority"] == "high" and "loading" not in img
    assert (img["width"], img["height"]) == ("1800", "2400")
    assert img["sizes"] and sources[0]["sizes"] == img["sizes"]
    for srcset in (sources[0]["srcset"], img["srcset"]):
        listed = srcset_urls(srcset)
        assert [w for _, w in listed] == [320, 640, 960, 1280, 1800]  # and its own, never wider
        for url, width in listed:
            path = site / url.removeprefix("/")
            with Image.open(path) as image:
                assert image.size == (width, round(2400 * width / 1800))
                assert image.mode == "RGB" and "icc_profile" not in image.info
    assert (site / img["src"].removeprefix("/")).is_file()
    assert "/media/photos/" not in html  # the original is never what a page shows


def test_no_served_image_carries_gps_or_the_photographers_name(settings):
    camera_story()
    # A photo put in place by a script, with the camera's metadata still in it.
    name = "photos/scripted.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(camera_photo((1200, 900), shade=40))
    make_story(headline="Scripted", photo=name, photo_alt="x")
    build_site(jobs=1)
    site = live_root(settings)
    served = [p for p in (site / "media").rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
    assert len(served) > 10
    for file in served:
        assert_no_camera_metadata(file.read_bytes())


def test_an_unchanged_photo_is_not_resized_by_a_second_build_or_a_publish(settings):
    story = camera_story()
    first = build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)  # the build published them
    assert first.renditions_made == 5 * 2 + 1  # five widths in WebP and JPEG, and the card
    store = Path(settings.MEDIA_ROOT) / renditions.DIR
    made = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    second = build_site(jobs=1)
    assert second.renditions_made == 0
    story.headline = "Porch light parade draws hundreds"
    story.save()
    published = process_queue()
    assert published.renditions_made == 0
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == made
    assert "Porch light parade draws hundreds" in page_of(settings, story)


def test_a_new_photo_is_resized_by_its_publish_before_the_page_names_it(settings):
    make_story(headline="Already live")
    start_live_site()
    story = camera_story("Late photo")
    published = process_queue()
    assert published.renditions_made == 11
    html = page_of(settings, story)
    (img,) = [i for i in tags_of(html, "img") if i.get("alt") == "Lanterns on Elm Street"]
    for url, _ in srcset_urls(img["srcset"]):
        assert (live_root(settings) / url.removeprefix("/")).is_file()


def test_removing_a_photo_removes_its_renditions_from_the_release_and_the_bucket(settings, s3):
    from publisher.deploy.sync import deploy_site

    story = camera_story()
    start_live_site()
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "www"
    deploy_site()

    def in_bucket() -> set[str]:
        listing = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="www/media/renditions/")
        return {item["Key"] for item in listing.get("Contents", ())}

    ours = set(rendition_files(live_root(settings)))
    assert len(ours) == 11 and in_bucket() == {f"www/{name}" for name in ours}
    for key in in_bucket():
        head = s3.client.head_object(Bucket=s3.bucket, Key=key)
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        body = s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        assert_no_camera_metadata(body)
    story.photo = ""
    story.save()
    process_queue()
    assert rendition_files(live_root(settings)) == {}
    assert in_bucket() == set()


def test_a_photo_whose_renditions_cannot_be_made_leaves_its_page_as_text(settings):
    name = "photos/cut.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(camera_photo((800, 600))[:15_000])  # cut short
    story = make_story(headline="Cut short", photo=name, photo_alt="A cut photo", body="Words.")
    make_story(headline="Fine", photo=make_photo("photos/fine.jpg"), photo_alt="Fine photo")
    err = StringIO()
    call_command("build", verbosity=0, stderr=err)
    assert f"photo {name} could not be resized" in err.getvalue()
    html = page_of(settings, story)
    assert "Words." in html and "A cut photo" not in html
    assert not re.search(r"<img[^>]+cut", html)
    # The other photos are there; the next build does not open the bad one again.
    assert len(rendition_files(live_root(settings))) == 3
    assert build_site(jobs=1).photo_problems == {name: renditions.failure(story.photo_digest)}


def test_the_front_pages_lead_photo_is_fetched_first(settings):
    camera_story()
    make_story(headline="Second", photo=make_photo("photos/second.jpg"), photo_alt="Second photo")
    build_site(jobs=1)
    html = (live_root(settings) / "index.html").read_text()
    images = tags_of(html, "img")
    (img,) = [i for i in images if i.get("fetchpriority") == "high"]
    assert "loading" not in img
    others = [i for i in images if i is not img]
    assert all(i.get("loading") == "lazy" for i in others), others


def test_article_pages_allow_large_image_previews(settings):
    story = camera_story()
    build_site(jobs=1)
    assert '<meta name="robots" content="max-image-preview:large">' in page_of(settings, story)


# -- Bad input: a correct result or a clear refusal, never a crash -------------------


def made_from(settings, data: bytes, name: str = "photos/odd.img") -> list[Image.Image]:
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    digest = f"{abs(hash(data)):032x}"[:32]
    result = renditions.ensure([renditions.Photo(name, digest, width, height)])
    assert result.failed == {}
    out = []
    for rendition in renditions.names(digest, width, height):
        with Image.open(Path(settings.MEDIA_ROOT) / rendition) as image:
            image.load()
            out.append(image.copy())
    return out


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_a_photo_between_two_widths_is_made_at_its_own_width_too(settings):
    images = made_from(settings, encoded(Image.new("RGB", (480, 360), "red"), "JPEG"))
    assert {image.size for image in images} >= {(320, 240), (480, 360)}
    assert max(image.width for image in images) == 480  # never upscaled


def test_a_photo_narrower_than_the_smallest_width_is_made_at_its_own(settings):
    images = made_from(settings, encoded(Image.new("RGB", (40, 30), "red"), "JPEG"))
    assert {image.size for image in images} == {(40, 30)}


@pytest.mark.parametrize(
    "label,data",
    [
        ("cmyk", lambda: encoded(Image.new("CMYK", (700, 500), (0, 255, 255, 0)), "JPEG")),
        ("16-bit", lambda: encoded(Image.new("I;16", (700, 500), 40000), "PNG")),
        (
            "progressive",
            lambda: encoded(Image.new("RGB", (700, 500), "blue"), "JPEG", progressive=True),
        ),
        ("interlaced", lambda: encoded(Image.new("RGB", (700, 500), "green"), "PNG")),
        ("transparent", lambda: encoded(Image.new("RGBA", (700, 500), (0, 0, 0, 0)), "PNG")),
    ],
)
def test_unusual_photos_are_made_as_srgb_8_bit(settings, label, data):
    images = made_from(settings, data())
    assert sorted({image.size[0] for image in images}) == [320, 640, 700]
    for image in images:
        assert image.mode in ("RGB", "RGBA")
    if label == "cmyk":  # cyan-free red stays red, not inverted
        red, green, blue = images[0].convert("RGB").getpixel((5, 5))
        assert red > 200 and green < 60 and blue < 60
    if label == "16-bit":  # 40000 of 65535 is a mid grey, not white
        assert 120 < images[0].convert("L").getpixel((5, 5)) < 190


def test_an_animation_is_made_from_its_first_frame(settings):
    frames = [Image.new("RGB", (400, 300), colour) for colour in ("red", "blue", "green")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=90)
    images = made_from(settings, data)
    red, green, blue = images[0].convert("RGB").getpixel((5, 5))
    assert red > 200 and blue < 60
    assert all(getattr(image, "n_frames", 1) == 1 for image in images)


def test_the_renditions_command_prepares_photos_stored_before_renditions(settings):
    name = "photos/old.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(camera_photo((1200, 900), shade=90))
    story = make_story(headline="Old", photo=name, photo_alt="Old photo")
    # As a row saved before digests existed: metadata still in its file.
    path.write_bytes(camera_photo((1200, 900), shade=90))
    Story.objects.filter(pk=story.pk).update(photo_digest="", photo_width=1200, photo_height=900)
    out = StringIO()
    call_command("renditions", "--dry-run", stdout=out)
    assert "would give 1 a digest" in out.getvalue()
    assert not (Path(settings.MEDIA_ROOT) / renditions.DIR).exists()
    call_command("renditions", "--jobs", "1", stdout=out)
    story.refresh_from_db()
    assert story.photo_digest and (story.photo_width, story.photo_height) == (900, 1200)
    assert renditions.ready(story.photo_digest)
    assert_no_camera_metadata(path.read_bytes())
    # Run again (or after a stop): nothing left to do.
    again = StringIO()
    call_command("renditions", "--jobs", "1", stdout=again)
    assert "gave 0 a digest, 0 files made" in again.getvalue()
    build_site(jobs=1)
    assert renditions.sources(story.photo_digest, 900, 1200).src in page_of(settings, story)


def test_pruning_removes_an_earlier_recipes_files_and_unused_photos_not_what_is_live(settings):
    story = camera_story()
    replaced = camera_story("Replaced photo", size=(1600, 1200))
    start_live_site()
    store = Path(settings.MEDIA_ROOT) / renditions.DIR
    current = {p for p in store.rglob("*") if p.is_file()}
    old = (replaced.photo_digest, replaced.photo_width, replaced.photo_height)
    old_digest = old[0]
    # The editor replaces a photo; and a file of an earlier recipe is still there.
    replaced.photo.save("other.jpg", ContentFile(camera_photo((1000, 750), shade=40)), save=True)
    process_queue()
    earlier = store / story.photo_digest[:2] / f"{story.photo_digest}-0badf00d-640.webp"
    earlier.write_bytes(b"old recipe")
    stray = store / "notes.txt"
    stray.write_text("not ours")
    live_before = rendition_files(live_root(settings))
    gone = len(renditions.names(*old)) + 1  # the replaced photo's, the old one
    out = StringIO()
    call_command("renditions", "--prune", "--dry-run", stdout=out)
    assert f"would remove {gone} files" in out.getvalue() and earlier.exists()
    call_command("renditions", "--prune", stdout=out)
    assert f"removed {gone} files" in out.getvalue()
    left = {p for p in store.rglob("*") if p.is_file()}
    assert not earlier.exists() and stray.exists()
    assert not any(old_digest in p.name for p in left)
    assert {p for p in current if story.photo_digest in p.name} <= left
    assert renditions.ready(story.photo_digest) and renditions.ready(replaced.photo_digest)
    # What the live site serves is untouched (it holds its own links).
    assert rendition_files(live_root(settings)) == live_before
    assert build_site(jobs=1).renditions_made == 0


def test_pruning_waits_for_no_build_and_removes_nothing_during_one(settings):
    from publisher.locks import build_lock

    camera_story()
    start_live_site()
    store = Path(settings.MEDIA_ROOT) / renditions.DIR
    orphan = store / "ab" / f"ab{'0' * 30}-{renditions.RECIPE_ID}-320.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    refused = pytest.raises(CommandError, match="nothing removed: another build is running")
    with build_lock(Path(settings.PUBLISHER_BUILD_DIR)), refused:
        call_command("renditions", "--prune", stdout=StringIO())
    assert orphan.exists()
    call_command("renditions", "--prune", stdout=StringIO())
    assert not orphan.exists()


def test_a_12_mp_photo_taken_upright_is_made_from_its_half_and_the_page_names_what_exists(
    settings,
):
    # 3000 x 4000 once turned upright: read at 1500 x 2000 (3 MP), not 12 MP.
    assert renditions.widths(3000, 4000) == [320, 640, 960, 1280, 1500]
    assert renditions.widths(4000, 3000) == [320, 640, 960, 1280, 1920]  # read as 2000 x 1500
    assert renditions.widths(6000, 4000) == [320, 640, 960, 1280, 1920]  # 3000 x 2000 fits
    story = make_story(headline="Tall photo", photo_alt="The steeple")
    story.photo.save("steeple.jpg", ContentFile(camera_photo((4000, 3000))), save=True)
    start_live_site()
    assert (story.photo_width, story.photo_height) == (3000, 4000)
    (img,) = [i for i in tags_of(page_of(settings, story), "img") if i.get("alt") == "The steeple"]
    widths = []
    for url, w in srcset_urls(img["srcset"]):
        with Image.open(live_root(settings) / url.removeprefix("/")) as made:
            assert made.width == w and made.height == renditions.height_at(w, 3000, 4000)
        widths.append(w)
    assert widths == [320, 640, 960, 1280, 1500]
    assert (img["width"], img["height"]) == ("3000", "4000")
