"""Birth announcements and wedding/engagement announcements on the site:
their pages, lists, feeds, the front page's community column, the month
archive and the sitemap, always as a full build makes them; and what
readers never see."""

from __future__ import annotations

import random
from datetime import date, timedelta

import feedparser
import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import Birth, Status, Wedding
from publisher.models import PublishJob
from publisher.pages import sitemap as sitemaps
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_birth,
    make_photo,
    make_story,
    make_wedding,
    media_files,
    page_files,
    photo_src,
    start_live_site,
)

pytestmark = pytest.mark.django_db

HIDDEN = ("Secret Draft Baby", "Embargoed Bride", "Unpublished Baby")


@pytest.fixture
def community(settings):
    """A live site with a page and a half of each kind, and some that readers must not see."""
    settings.PUBLISHER_PAGE_SIZE = 3
    now = timezone.now()
    make_story(headline="Council story", slug="council-story")
    births = [
        make_birth(
            baby_name=f"Olivia Rose Number{i}",
            slug=f"olivia-rose-{i}",
            publish_at=now - timedelta(days=4 * i, hours=1),
        )
        for i in range(7)
    ]
    weddings = [
        make_wedding(
            partner_one=f"Hannah Number{i}",
            partner_two=f"Caleb Number{i}",
            slug=f"hannah-and-caleb-{i}",
            announcement=Wedding.Announcement.ENGAGEMENT if i % 2 else Wedding.Announcement.WEDDING,
            publish_at=now - timedelta(days=5 * i, hours=2),
        )
        for i in range(4)
    ]
    draft = make_birth(
        baby_name="Secret Draft Baby",
        slug="secret-draft-baby",
        status=Status.DRAFT,
        photo=make_photo("births/draft-baby.jpg"),
        photo_alt="A draft baby",
    )
    embargoed = make_wedding(
        partner_one="Embargoed Bride",
        slug="embargoed-bride",
        publish_at=now + timedelta(days=2),
        photo=make_photo("weddings/embargoed.jpg"),
        photo_alt="An embargoed couple",
    )
    unpublished = make_birth(baby_name="Unpublished Baby", slug="unpublished-baby")
    unpublished.status = Status.DRAFT
    unpublished.save()
    start_live_site()
    return {"births": births, "weddings": weddings, "draft": draft, "embargoed": embargoed}


def text_of(settings, url: str) -> str:
    return file_for(live_root(settings), url).read_text()


def everything_readers_get(settings) -> str:
    return "".join(path.read_text() for path in page_files(live_root(settings)).values())


def test_a_new_birth_reaches_its_page_the_list_the_feed_the_front_page_and_its_month(
    community, settings, tmp_path
):
    birth = make_birth(
        baby_name="Nora Louise Hansen",
        slug="nora-louise-hansen",
        parents="Emily and Sam Hansen",
        hometown="Carver",
        birth_date=date(2024, 4, 2),
        weight_pounds=8,
        weight_ounces=12,
        photo=make_photo("births/nora.jpg"),
        photo_alt="Nora, two days old",
        publish_at=timezone.now() - timedelta(minutes=1),
    )
    process_queue()
    page = text_of(settings, birth.get_absolute_url())
    assert birth.get_absolute_url().startswith(f"/births/{timezone.localdate():%Y/%m}/")
    assert "<h1>Nora Louise Hansen</h1>" in page
    assert "Born April 2, 2024, to Emily and Sam Hansen of Carver." in page
    assert "8 lb 12 oz" in page
    birth.refresh_from_db()
    assert f'src="{photo_src(birth)}"' in page and 'alt="Nora, two days old"' in page
    assert "media/births/nora.jpg" in media_files(live_root(settings))
    month = f"/archive/{timezone.localtime(birth.publish_at):%Y/%m}/"
    for url in ["/births/", "/", "/feeds/births.xml", "/sitemap.xml", month]:
        assert "Nora Louise Hansen" in text_of(settings, url) or birth.slug in text_of(
            settings, url
        ), url
    assert_same_as_full_build(settings, tmp_path)


def test_an_engagement_and_its_unpublishing_follow_every_page_like_a_full_build(
    community, settings, tmp_path
):
    wedding = make_wedding(
        partner_one="Lauren Grant",
        partner_two="Nate Fischer",
        slug="lauren-grant-and-nate-fischer",
        announcement=Wedding.Announcement.ENGAGEMENT,
        date=date(2027, 4, 24),
        place="the Millbrook Country Club",
    )
    process_queue()
    page = text_of(settings, wedding.get_absolute_url())
    assert "<h1>Lauren Grant and Nate Fischer</h1>" in page
    assert (
        "Engaged to be married; the wedding is planned for April 24, 2027, "
        "at the Millbrook Country Club." in page
    )
    for url in ["/weddings/", "/", "/feeds/weddings.xml"]:
        assert "Lauren Grant and Nate Fischer" in text_of(settings, url), url
    assert_same_as_full_build(settings, tmp_path)

    wedding.status = Status.DRAFT
    wedding.save()
    process_queue()
    assert not file_for(live_root(settings), wedding.get_absolute_url()).exists()
    assert "Lauren Grant" not in everything_readers_get(settings)
    assert_same_as_full_build(settings, tmp_path)


def test_an_edit_to_a_live_birth_rewrites_its_pages_and_nothing_more_than_a_build_would(
    community, settings, tmp_path
):
    birth = community["births"][5]  # on a numbered page, not the index
    birth.baby_name = "Olivia Rose Corrected"
    birth.save()
    result = process_queue()
    assert "Olivia Rose Corrected" in text_of(settings, "/births/page/1/")
    assert not [path for path in result.written if path.startswith(("news/", "crime/"))]
    assert_same_as_full_build(settings, tmp_path)


def test_drafts_embargoed_and_unpublished_announcements_are_nowhere_on_the_site(
    community, settings
):
    site = everything_readers_get(settings)
    for name in HIDDEN:
        assert name not in site, name
    assert not file_for(live_root(settings), community["draft"].get_absolute_url()).exists()
    assert not file_for(live_root(settings), community["embargoed"].get_absolute_url()).exists()
    media = media_files(live_root(settings))
    assert "media/births/draft-baby.jpg" not in media
    assert "media/weddings/embargoed.jpg" not in media


def test_an_embargoed_wedding_and_its_photo_go_live_when_cron_releases_it(
    community, settings, tmp_path
):
    wedding = community["embargoed"]
    # Its time comes (moved back, as if two days passed), with no save.
    Wedding.objects.filter(pk=wedding.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    PublishJob.objects.filter(kind="wedding", object_id=wedding.pk).delete()
    call_command("publish", verbosity=0)
    wedding.refresh_from_db()
    assert "Embargoed Bride" in text_of(settings, wedding.get_absolute_url())
    assert "Embargoed Bride" in text_of(settings, "/weddings/")
    assert "media/weddings/embargoed.jpg" in media_files(live_root(settings))
    assert_same_as_full_build(settings, tmp_path)


def test_the_lists_are_numbered_from_the_oldest_like_the_obituaries(community, settings):
    index = text_of(settings, "/births/")
    oldest_page = text_of(settings, "/births/page/1/")
    assert "Olivia Rose Number0" in index and "Olivia Rose Number6" not in index
    assert all(f"Olivia Rose Number{i}" in oldest_page for i in (4, 5, 6))
    assert 'href="/births/"' in oldest_page
    assert "/weddings/page/1/" not in page_files(live_root(settings))  # four fit the index
    assert 'href="/feeds/weddings.xml"' in text_of(settings, "/weddings/")


def test_the_feeds_parse_newest_first_with_absolute_links(community, settings):
    births = feedparser.parse(file_for(live_root(settings), "/feeds/births.xml").read_bytes())
    assert not births.bozo
    assert births.feed.title == "The Millbrook Ledger: Birth announcements"
    assert [e.title for e in births.entries] == [f"Olivia Rose Number{i}" for i in range(7)]
    first = community["births"][0]
    assert births.entries[0].link == settings.PUBLISHER_SITE_URL + first.get_absolute_url()
    assert births.entries[0].description == first.description

    weddings = feedparser.parse(file_for(live_root(settings), "/feeds/weddings.xml").read_bytes())
    assert not weddings.bozo
    assert [e.title for e in weddings.entries] == [
        f"Hannah Number{i} and Caleb Number{i}" for i in range(4)
    ]
    assert [e.tags[0].term for e in weddings.entries] == [
        "Wedding",
        "Engagement",
        "Wedding",
        "Engagement",
    ]


def test_the_month_archive_the_sitemap_and_the_navigation_include_them(community, settings):
    birth, wedding = community["births"][0], community["weddings"][0]
    month = text_of(settings, f"/archive/{timezone.localtime(birth.publish_at):%Y/%m}/")
    assert "Birth announcements" in month and birth.baby_name in month
    wedding_month = text_of(settings, f"/archive/{timezone.localtime(wedding.publish_at):%Y/%m}/")
    assert wedding.title in wedding_month
    sitemap = text_of(settings, "/sitemap.xml")
    assert "<!-- births 1 to 7 -->" in sitemap and "<!-- weddings 1 to 4 -->" in sitemap
    for url in ("/births/", "/weddings/", birth.get_absolute_url(), wedding.get_absolute_url()):
        assert f"<loc>{settings.PUBLISHER_SITE_URL}{url}</loc>" in sitemap, url
    nav = text_of(settings, "/news/")
    assert '<a href="/births/">Births</a>' in nav and '<a href="/weddings/">Weddings</a>' in nav


def test_the_front_page_community_column_shows_the_five_latest_of_each(community, settings):
    column = text_of(settings, "/").split('id="community"', 1)[1]
    assert [f"Olivia Rose Number{i}" in column for i in range(7)] == [True] * 5 + [False] * 2
    assert all(f"Hannah Number{i} and Caleb Number{i}" in column for i in range(4))


def test_wedding_words_read_well_without_a_date_or_place():
    engaged = Wedding(
        partner_one="A", partner_two="B", announcement=Wedding.Announcement.ENGAGEMENT
    )
    assert engaged.description == "Engaged to be married."
    engaged.place = "St. Mark's"
    assert engaged.description == "Engaged to be married; the wedding is planned at St. Mark's."
    married = Wedding(partner_one="A", partner_two="B", date=date(2024, 6, 1), place="")
    assert married.description == "Married June 1, 2024."
    assert Birth(weight_pounds=8, weight_ounces=0).weight == "8 lb"
    assert Birth().weight == ""


def random_announcement_edit(rng: random.Random) -> str:
    """One editor's change to a birth or a wedding, of the kinds that move
    pages: new, renamed, re-dated, unpublished, embargoed, deleted, photo."""
    op = rng.choice(["create", "rename", "date", "unpublish", "publish", "embargo", "delete",
                     "photo", "announcement"])  # fmt: skip
    model, make = rng.choice([(Birth, make_birth), (Wedding, make_wedding)])
    item = rng.choice(list(model.objects.order_by("id")))
    now = timezone.now()
    if op == "create":
        make(publish_at=now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(1, 999)))
    elif op == "rename":
        if model is Birth:
            item.baby_name = f"Renamed Baby{rng.randint(0, 10**6)}"
        else:
            item.partner_two = f"Renamed Partner{rng.randint(0, 10**6)}"
        item.save()
    elif op == "date":
        item.publish_at = min(item.publish_at - timedelta(days=rng.randint(-30, 60)), now)
        item.save()
    elif op == "unpublish":
        item.status = Status.DRAFT
        item.save()
    elif op == "publish":
        item.status = Status.PUBLISHED
        item.save()
    elif op == "embargo":
        item.publish_at = now + timedelta(days=rng.randint(1, 9))
        item.save()
    elif op == "delete" and model.objects.count() > 3:
        item.delete()
    elif op == "photo":
        item.photo = (
            make_photo(f"community/{rng.randint(0, 10**6)}.jpg") if rng.random() < 0.7 else ""
        )
        item.photo_alt = "A photo" if item.photo else ""
        item.save()
    elif op == "announcement" and model is Wedding:
        item.announcement = "engagement" if item.announcement == "wedding" else "wedding"
        item.save()
    return op


@pytest.mark.parametrize(
    ("seed", "sitemap_limit", "part_size"),
    # An index of parts (as past 50,000 URLs); one sitemap.xml in parts of 3.
    [(1, 50_000, 1000), (2, 12, 1000), (3, 50_000, 3)],
)
def test_after_any_sequence_of_edits_the_site_equals_a_full_build(
    community, settings, tmp_path, monkeypatch, seed, sitemap_limit, part_size
):
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", sitemap_limit)
    monkeypatch.setattr(sitemaps, "PART_SIZE", part_size)
    start_live_site()
    rng = random.Random(seed)
    done = []
    for step in range(20):
        for _ in range(rng.randint(1, 3)):
            done.append(random_announcement_edit(rng))
        if step % 10 == 9:
            assert_same_as_full_build(settings, tmp_path)
        else:
            process_queue()
    assert_same_as_full_build(settings, tmp_path)
    assert len(set(done)) >= 6, done
