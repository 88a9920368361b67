from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Status
from tests.factories import (
    make_author,
    make_crime,
    make_obituary,
    make_photo,
    make_section,
    make_story,
)


@pytest.fixture
def newsroom(db, settings):
    """A small newsroom with every kind of page, and things readers must not see."""
    settings.PUBLISHER_PAGE_SIZE = 5
    now = timezone.now()
    news = make_section(name="Local News", slug="local-news", position=0)
    sports = make_section(name="Sports", slug="sports", position=1)
    make_section(name="Weather", slug="weather", position=2)  # no stories yet
    ann, bob = (
        make_author(name="Ann Archer", slug="ann-archer"),
        make_author(name="Bob Baker", slug="bob-baker"),
    )
    make_author(name="Cy Newcomer", slug="cy-newcomer")  # no stories yet
    published = []
    for i in range(14):
        published.append(
            make_story(
                authors=[ann, bob] if i % 3 == 0 else [ann if i % 2 else bob],
                section=news if i % 4 else sports,
                headline=f"Council story {i}",
                slug=f"council-story-{i}",
                publish_at=now - timedelta(days=9 * i, hours=1),
            )
        )
    hostile = make_story(
        authors=[ann],
        section=news,
        headline="Headline <script>alert('h')</script> here",
        slug="hostile-story",
        body="Text <script>alert('b')</script> <img src=x onerror=alert(1)> "
        "[click](javascript:alert(1)) <a href='JAVASCRIPT:alert(2)'>x</a>",
        publish_at=now - timedelta(days=2),
    )
    draft = make_story(
        authors=[ann],
        section=news,
        headline="Secret draft headline",
        slug="secret-draft",
        status=Status.DRAFT,
        publish_at=now - timedelta(days=1),
    )
    embargoed = make_story(
        authors=[bob],
        section=sports,
        headline="Embargoed scoop headline",
        slug="embargoed-scoop",
        publish_at=now + timedelta(days=2),
    )
    unpublished = make_story(
        authors=[bob],
        section=sports,
        headline="Retracted story headline",
        slug="retracted-story",
        publish_at=now - timedelta(days=5),
    )
    unpublished.status = Status.DRAFT
    unpublished.save()
    obits = [
        make_obituary(
            full_name=f"Ada Person{i}",
            slug=f"ada-person-{i}",
            publish_at=now - timedelta(days=11 * i, hours=2),
        )
        for i in range(7)
    ]
    make_obituary(full_name="Draft Obitperson", slug="draft-obit", status=Status.DRAFT)
    hidden_obit = make_obituary(
        full_name="Embargoed Obitperson", slug="embargoed-obit", publish_at=now + timedelta(hours=3)
    )
    crimes = [
        make_crime(
            title=f"Bicycle theft {i}",
            slug=f"bicycle-theft-{i}",
            publish_at=now - timedelta(days=13 * i, hours=3),
        )
        for i in range(6)
    ]
    make_crime(title="Draft crime title", slug="draft-crime", status=Status.DRAFT)
    make_crime(
        title="Embargoed crime title", slug="embargoed-crime", publish_at=now + timedelta(days=1)
    )
    # Photos: one a story and an obituary share, one two stories share, and
    # ones only items readers must not see use.
    with_photo = [
        (published[0], "photos/lead.jpg"),
        (obits[0], "photos/lead.jpg"),
        (published[1], "photos/council.png"),
        (published[2], "photos/shared.jpg"),
        (published[3], "photos/shared.jpg"),
        (draft, "photos/draft-photo.jpg"),
        (embargoed, "photos/embargoed-photo.jpg"),
        (unpublished, "photos/retracted-photo.jpg"),
        (hidden_obit, "obituaries/embargoed-portrait.jpg"),
    ]
    for item, name in with_photo:
        item.photo = make_photo(name, fmt="PNG" if name.endswith(".png") else "JPEG")
        item.photo_alt = f"Photo for {item}"
        item.save()
    return {
        "sections": [news, sports],
        "published": published,
        "hostile": hostile,
        "hidden_stories": [draft, embargoed, unpublished],
        "obituaries": obits,
        "crimes": crimes,
        "hidden_words": [
            "Secret draft headline",
            "secret-draft",
            "Embargoed scoop headline",
            "embargoed-scoop",
            "Retracted story headline",
            "retracted-story",
            "Draft Obitperson",
            "draft-obit",
            "Embargoed Obitperson",
            "embargoed-obit",
            "Draft crime title",
            "draft-crime",
            "Embargoed crime title",
            "embargoed-crime",
            "draft-photo",
            "embargoed-photo",
            "retracted-photo",
            "embargoed-portrait",
        ],
        "live_media": ["photos/council.png", "photos/lead.jpg", "photos/shared.jpg"],
    }
