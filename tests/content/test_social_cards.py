"""A shared link shows a card: Open Graph and Twitter tags with an image of
known size (the item's photo, else the paper's default card). Photo sizes
are stored with the photo, so a build never opens a photo file."""

from __future__ import annotations

import importlib
from io import BytesIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content.models import Obituary, Story
from publisher import renditions
from tests.content.one_of_each import build_one_of_each, meta_tags, page_html
from tests.support import make_obituary, make_photo, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(settings):
    return build_one_of_each(settings)


def size_of_built(newsroom, url: str) -> tuple[int, int]:
    path = newsroom.site / url.removeprefix(newsroom.site_url + "/")
    with Image.open(path) as image:
        return image.size


def test_a_story_card_shows_its_photo_at_its_real_size(newsroom):
    url = newsroom.site_url + newsroom.story.get_absolute_url()
    tags = meta_tags(page_html(newsroom, url))
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == ["Council adopts the budget"]
    assert tags["og:description"] == ["The vote was 5-2."]
    assert tags["og:url"] == [url]
    assert tags["og:site_name"] == ["The Millbrook Ledger"]
    # The photo's JPEG card: 1200 pixels wide at most, never upscaled.
    story = newsroom.story
    card = renditions.sources(story.photo_digest, story.photo_width, story.photo_height).card
    assert tags["og:image"] == [newsroom.site_url + card]
    assert (int(tags["og:image:width"][0]), int(tags["og:image:height"][0])) == (640, 360)
    assert size_of_built(newsroom, tags["og:image"][0]) == (640, 360)
    assert tags["og:image:alt"] == ["The council chamber"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["article:section"] == ["Local News"]
    assert tags["article:author"] == [
        newsroom.site_url + "/authors/ann-archer/",
        newsroom.site_url + "/authors/bob-baker/",
    ]


def test_the_photo_on_the_page_has_its_size_so_the_text_does_not_jump(newsroom):
    html = page_html(newsroom, newsroom.story.get_absolute_url())
    assert 'alt="The council chamber" width="640" height="360"' in html


def test_an_obituary_card_shows_the_portrait(newsroom):
    url = newsroom.site_url + newsroom.obituary.get_absolute_url()
    tags = meta_tags(page_html(newsroom, url))
    obituary = newsroom.obituary
    card = renditions.sources(obituary.photo_digest, 300, 400).card
    assert tags["og:image"] == [newsroom.site_url + card]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["300"], ["400"])
    assert size_of_built(newsroom, tags["og:image"][0]) == (300, 400)
    assert tags["og:type"] == ["article"]


def test_pages_without_a_photo_show_the_papers_default_card(newsroom):
    for url in [
        newsroom.plain.get_absolute_url(),
        newsroom.crime.get_absolute_url(),
        "/",
        "/news/",
        "/news/local-news/",
        "/obituaries/",
        "/crime/",
        newsroom.author.get_absolute_url(),
    ]:
        tags = meta_tags(page_html(newsroom, url))
        image = tags["og:image"][0]
        assert image.startswith(newsroom.site_url + "/static/content/default-card."), url
        size = (int(tags["og:image:width"][0]), int(tags["og:image:height"][0]))
        assert size == size_of_built(newsroom, image) == (1200, 630), url
        assert tags["twitter:card"] == ["summary_large_image"], url
        assert tags["og:site_name"] == ["The Millbrook Ledger"], url
        assert tags["og:title"][0] and tags["og:description"][0], url


def test_the_front_page_card_is_the_website(newsroom):
    tags = meta_tags(page_html(newsroom, "/"))
    assert tags["og:type"] == ["website"]
    assert tags["og:url"] == [newsroom.site_url + "/"]


def test_a_hostile_headline_stays_text_in_the_card(newsroom):
    tags = meta_tags(page_html(newsroom, newsroom.hostile.get_absolute_url()))
    assert tags["og:title"] == [newsroom.hostile.headline]


# -- Photo sizes ------------------------------------------------------------------


def png(size: tuple[int, int]) -> SimpleUploadedFile:
    data = BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(data, "PNG")
    return SimpleUploadedFile("upload.png", data.getvalue(), content_type="image/png")


def test_a_photo_saved_by_name_has_its_size_stored(settings):
    story = make_story(photo=make_photo("photos/by-name.jpg", size=(48, 20)), photo_alt="x")
    assert Story.objects.values_list("photo_width", "photo_height").get(pk=story.pk) == (48, 20)


def test_an_uploaded_photo_has_its_size_stored_and_a_removed_one_forgets_it(settings):
    story = make_story()
    story.photo = png((33, 21))  # as the admin's form assigns an upload
    story.photo_alt = "A photo"
    story.save()
    assert Story.objects.values_list("photo_width", "photo_height").get(pk=story.pk) == (33, 21)
    story.photo = ""  # the admin's "clear" box
    story.save()
    assert Story.objects.values_list("photo_width", "photo_height").get(pk=story.pk) == (
        None,
        None,
    )


def test_loading_a_row_never_opens_its_photo_file(settings):
    story = make_story(photo=make_photo("photos/gone.jpg"), photo_alt="x")
    Story.objects.filter(pk=story.pk).update(photo_width=None, photo_height=None)
    (Path(settings.MEDIA_ROOT) / "photos/gone.jpg").unlink()
    # Django's ImageField would open the file of a row without a size here
    # (and fail on a missing one); the build must not read files per page.
    loaded = Story.objects.get(pk=story.pk)
    assert (loaded.photo.name, loaded.photo_width) == ("photos/gone.jpg", None)


def test_a_photo_whose_file_is_missing_is_saved_without_a_size(settings):
    story = make_story(photo="photos/never-uploaded.jpg", photo_alt="x")
    assert Story.objects.values_list("photo_width", "photo_height").get(pk=story.pk) == (
        None,
        None,
    )


def test_the_migration_measures_the_photos_already_stored(settings):
    story = make_story(photo=make_photo("photos/old.jpg", size=(70, 50)), photo_alt="x")
    missing = make_story(photo="photos/missing.jpg", photo_alt="x")
    obituary = make_obituary(photo=make_photo("obituaries/p.jpg", size=(30, 40)), photo_alt="x")
    Story.objects.update(photo_width=None, photo_height=None)
    Obituary.objects.update(photo_width=None, photo_height=None)
    migrations = Path(importlib.import_module("content.migrations").__file__).parent
    (module,) = [path.stem for path in migrations.glob("*_photo_sizes.py")]
    migration = importlib.import_module(f"content.migrations.{module}")
    migration.measure_stored_photos(apps, None)
    sizes = dict(Story.objects.values_list("pk", "photo_width"))
    assert sizes[story.pk] == 70
    assert sizes[missing.pk] is None
    assert Obituary.objects.values_list("photo_width", "photo_height").get(pk=obituary.pk) == (
        30,
        40,
    )
