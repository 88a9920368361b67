"""seed_demo: a deterministic demo newsroom, checked row by row."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from content.demo.rows import insert_objects
from content.demo.text import body_html
from content.models import (
    BLOCK_ADDRESS,
    Author,
    Birth,
    Byline,
    Comment,
    CrimeReport,
    Obituary,
    Section,
    Status,
    Story,
    Wedding,
    age_on,
)
from content.text import render_body
from tests.support import ANCHOR, DEMO_MODELS, SLUG, anchor_start
from tests.support import demo_rows as snapshot

pytestmark = pytest.mark.django_db

SMALL = ["--stories", "60", "--obituaries", "20", "--crimes", "20"]
ITEMS = (Story, Obituary, CrimeReport)


def seed(*args: str, seed: int = 7, anchor: date = ANCHOR) -> str:
    out = StringIO()
    call_command(
        "seed_demo", *SMALL, "--seed", str(seed), "--anchor", anchor.isoformat(), *args, stdout=out
    )
    return out.getvalue()


def stamps() -> dict[str, list[tuple]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("created_at", "updated_at"))
        for model in ITEMS
    }


def test_the_same_options_give_identical_rows_ids_and_timestamps_included():
    seed()
    first, first_stamps = snapshot(), stamps()
    seed("--replace")

    assert snapshot() == first
    assert stamps() == first_stamps
    # auto_now/auto_now_add did not win: nothing is stamped with today's date.
    for rows in first_stamps.values():
        assert all(created < anchor_start() for created, _ in rows)


def test_a_different_seed_gives_different_content():
    seed(seed=1)
    headlines = list(Story.objects.order_by("pk").values_list("headline", flat=True))
    names = list(Obituary.objects.order_by("pk").values_list("full_name", flat=True))
    seed("--replace", seed=2)

    assert list(Story.objects.order_by("pk").values_list("headline", flat=True)) != headlines
    assert list(Obituary.objects.order_by("pk").values_list("full_name", flat=True)) != names


def test_more_obituaries_leave_the_stories_as_they_were():
    seed()
    stories = snapshot()["Story"]
    out = StringIO()
    call_command(
        "seed_demo",
        *["--stories", "60", "--obituaries", "25", "--crimes", "20", "--seed", "7"],
        *["--anchor", ANCHOR.isoformat(), "--replace"],
        stdout=out,
    )

    assert snapshot()["Story"] == stories
    assert Obituary.objects.count() == 25


def test_it_creates_the_numbers_asked_for_with_sections_and_authors():
    seed()

    assert Story.objects.count() == 60
    assert Obituary.objects.count() == 20
    assert CrimeReport.objects.count() == 20
    assert Section.objects.count() == 8
    assert Author.objects.count() == 24
    assert set(Section.objects.values_list("slug", flat=True)) >= {"local-news", "sports"}
    assert all(Author.objects.values_list("title", flat=True))


def test_every_story_has_one_or_two_bylines_in_order():
    seed()

    for story in Story.objects.prefetch_related("bylines"):
        positions = [byline.position for byline in story.bylines.all()]
        assert positions in ([0], [0, 1]), story.slug


def test_each_kind_has_drafts_and_embargoed_items_besides_the_published():
    seed()
    start = anchor_start()

    for model in ITEMS:
        drafts = model.objects.filter(status=Status.DRAFT)
        embargoed = model.objects.filter(status=Status.PUBLISHED, publish_at__gte=start)
        visible = model.objects.published(at=start)
        assert drafts.exists(), model.__name__
        assert embargoed.exists(), model.__name__
        assert all(
            start + timedelta(days=1) <= at <= start + timedelta(days=31)
            for at in embargoed.values_list("publish_at", flat=True)
        )
        assert visible.count() == model.objects.count() - drafts.count() - embargoed.count()
        assert visible.count() >= 0.9 * model.objects.count()


def test_every_slug_is_valid_unique_and_never_reserved():
    seed()

    for model in (*ITEMS, Section, Author):
        slugs = list(model.objects.values_list("slug", flat=True))
        assert len(set(slugs)) == len(slugs), model.__name__
        for slug in slugs:
            assert SLUG.match(slug) and len(slug) <= 120, slug
    for slug in Section.objects.values_list("slug", flat=True):
        assert slug != "page" and not slug.isdigit()


def test_every_row_passes_model_validation():
    seed()

    for model in DEMO_MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_crime_reports_give_block_level_addresses_and_recent_incidents():
    seed()
    start = anchor_start()

    case_numbers = []
    for crime in CrimeReport.objects.all():
        assert BLOCK_ADDRESS.match(crime.address_block), crime.address_block
        assert not re.match(r"^\d+[1-9] ", crime.address_block)  # never a house number
        assert crime.incident_type in CrimeReport.Incident.values
        assert re.fullmatch(r"\d{4}-\d{6}", crime.case_number)
        assert crime.neighborhood
        assert crime.occurred_at < crime.created_at <= crime.publish_at or (
            crime.status == Status.DRAFT
        )
        if crime.publish_at < start:
            assert crime.publish_at - crime.occurred_at < timedelta(days=3)
        case_numbers.append(crime.case_number)
    assert len(set(case_numbers)) == len(case_numbers)


def test_obituary_ages_agree_with_the_dates():
    seed()

    for obit in Obituary.objects.all():
        assert obit.birth_date < obit.death_date < ANCHOR
        assert obit.age == age_on(obit.birth_date, obit.death_date)
        assert obit.death_date < timezone.localtime(obit.publish_at).date() or (
            obit.status == Status.DRAFT
        )
        if obit.service_time:
            assert obit.service_place
            assert timezone.localtime(obit.service_time).date() > obit.death_date
        assert f"{obit.full_name}, {obit.age}, of {obit.hometown}, died" in obit.body


def test_timestamps_are_aware_and_in_a_sensible_order():
    seed()
    start = anchor_start()

    for model in ITEMS:
        for status, publish_at, created_at, updated_at in model.objects.values_list(
            "status", "publish_at", "created_at", "updated_at"
        ):
            assert timezone.is_aware(publish_at) and timezone.is_aware(created_at)
            assert created_at <= updated_at < start
            assert created_at <= publish_at
            if status == Status.DRAFT:
                assert publish_at < start


def test_body_html_is_byte_for_byte_what_render_body_makes():
    call_command(
        "seed_demo",
        *["--stories", "400", "--obituaries", "100", "--crimes", "100", "--seed", "3"],
        stdout=StringIO(),
    )

    for model in ITEMS:
        for body, html in model.objects.values_list("body", "body_html"):
            assert html == render_body(body)


@pytest.mark.parametrize(
    "blocks",
    [
        ["Plain prose, with “quotes”, $2.4 million and 5-2 votes."],
        ["## What's next", "A paragraph.", "**Correction:** bold."],
        ["Smith & Sons <b>opened</b>.", "*Emphasis* and [a link](https://example.com/)."],
        ["1. Not prose", "- a list", "> a quote", "Two  spaces.", "Trailing space. "],
        ["Contact news@millbrookledger.example.", "MILLBROOK — A dateline."],
    ],
)
def test_the_fast_body_html_matches_render_body_for_any_blocks(blocks):
    assert body_html(blocks) == render_body("\n\n".join(blocks))


def test_photos_are_written_once_with_the_same_bytes_and_referenced_by_rows():
    seed()
    media = Path(settings.MEDIA_ROOT)
    story_photos = set(Story.objects.exclude(photo="").values_list("photo", flat=True))
    obit_photos = set(Obituary.objects.exclude(photo="").values_list("photo", flat=True))
    assert story_photos and obit_photos
    files = sorted(media.rglob("*.jpg"))
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files}

    seed("--replace")

    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files} == before
    for name in story_photos | obit_photos:
        assert (media / name).is_file(), name
    sizes = set()
    for story in Story.objects.exclude(photo=""):
        with Image.open(media / story.photo.name) as image:
            assert image.format == "JPEG"
            assert image.size == (story.photo_width, story.photo_height)
            sizes.add(image.size)
            # Camera-sized photos among them, stored as an upload leaves them.
            assert "exif" not in image.info and "xmp" not in image.info
    assert (800, 533) in sizes and sizes & {(4000, 3000), (3000, 4000)}
    for story in Story.objects.exclude(photo=""):
        assert story.photo_alt and story.photo_caption and story.photo_credit
    for obit in Obituary.objects.exclude(photo=""):
        assert obit.photo_alt == f"Portrait of {obit.full_name}"


def test_it_refuses_a_database_with_content_and_loses_nothing():
    seed()
    before = snapshot()

    with pytest.raises(CommandError) as error:
        seed(seed=8)

    assert re.fullmatch(
        r"the database already has 60 stories, 20 obituaries, 20 crime reports, "
        r"80 birth announcements, 40 weddings and engagements, \d+ comments, "
        r"8 sections, 24 authors; run with --replace to delete all content first",
        str(error.value),
    )
    assert snapshot() == before


def test_if_empty_leaves_a_database_with_content_as_it_is_and_succeeds():
    seed()
    before = snapshot()

    out = seed("--if-empty", seed=8)

    assert "left as it is" in out
    assert snapshot() == before


def test_it_refuses_even_a_single_hand_made_section():
    Section.objects.create(name="Features", slug="features")

    with pytest.raises(CommandError, match=r"already has 1 section; run with --replace"):
        seed()
    assert list(Section.objects.values_list("slug", flat=True)) == ["features"]
    assert not Story.objects.exists()


def test_replace_deletes_all_content_made_by_hand():
    section = Section.objects.create(name="Features", slug="features")
    author = Author.objects.create(name="Pat Hand", slug="pat-hand")
    story = Story.objects.create(headline="By hand", slug="by-hand", section=section)
    Byline.objects.create(story=story, author=author)

    seed("--replace")

    assert not Story.objects.filter(slug="by-hand").exists()
    assert not Section.objects.filter(slug="features").exists()
    assert not Author.objects.filter(slug="pat-hand").exists()
    assert Story.objects.count() == 60 and Section.objects.count() == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stories", "-1"], "stories must be a whole number, 0 or more"),
        (["--crimes", "many"], "invalid int value"),
        (["--seed", "x"], "invalid int value"),
        (["--anchor", "2024-02-30"], "--anchor must be a date like 2024-06-30"),
        (["--anchor", "yesterday"], "--anchor must be a date like 2024-06-30"),
    ],
)
def test_bad_options_give_a_command_error_and_change_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args, stdout=StringIO())
    assert not Section.objects.exists()


def test_bad_counts_from_python_give_a_command_error_too():
    with pytest.raises(CommandError, match="obituaries must be a whole number"):
        call_command("seed_demo", obituaries=-5, stdout=StringIO())
    assert not Section.objects.exists()


def test_it_prints_a_one_line_summary_and_nothing_at_verbosity_0():
    output = seed()

    assert re.fullmatch(
        r"seed_demo: 60 stories, 20 obituaries, 20 crime reports, 80 birth announcements, "
        r"40 weddings and engagements, \d+ comments, 8 sections, 24 authors in \d+\.\d s\n",
        output,
    )
    quiet = StringIO()
    call_command("seed_demo", *SMALL, "--replace", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""


def test_zero_items_still_make_a_newsroom():
    call_command(
        "seed_demo", "--stories", "0", "--obituaries", "0", "--crimes", "0", stdout=StringIO()
    )

    assert Section.objects.count() == 8 and Author.objects.count() == 24
    assert not Story.objects.exists() and not Byline.objects.exists()


def test_readers_comments_and_guestbooks_the_queue_shows_why_each_waits():
    seed()
    start = anchor_start()
    comments = list(Comment.objects.all())
    approved = [c for c in comments if c.status == "approved"]
    waiting = [c for c in comments if c.status == "pending"]
    assert {c.kind for c in approved} == {"story", "obituary"}
    assert {c.held_for for c in waiting} == {"first", "word", "links"}
    replies = [c for c in approved if c.parent_id]
    assert replies and all(r.parent.item_id == r.item_id for r in replies)
    assert all(r.posted_at > r.parent.posted_at for r in replies)
    # Only live items, and never before the item itself.
    for c in comments:
        assert c.item is not None and c.item.publish_at < c.posted_at
        assert c.item.publish_at < start
    assert any("\u00a0" in c.name for c in comments) or any("\n" in c.body for c in comments)
    assert any(not c.name.isascii() for c in comments)


def test_the_tuple_inserts_write_every_column_as_the_orm_reads_it_back():
    # Seeding writes rows with one executemany of plain tuples, not the ORM: a
    # round trip through it must give back every value the ORM loaded, the
    # timestamps (aware, stored as the database's local time) and photo names too.
    seed()
    parents_first = (Story, Byline, Obituary, CrimeReport, Birth, Wedding)
    loaded = {model: list(model.objects.order_by("pk")) for model in parents_first}
    before = {model: columns(model) for model in parents_first}
    assert any(story.photo for story in loaded[Story])
    for model in reversed(parents_first):
        model.objects.all().delete()
    for model in parents_first:
        insert_objects(model, loaded[model])

    assert {model: columns(model) for model in parents_first} == before


def columns(model) -> list[tuple]:
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(model.objects.order_by("pk").values_list(*fields))
