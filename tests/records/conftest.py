"""A live newsroom with an item someone asks to have taken down."""

from __future__ import annotations

import contextlib
import gzip
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from content import text
from content.admin import publishable as item_admin
from content.models import Correction, Status
from records.models import TakedownRequest
from tests.support import (
    make_author,
    make_crime,
    make_obituary,
    make_photo,
    make_section,
    make_story,
    member_of,
    start_live_site,
)

# The name asked to be taken out, in every spelling readers could meet.
NAME = "Jane Zyndrowski"
SPELLINGS = (b"zyndrowski",)


@pytest.fixture
def desk(db, settings, tmp_path):
    """A small live site (search on) whose story names Jane Zyndrowski in its
    headline, dek, slug, body, photo and a published correction; other items
    around it in the same lists, months and feeds."""
    settings.PUBLISHER_PAGE_SIZE = 3
    settings.PUBLISHER_SEARCH = True
    # lighttpd's rules and compressed copies: this test's own.
    settings.VAR_DIR = tmp_path / "var"
    now = timezone.now()
    news = make_section(name="Local News", slug="local-news")
    author = make_author(name="Ann Archer", slug="ann-archer")
    for i in range(5):
        make_story(
            authors=[author],
            section=news,
            headline=f"Council story {i}",
            slug=f"council-story-{i}",
            publish_at=now - timedelta(days=i, hours=2),
        )
    story = make_story(
        authors=[author],
        section=news,
        headline=f"{NAME} fined for graffiti on the water tower",
        slug="jane-zyndrowski-fined-for-graffiti",
        dek="Zyndrowski, 19, painted the tower in March.",
        body=f"Police said **{NAME}** admitted the damage.\n\nMs. ZYNDROWSKI paid the fine.",
        publish_at=now - timedelta(days=2),
        photo=make_photo("photos/zyndrowski-court.jpg"),
        photo_alt=f"{NAME} outside the courthouse",
        photo_caption=f"{NAME} leaves court.",
        photo_credit="Staff photo",
    )
    Correction.objects.create(
        story=story, text=f"An earlier version misspelled {NAME}'s age.", status=Status.PUBLISHED
    )
    make_obituary(full_name="Ada Person", slug="ada-person", publish_at=now - timedelta(days=1))
    crime = make_crime(
        title="Bicycle stolen on Elm St", slug="bicycle-stolen", publish_at=now - timedelta(days=3)
    )
    start_live_site()
    return {
        "story": story,
        "crime": crime,
        "editor": member_of("Editors", "eddie"),
        "reporter": member_of("Reporters", "rita"),
    }


@pytest.fixture
def asked(desk):
    """A request about the story, logged by a reporter."""
    return TakedownRequest.objects.create(
        requester="Jane Zyndrowski",
        contact="jane@example.org",
        kind="story",
        object_id=desk["story"].pk,
        reason="It was a first offence, five years ago; it comes up when employers search.",
        logged_by=desk["reporter"],
    )


def unpacked(data: bytes) -> bytes:
    """File contents as a reader's browser gets them: gzip undone (the search
    index's files are gzip inside), lower case."""
    with contextlib.suppress(OSError, EOFError):
        data = gzip.decompress(data)
    return data.lower()


def files_naming(root: Path, words: tuple[bytes, ...] = SPELLINGS) -> list[str]:
    """Every file under ``root`` (the live site) whose contents hold one of ``words``."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and any(word in unpacked(path.read_bytes()) for word in words):
            found.append(path.relative_to(root).as_posix())
    return found


@pytest.fixture
def renders(monkeypatch):
    """How many transactions were open at each body render (Markdown),
    counted from the test's own: 0 is outside any the code under test opened."""
    baseline = len(connection.atomic_blocks)
    depths: list[int] = []
    real = text.render_body

    def spy(body: str) -> str:
        depths.append(len(connection.atomic_blocks) - baseline)
        return real(body)

    monkeypatch.setattr(text, "render_body", spy)
    monkeypatch.setattr(item_admin, "render_body", spy)  # the items' admin's own import
    return depths
