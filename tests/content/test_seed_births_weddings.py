"""seed_demo's birth and wedding announcements: sensible rows, and the other
kinds exactly as they were seeded before these existed."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from content.models import Birth, Status, Wedding
from tests.support import ANCHOR, SLUG, anchor_start
from tests.support import demo_rows as snapshot

pytestmark = pytest.mark.django_db

OLDER = ["--stories", "60", "--obituaries", "20", "--crimes", "20", "--seed", "7"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *OLDER, "--anchor", ANCHOR.isoformat(), *args, stdout=out)
    return out.getvalue()


def rows(model: type) -> list[tuple]:
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(model.objects.order_by("pk").values_list(*fields))


def demo_photos() -> dict[str, bytes]:
    media = Path(settings.MEDIA_ROOT)
    return {path.relative_to(media).as_posix(): path.read_bytes() for path in media.rglob("*.jpg")}


def test_by_default_it_seeds_80_births_and_40_weddings():
    out = seed()
    assert Birth.objects.count() == 80 and Wedding.objects.count() == 40
    assert "80 birth announcements, 40 weddings and engagements" in out


def test_the_new_kinds_leave_every_older_row_and_photo_as_it_was():
    seed("--births", "0", "--weddings", "0")
    older, photos = snapshot(), demo_photos()
    assert not Birth.objects.exists() and not Wedding.objects.exists()
    assert not any(name.startswith(("births/", "weddings/")) for name in photos)

    seed("--births", "30", "--weddings", "300", "--replace")
    assert snapshot() == older
    assert {name: data for name, data in demo_photos().items() if name in photos} == photos


def test_the_same_options_give_the_same_announcements():
    seed("--births", "25", "--weddings", "25")
    first = rows(Birth), rows(Wedding)
    seed("--births", "25", "--weddings", "25", "--replace")
    assert (rows(Birth), rows(Wedding)) == first
    more_weddings = rows(Birth)
    seed("--births", "25", "--weddings", "40", "--replace")
    assert rows(Birth) == more_weddings


def test_every_announcement_is_valid_with_drafts_and_embargoed_ones_among_them():
    seed("--births", "40", "--weddings", "40")
    start = anchor_start()
    for model in (Birth, Wedding):
        assert model.objects.filter(status=Status.DRAFT).exists(), model.__name__
        assert model.objects.filter(status=Status.PUBLISHED, publish_at__gte=start).exists()
        slugs = list(model.objects.values_list("slug", flat=True))
        assert len(set(slugs)) == len(slugs) and all(SLUG.match(slug) for slug in slugs)
        for item in model.objects.all():
            item.full_clean()
            assert item.created_at <= item.updated_at < start
            if item.photo:
                assert item.photo_alt and (Path(settings.MEDIA_ROOT) / item.photo.name).is_file()
    for birth in Birth.objects.all():
        assert birth.birth_date < ANCHOR
        assert birth.body.startswith(f"{birth.baby_name} was born ")
        assert (birth.weight_pounds is None) == (birth.weight_ounces is None)
    kinds = set(Wedding.objects.values_list("announcement", flat=True))
    assert kinds == {"wedding", "engagement"}
    for wedding in Wedding.objects.filter(announcement="wedding"):
        assert wedding.date < ANCHOR and wedding.date.weekday() == 5 and wedding.place
    for wedding in Wedding.objects.filter(announcement="engagement").exclude(date=None):
        assert wedding.date > date(ANCHOR.year, 1, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--births", "-1"], "births must be a whole number, 0 or more"),
        (["--weddings", "lots"], "invalid int value"),
    ],
)
def test_bad_counts_give_a_command_error_and_seed_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert not Birth.objects.exists() and not Wedding.objects.exists()


def test_replace_deletes_announcements_made_by_hand_and_a_refusal_names_them():
    seed("--births", "2", "--weddings", "1")
    with pytest.raises(CommandError, match="2 birth announcements, 1 wedding or engagement"):
        seed("--births", "2", "--weddings", "1")
    Birth.objects.filter(pk=1).update(baby_name="Edited By Hand")
    seed("--births", "2", "--weddings", "1", "--replace")
    assert not Birth.objects.filter(baby_name="Edited By Hand").exists()
    assert Birth.objects.count() == 2
