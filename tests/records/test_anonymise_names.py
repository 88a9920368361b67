"""Anonymising a name however the text writes it (line breaks, non-breaking
spaces, entities, accents), checked on the built files before the decision
says the name is gone; and the name leaving the older revisions, the older
releases and lighttpd's compressed copies."""

from __future__ import annotations

import gzip
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from reversion.models import Version

from content.models import Story
from publisher.lighttpd import deflate_installed
from publisher.locks import build_lock
from publisher.models import PublishJob
from publisher.publish import process_queue
from publisher.releases import releases_dir, trash_dir
from records.decisions import NotYetGone, decide, publish_decision
from records.models import AuditEntry, Decision, TakedownRequest
from records.names import readable, shown_pattern
from tests.records.conftest import files_naming
from tests.support import (
    assert_same_as_full_build,
    build,
    fetch,
    file_for,
    lighttpd,
    live_root,
    make_author,
    make_section,
    make_story,
    member_of,
    needs_lighttpd,
    start_live_site,
)

# How the name is spelled in the stored text: never once "José Núñez" with
# one plain space between composed letters.
HEADLINE = "José\u00a0Núñez speaks up at the council"
BODY = (
    "José\nNúñez, 41, asked about the bridge.\n\n"
    "Residents applauded José  Núñez.<br>Later JOSE\u2009NUNEZ left.\n\n"
    "<p>Jos&eacute;&nbsp;N&uacute;&ntilde;ez said thanks.</p>\n\n"
    "His neighbour Zoë\nO’Brien agreed; Zoë O'Brien filmed it."
)
FOLDED = (b"nunez", "núñez".encode(), b"n&uacute;&ntilde;ez", b"o\xe2\x80\x99brien", b"obrien")


@pytest.fixture
def council(db, settings, tmp_path):
    settings.PUBLISHER_SEARCH = True
    settings.PUBLISHER_PAGE_SIZE = 3
    settings.VAR_DIR = tmp_path / "var"
    now = timezone.now()
    news = make_section(name="Local News", slug="local-news")
    author = make_author(name="Ann Archer", slug="ann-archer")
    for i in range(4):
        make_story(
            authors=[author],
            section=news,
            headline=f"Council story {i}",
            slug=f"council-story-{i}",
            publish_at=now - timedelta(days=i, hours=1),
        )
    story = make_story(
        authors=[author],
        section=news,
        headline=HEADLINE,
        slug="jose-nunez-speaks-up",
        dek="Núñez and O’Brien asked about the bridge.",
        body=BODY,
        publish_at=now - timedelta(days=1),
    )
    start_live_site()
    editor = member_of("Editors", "eddie")
    asked = TakedownRequest.objects.create(
        requester="José Núñez",
        contact="jn@example.org",
        kind="story",
        object_id=story.pk,
        reason="Please take our names out.",
        decision=Decision.ANONYMISE,
        names="José Núñez\nNúñez\nZoë O'Brien\nO'Brien",
        replacement="a resident",
    )
    return {"story": story, "editor": editor, "asked": asked, "author": author}


def test_the_site_shows_the_name_before_the_decision(council, settings):
    found = files_naming(live_root(settings), FOLDED)
    assert "index.html" in found and "feeds/news.xml" in found and "sitemap.xml" in found
    assert any(f.startswith("search/") for f in found)


def test_a_name_split_by_a_line_break_nbsp_two_spaces_or_an_entity_leaves_every_built_file(
    council, settings, tmp_path
):
    story = council["story"]
    decide(council["asked"], council["editor"])
    publish_decision(council["asked"], council["editor"])

    story.refresh_from_db()
    assert story.headline == "A resident speaks up at the council"
    assert story.dek == "A resident and a resident asked about the bridge."
    assert story.body.startswith("A resident, 41, asked about the bridge.")
    assert "Residents applauded a resident.<br>Later a resident left." in story.body
    assert "<p>A resident said thanks.</p>" in story.body
    assert story.body.endswith("His neighbour a resident agreed; a resident filmed it.")
    assert story.slug == "a-resident-speaks-up"
    root = live_root(settings)
    assert files_naming(root, FOLDED) == []
    page = file_for(root, story.get_absolute_url()).read_text()
    assert "<h1>A resident speaks up at the council</h1>" in page
    checked = AuditEntry.objects.get(action="checked")
    assert "the old text is in no built file" in checked.detail
    assert_same_as_full_build(settings, tmp_path)


def test_the_decision_does_not_report_success_while_a_built_file_shows_the_name(council, settings):
    # The byline names him too: an author's name is not the item's text.
    author = council["author"]
    author.name = "José Núñez"
    author.save()
    process_queue()
    decide(council["asked"], council["editor"])

    with pytest.raises(NotYetGone) as caught:
        publish_decision(council["asked"], council["editor"])

    story = Story.objects.get(pk=council["story"].pk)
    page = story.get_absolute_url().lstrip("/") + "index.html"
    assert any(page in place for place in caught.value.places), caught.value.places
    assert any("feeds/news.xml" in place for place in caught.value.places)
    line = AuditEntry.objects.get(action="check failed")
    assert page in line.detail
    assert not AuditEntry.objects.filter(action="checked").exists()


def test_the_older_revisions_are_redacted_and_keep_who_saved_them(council):
    story = council["story"]
    story.body += "\n\nUpdated: José Núñez declined to comment."
    story.save()
    before = list(
        Version.objects.get_for_object(story).values_list(
            "pk", "revision__user", "revision__date_created"
        )
    )
    assert len(before) >= 2
    assert any(
        shown_pattern(["Núñez"]).search(v.serialized_data + v.object_repr)
        for v in Version.objects.get_for_object(story)
    )

    decide(council["asked"], council["editor"])

    versions = list(Version.objects.get_for_object(story))
    assert len(versions) == len(before) + 1  # the decision's own revision
    pattern = shown_pattern(council["asked"].name_list())
    for version in versions:
        assert not pattern.search(version.serialized_data), version.serialized_data
        assert not pattern.search(version.object_repr), version.object_repr
        fields = version.field_dict  # still readable by History and Compare
        assert fields["headline"] == "A resident speaks up at the council"
    kept = {(pk, user, at) for pk, user, at in before}
    assert kept <= {(v.pk, v.revision.user_id, v.revision.date_created) for v in versions}
    line = AuditEntry.objects.get(action="decided: anonymise")
    assert "older revision(s)" in line.detail


def test_the_name_leaves_the_older_releases_kept_under_build(council, settings):
    build(settings)  # a second release; the first is kept for a rollback
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    assert len([p for p in releases_dir(build_dir).iterdir() if p.is_dir()]) == 2

    decide(council["asked"], council["editor"])
    publish_decision(council["asked"], council["editor"])

    assert [p.resolve() for p in releases_dir(build_dir).iterdir()] == [live_root(settings)]
    assert files_naming(releases_dir(build_dir), FOLDED) == []
    # Out of releases/ at once; deleted from the disk in the background.
    # gone.json keeps the old address, to answer 410 there (never served).
    assert emptied(trash_dir(build_dir))
    assert files_naming(build_dir, FOLDED) == ["gone.json"]


def emptied(trash: Path) -> bool:
    for _ in range(200):
        if not any(trash.iterdir()):
            return True
        time.sleep(0.05)
    return False


def test_a_removed_items_text_leaves_the_older_releases_too(council, settings):
    build(settings)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    assert files_naming(releases_dir(build_dir), (b"asked about the bridge",))
    asked = council["asked"]
    asked.decision = Decision.REMOVE
    decide(asked, council["editor"])
    publish_decision(asked, council["editor"])

    assert [p.resolve() for p in releases_dir(build_dir).iterdir()] == [live_root(settings)]
    assert files_naming(releases_dir(build_dir), (b"asked about the bridge",)) == []
    line = AuditEntry.objects.get(action="checked")
    assert "1 older release(s)" in line.detail and "Checked" not in line.detail


@needs_lighttpd
@pytest.mark.skipif(not deflate_installed(), reason="lighttpd has no mod_deflate")
def test_the_name_leaves_lighttpds_compressed_copies(council, settings):
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    var_dir = Path(settings.VAR_DIR)
    url = council["story"].get_absolute_url()
    with lighttpd(build_dir, var_dir) as (base, _):
        for path in (url, "/", "/feeds/news.xml", "/news/"):
            status, headers, _ = fetch(base + path, {"Accept-Encoding": "gzip"})
            assert (status, headers["Content-Encoding"]) == (200, "gzip"), path
        cache = var_dir / "lighttpd-deflate"
        assert files_naming(cache, FOLDED)  # compressed copies of the pages

        decide(council["asked"], council["editor"])
        publish_decision(council["asked"], council["editor"])

        assert files_naming(cache, FOLDED) == []
        status, headers, body = fetch(base + "/", {"Accept-Encoding": "gzip"})
        assert status == 200 and b"A resident speaks up" in gzip.decompress(body)


def test_a_decision_before_the_first_build_is_applied_and_says_so(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    story = make_story(headline="José Núñez speaks", slug="jose-nunez-speaks")
    asked = TakedownRequest.objects.create(
        requester="J", contact="j@example.org", kind="story", object_id=story.pk, reason="r",
        decision=Decision.ANONYMISE, names="José Núñez", replacement="a resident",
    )  # fmt: skip
    decide(asked, member_of("Editors", "eddie"))
    assert "Checked" in publish_decision(asked)
    assert Story.objects.get(pk=story.pk).headline == "A resident speaks"


def test_a_build_running_meanwhile_keeps_the_decision_from_saying_it_is_done(council, settings):
    build(settings)
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    decide(council["asked"], council["editor"])
    with build_lock(build_dir), pytest.raises(NotYetGone, match="--keep 1"):
        publish_decision(council["asked"], council["editor"])
    assert AuditEntry.objects.get(action="check failed")


def test_the_checked_files_are_read_as_a_browser_gets_them():
    # The search index's files are gzip; JSON writes accents as escapes.
    data = gzip.compress(json.dumps({"t": "José Núñez"}).encode())
    assert shown_pattern(["José Núñez"]).search(readable(data))


def test_a_decision_made_in_the_admin_is_published_and_checked_before_it_says_so(
    council, client, settings
):
    asked = council["asked"]
    TakedownRequest.objects.filter(pk=asked.pk).update(decision="")
    client.force_login(council["editor"])
    response = client.post(
        f"/admin/records/takedownrequest/{asked.pk}/change/",
        {
            "requester": asked.requester,
            "contact": asked.contact,
            "kind": "story",
            "object_id": asked.object_id,
            "reason": asked.reason,
            "received_at_0": "2026-11-20",
            "received_at_1": "10:00:00",
            "decision": "anonymise",
            "names": asked.names,
            "replacement": "a resident",
            "note": "Agreed.",
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("the old text is in no built file" in t for t in texts), texts
    assert not PublishJob.objects.filter(status=PublishJob.Status.QUEUED).exists()
    assert files_naming(live_root(settings), FOLDED) == []
