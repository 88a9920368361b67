"""An item's place on a list (rank) and the item at a place (key_at)."""

from __future__ import annotations

from content.models import Status
from content.pages import REGISTRY
from publisher.pages import keyset, places
from publisher.pages.base import ItemView
from tests.support import make_story


def test_an_items_rank_is_the_same_counted_from_either_end(db):
    # _rank counts from the nearer end of the list; it must agree with the
    # plain count, for items on the list, off it, and at keys between others.
    from datetime import timedelta

    from django.utils import timezone

    from content.models import Story

    now = timezone.now()
    section = make_story(slug="first").section
    for i in range(11):
        make_story(slug=f"r-{i}", section=section, publish_at=now - timedelta(hours=i % 7))
    hidden = make_story(slug="hidden", status=Status.DRAFT, section=section)
    site = REGISTRY.site()
    qs = Story.objects.published(site.now)
    every = sorted(qs, key=lambda s: (s.publish_at, s.pk))
    keys = [(s.publish_at, s.pk) for s in every]
    keys += [(hidden.publish_at, hidden.pk), (now - timedelta(minutes=90), 10**6),
             (now - timedelta(days=1), 1), (now + timedelta(days=1), 1)]  # fmt: skip
    for at, pk in keys:
        view = ItemView("story", pk, at, "slug", (("section", section.pk),))
        plain = sum(1 for s in every if s.pk != pk and (s.publish_at, s.pk) < (at, pk))
        assert places.rank(REGISTRY.site(), qs, view) == plain, (at, pk)


def test_the_key_at_a_place_is_found_from_either_end_or_a_counted_place(db):
    from datetime import timedelta

    from django.utils import timezone

    from content.models import Story

    now = timezone.now()
    for i in range(17):
        make_story(slug=f"k-{i}", publish_at=now - timedelta(hours=i % 6, minutes=i % 2))
    site = REGISTRY.site()
    qs = Story.objects.published(site.now)
    ordered = [(s.publish_at, s.pk) for s in sorted(qs, key=lambda s: (s.publish_at, s.pk))]
    assert [places.key_at(site, qs, rank) for rank in range(17)] == ordered
    # Places counted while publishing (items in the middle) are walked from.
    for at, pk in (ordered[6], ordered[11]):
        places.rank(site, qs, ItemView("story", pk, at, "slug"))
    assert len(site.cache[("places", *keyset.sql_key(qs))]) == 2
    assert [places.key_at(site, qs, rank) for rank in range(17)] == ordered
    found = [places.key_at(site, qs, rank, from_ends=False) for rank in range(17)]
    assert found[5:13] == ordered[5:13]
    assert found[:3] == [None] * 3 and found[-3:] == [None] * 3  # an end is as near
