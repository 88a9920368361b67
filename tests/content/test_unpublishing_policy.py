"""/policies/unpublishing/: the policy editors keep in the admin."""

from __future__ import annotations

from django.urls import reverse

from content.policies import UnpublishingPolicy
from publisher.publish import process_queue
from tests.support import (
    assert_same_as_full_build,
    build,
    file_for,
    live_root,
    member_of,
    page_text,
)


def test_the_site_has_the_default_policy_until_an_editor_writes_one(db, settings):
    root = build(settings)
    page = file_for(root, "/policies/unpublishing/").read_text()
    assert "<h1>Our unpublishing policy</h1>" in page
    assert "<strong>anonymise</strong>" in page


def test_an_editor_edits_the_policy_and_its_page_is_republished(db, settings, client, tmp_path):
    build(settings)
    client.force_login(member_of("Editors", "eddie"))
    add = reverse("admin:content_unpublishingpolicy_add")
    response = client.post(add, {"title": "Unpublishing", "body": "We **never** unpublish."})
    assert response.status_code == 302, page_text(response)[:2000]
    assert client.get(add).status_code == 403  # one policy: edit it from now on
    policy = UnpublishingPolicy.objects.get()
    change = reverse("admin:content_unpublishingpolicy_change", args=[policy.pk])
    client.post(change, {"title": "Unpublishing", "body": "We *rarely* unpublish."})
    process_queue()

    page = file_for(live_root(settings), "/policies/unpublishing/").read_text()
    assert "<em>rarely</em>" in page and "never" not in page
    assert_same_as_full_build(settings, tmp_path)


def test_a_reporter_reads_the_policy_but_cannot_change_it(db, client):
    policy = UnpublishingPolicy.objects.create()
    client.force_login(member_of("Reporters", "rita"))
    change = reverse("admin:content_unpublishingpolicy_change", args=[policy.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"title": "Hacked", "body": "x"})
    policy.refresh_from_db()
    assert policy.title == "Our unpublishing policy"
