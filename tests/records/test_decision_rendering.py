"""A takedown decision renders the item's new body before its transaction
(on SQLite, the write lock), from a script and from the admin alike."""

from __future__ import annotations

from django.urls import reverse

from content.models import Story
from records.decisions import decide
from records.models import Decision, TakedownRequest
from tests.records.conftest import NAME
from tests.support import page_text


def anonymising(asked: TakedownRequest) -> TakedownRequest:
    asked.decision = Decision.ANONYMISE
    asked.names = f"Ms. Zyndrowski\n{NAME}\nZyndrowski"
    asked.replacement = "a Millbrook teenager"
    return asked


def test_anonymising_from_a_script_renders_before_the_transaction(desk, asked, renders):
    decide(anonymising(asked), desk["editor"])
    story = Story.objects.get(pk=desk["story"].pk)
    assert "a Millbrook teenager" in story.body_html and "yndrowski" not in story.body_html
    assert renders and set(renders) == {0}


def test_removing_from_a_script_renders_nothing_inside_the_transaction(desk, asked, renders):
    asked.decision = Decision.REMOVE
    decide(asked, desk["editor"])
    assert Story.objects.get(pk=desk["story"].pk).status == "draft"
    assert set(renders) <= {0}


def test_deciding_in_the_admin_renders_before_its_transaction(desk, asked, client, renders):
    client.force_login(desk["editor"])
    response = client.post(
        reverse("admin:records_takedownrequest_change", args=[asked.pk]),
        {
            "requester": asked.requester,
            "contact": asked.contact,
            "kind": "story",
            "object_id": desk["story"].pk,
            "reason": asked.reason,
            "received_at_0": "2026-11-20",
            "received_at_1": "10:00:00",
            "decision": "anonymise",
            "names": f"Ms. Zyndrowski\r\n{NAME}\r\nZyndrowski",
            "replacement": "a Millbrook teenager",
            "note": "The policy applies.",
        },
        follow=True,
    )
    assert "Decided: Anonymise" in page_text(response)
    assert "a Millbrook teenager" in Story.objects.get(pk=desk["story"].pk).body_html
    assert renders and set(renders) == {0}
