"""Takedown decisions end to end: what a reader, a search engine and the
bucket get after an editor declines, anonymises or removes an item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from content.models import Story
from publisher.models import Gone, PublishJob, Redirect
from publisher.publish import process_queue
from records.decisions import decide
from records.models import AuditEntry, Decision, TakedownRequest
from tests.records.conftest import NAME, files_naming
from tests.support import (
    assert_same_as_full_build,
    file_for,
    live_root,
    make_birth,
    make_crime,
    make_obituary,
    make_wedding,
    member_of,
    start_live_site,
)


def anonymise(asked: TakedownRequest, editor) -> TakedownRequest:
    asked.decision = Decision.ANONYMISE
    # Longest first: "Ms. Zyndrowski" becomes the wording, not "Ms. <wording>".
    asked.names = f"{NAME}\nZyndrowski\nMs. Zyndrowski"
    asked.replacement = "a Millbrook teenager"
    return decide(asked, editor)


def test_the_site_holds_the_name_before_any_decision(desk, settings):
    # The check below would find it: the name is on the item's page, the
    # lists, the feed, the sitemap's URL, the search index, the photo's name.
    found = files_naming(live_root(settings))
    assert any(f.startswith("search/") for f in found)
    assert "feeds/news.xml" in found and "index.html" in found and "sitemap.xml" in found


def test_anonymising_takes_the_name_out_of_every_file_of_the_site_in_one_publish(
    desk, asked, settings, tmp_path
):
    story = desk["story"]
    old_url = story.get_absolute_url()

    anonymise(asked, desk["editor"])
    assert PublishJob.objects.filter(status=PublishJob.Status.QUEUED).count() == 1
    process_queue()

    root = live_root(settings)
    assert files_naming(root) == []
    story.refresh_from_db()
    # At the start of a headline or sentence, the wording takes a capital.
    assert story.headline == "A Millbrook teenager fined for graffiti on the water tower"
    assert story.slug == "a-millbrook-teenager-fined-for-graffiti"
    assert "<strong>a Millbrook teenager</strong> admitted" in story.body_html
    assert "<p>A Millbrook teenager paid the fine.</p>" in story.body_html
    assert not story.photo and story.photo_alt == ""
    page = file_for(root, story.get_absolute_url()).read_text()
    assert "A Millbrook teenager fined" in page
    assert not (root / "media/photos/zyndrowski-court.jpg").exists()
    # The old address held the name: it is gone (410), and leads nowhere.
    assert not Redirect.objects.filter(old_path=old_url).exists()
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    assert json.loads((build_dir / "redirects.json").read_text()) == {}
    assert list(json.loads((build_dir / "gone.json").read_text())) == [old_url]
    assert not file_for(root, old_url).exists()
    assert_same_as_full_build(settings, tmp_path)


def test_removing_leaves_a_gone_page_and_the_item_nowhere_else(desk, asked, settings, tmp_path):
    story = desk["story"]
    url = story.get_absolute_url()
    asked.decision = Decision.REMOVE
    decide(asked, desk["editor"])
    process_queue()

    root = live_root(settings)
    assert files_naming(root) == []
    assert files_naming(root, (b"graffiti",)) == []
    gone_page = file_for(root, url).read_text()
    assert "This item was removed" in gone_page
    assert '<meta name="robots" content="noindex">' in gone_page
    assert Gone.objects.get(path=url).kind == "story"
    gone = json.loads((Path(settings.PUBLISHER_BUILD_DIR) / "gone.json").read_text())
    assert list(gone) == [url]
    assert Story.objects.get(pk=story.pk).status == "draft"
    assert_same_as_full_build(settings, tmp_path)


def test_declining_changes_nothing_on_the_site_and_records_the_decision(desk, asked, settings):
    asked.decision = Decision.DECLINE
    asked.note = "Court records are public; the report is accurate."
    decide(asked, desk["editor"])

    assert PublishJob.objects.filter(status=PublishJob.Status.QUEUED).count() == 0
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("decided", desk["editor"])
    assert AuditEntry.objects.get(action="decided: decline").actor_name == "eddie"


def test_a_reporter_cannot_decide(desk, asked):
    asked.decision = Decision.REMOVE
    with pytest.raises(PermissionDenied):
        decide(asked, desk["reporter"])
    assert TakedownRequest.objects.get(pk=asked.pk).status == "received"
    assert Story.objects.get(pk=desk["story"].pk).status == "published"


def test_a_decided_request_is_never_decided_again(desk, asked):
    asked.decision = Decision.DECLINE
    decide(asked, desk["editor"])
    asked.decision = Decision.REMOVE
    with pytest.raises(ValidationError, match="part of the record"):
        decide(asked, desk["editor"])
    assert Story.objects.get(pk=desk["story"].pk).status == "published"


def test_anonymising_needs_the_name_and_wording_that_does_not_repeat_it(desk, asked):
    asked.decision = Decision.ANONYMISE
    asked.names, asked.replacement = "", "someone"
    with pytest.raises(ValidationError, match="Give the name"):
        decide(asked, desk["editor"])
    asked.names, asked.replacement = "Zyndrowski", "Ms. Zyndrowski's sister"
    with pytest.raises(ValidationError, match="contains the name"):
        decide(asked, desk["editor"])
    assert Story.objects.get(pk=desk["story"].pk).headline.startswith(NAME)


def test_every_kind_of_item_can_be_anonymised_by_its_declaration_alone(db, settings, tmp_path):
    settings.PUBLISHER_SEARCH = True
    items = [
        make_obituary(full_name="Walter Zyndrowski", slug="walter-zyndrowski"),
        make_crime(title="Zyndrowski arrested", slug="zyndrowski-arrested", body="Zyndrowski, 40."),
        make_birth(baby_name="Mia Zyndrowski", parents="Jo and Al Zyndrowski", slug="mia-z"),
        make_wedding(partner_one="Ann Zyndrowski", partner_two="Bo Lee", slug="ann-zyndrowski-bo"),
    ]
    start_live_site()
    editor = member_of("Editors", "eddie")
    assert files_naming(live_root(settings))
    for item in items:
        asked = TakedownRequest.objects.create(
            requester="Family", contact="x@example.org", kind=item.kind, object_id=item.pk,
            reason="Please.", decision=Decision.ANONYMISE, names="Zyndrowski", replacement="Z.",
        )  # fmt: skip
        decide(asked, editor)
    process_queue()
    assert files_naming(live_root(settings)) == []
    assert_same_as_full_build(settings, tmp_path)
