"""A newsroom with one of every kind of page, built, and read back the way a
search engine or a social site reads it (test helpers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import extruct
import lxml.html
from django.core.management import call_command
from django.utils import timezone

from content.models import Author, CrimeReport, Obituary, Story
from publisher.models import Gone, Redirect
from tests.support import (
    file_for,
    make_author,
    make_birth,
    make_crime,
    make_obituary,
    make_photo,
    make_section,
    make_story,
    make_town,
    make_wedding,
)

HOSTILE = "Fire chief says </script><script>alert(1)</script> & <!-- more"


@dataclass
class Newsroom:
    site: Path  # the live document root
    site_url: str
    story: Story  # with a photo and two bylines
    plain: Story  # no photo, no byline
    hostile: Story
    obituary: Obituary  # with a photo and both dates
    crime: CrimeReport
    author: Author


def build_one_of_each(settings: Any) -> Newsroom:
    """Every page type with something on it (a second page of a list, a
    redirect and a removed address too), built into the test's own build directory."""
    settings.PUBLISHER_PAGE_SIZE = 2
    make_town()
    now = timezone.now()
    news = make_section(name="Local News", slug="local-news", position=0)
    make_section(name="Weather", slug="weather", position=1)  # an empty section front
    ann = make_author(
        name="Ann Archer", slug="ann-archer", title="Staff Writer", bio="Covers City Hall."
    )
    bob = make_author(name="Bob Baker", slug="bob-baker", title="")
    story = make_story(
        authors=[ann, bob],
        section=news,
        headline="Council adopts the budget",
        slug="council-adopts-the-budget",
        dek="The vote was 5-2.",
        publish_at=now - timedelta(hours=1),
        photo=make_photo("photos/council.jpg", size=(640, 360)),
        photo_alt="The council chamber",
        photo_caption="The vote.",
        photo_credit="Ann Archer",
    )
    plain = make_story(
        authors=[],
        section=news,
        headline="Road closed for repairs",
        slug="road-closed",
        dek="",
        body="Elm Street is closed between 4th and 5th.",
        publish_at=now - timedelta(hours=2),
    )
    hostile = make_story(
        authors=[ann],
        section=news,
        headline=HOSTILE,
        slug="hostile-headline",
        dek="A dek with </SCRIPT > in it",
        publish_at=now - timedelta(hours=3),
    )
    for n in range(5):  # enough for a second page of the lists
        make_story(authors=[bob], section=news, publish_at=now - timedelta(days=1, hours=n))
    obituary = make_obituary(
        full_name="Ada Lovelace Person",
        slug="ada-lovelace-person",
        birth_date=date(1931, 4, 2),
        death_date=date(2026, 10, 1),
        age=95,
        hometown="Millbrook",
        publish_at=now - timedelta(hours=4),
        photo=make_photo("obituaries/ada.jpg", size=(300, 400)),
        photo_alt="Portrait of Ada Lovelace Person",
    )
    make_obituary(full_name="No Dates Person", slug="no-dates", birth_date=None, age=None)
    crime = make_crime(
        title="Bicycle stolen downtown",
        slug="bicycle-stolen",
        address_block="400 block of Elm St",
        neighborhood="Downtown",
        publish_at=now - timedelta(hours=5),
    )
    make_crime(title="Second report", slug="second-report", publish_at=now - timedelta(hours=6))
    make_birth(slug="baby-one", publish_at=now - timedelta(hours=7))
    make_wedding(slug="jo-and-sam", publish_at=now - timedelta(hours=8))
    Redirect.objects.create(
        old_path="/news/2020/01/01/old-slug/", new_path=plain.get_absolute_url()
    )
    # An item removed under the unpublishing policy leaves a page at its address.
    Gone.objects.create(
        path="/crime/2020/01/01/removed-report/", kind="crime", object_id=999, removed_at=now
    )
    call_command("build", verbosity=0)
    return Newsroom(
        site=Path(settings.PUBLISHER_BUILD_DIR) / "site",
        site_url=settings.PUBLISHER_SITE_URL,
        story=story,
        plain=plain,
        hostile=hostile,
        obituary=obituary,
        crime=crime,
        author=ann,
    )


def page_html(newsroom: Newsroom, url: str) -> str:
    return file_for(newsroom.site, url).read_text()


def json_ld(html: str, site_url: str) -> list[dict[str, Any]]:
    """Every JSON-LD object of a page, as extruct reads it (a broken script raises)."""
    return extruct.extract(html, base_url=site_url + "/", syntaxes=["json-ld"], errors="strict")[
        "json-ld"
    ]


def of_type(objects: list[dict[str, Any]], schema_type: str) -> dict[str, Any]:
    found = [obj for obj in objects if obj.get("@type") == schema_type]
    assert len(found) == 1, f"{len(found)} objects of type {schema_type} in {objects}"
    return found[0]


def meta_tags(html: str) -> dict[str, list[str]]:
    """The page head's meta tags by property (Open Graph) or name (Twitter)."""
    tags: dict[str, list[str]] = {}
    for meta in lxml.html.fromstring(html).xpath("//head/meta[@property or @name]"):
        key = meta.get("property") or meta.get("name")
        tags.setdefault(key, []).append(meta.get("content"))
    return tags
