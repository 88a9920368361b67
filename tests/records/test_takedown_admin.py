"""The request queue and the audit log in the admin: who may do what."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from content.models import Story
from records.models import AuditEntry, TakedownRequest, log
from tests.records.conftest import NAME, files_naming
from tests.support import assert_same_as_full_build, live_root, page_text


def request_form(**overrides) -> dict:
    return {
        "requester": "Jane Zyndrowski",
        "contact": "jane@example.org",
        "kind": "story",
        "reason": "A first offence, five years ago.",
        "received_at_0": "2026-11-20",
        "received_at_1": "10:00:00",
        **overrides,
    }


def change_url(request: TakedownRequest) -> str:
    return reverse("admin:records_takedownrequest_change", args=[request.pk])


def test_a_reporter_logs_a_request_but_a_decision_they_post_is_refused(desk, client):
    client.force_login(desk["reporter"])
    response = client.post(
        reverse("admin:records_takedownrequest_add"),
        request_form(object_id=desk["story"].pk),
    )
    assert response.status_code == 302, page_text(response)[:3000]
    asked = TakedownRequest.objects.get()
    assert asked.logged_by == desk["reporter"]
    assert AuditEntry.objects.get().action == "request logged"

    form = client.get(change_url(asked))
    assert 'name="decision"' not in page_text(form)
    response = client.post(
        change_url(asked),
        request_form(
            object_id=desk["story"].pk,
            reason="Edited with it.",
            decision="remove",
            note="Take it down.",
        ),
    )
    assert response.status_code == 403  # not "changed successfully"
    asked.refresh_from_db()
    assert (asked.status, asked.decision, asked.note) == ("received", "", "")
    assert asked.reason == "A first offence, five years ago."  # nothing of the POST saved
    assert Story.objects.get(pk=desk["story"].pk).status == "published"
    assert AuditEntry.objects.count() == 1

    # Without a decision, the reporter's edit of the request is saved as before.
    response = client.post(
        change_url(asked), request_form(object_id=desk["story"].pk, reason="Edited.")
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.reason == "Edited."


def test_a_request_about_an_item_that_does_not_exist_is_refused(desk, client):
    client.force_login(desk["reporter"])
    response = client.post(
        reverse("admin:records_takedownrequest_add"), request_form(object_id=999999)
    )
    assert response.status_code == 200
    assert "There is no story number 999999." in page_text(response)
    assert not TakedownRequest.objects.exists()


def test_an_editor_decides_in_the_admin_and_the_site_follows(
    desk, asked, client, settings, tmp_path
):
    client.force_login(desk["editor"])
    response = client.post(
        change_url(asked),
        request_form(
            object_id=desk["story"].pk,
            decision="anonymise",
            names=f"Ms. Zyndrowski\n{NAME}\nZyndrowski",
            replacement="a Millbrook teenager",
            note="A minor offence, years old; the policy applies.",
        ),
        follow=True,
    )
    assert "Decided: Anonymise" in page_text(response)
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("decided", desk["editor"])
    assert_same_as_full_build(settings, tmp_path)
    assert files_naming(live_root(settings)) == []

    # Decided: every field is read-only now, and a crafted POST changes nothing.
    form = page_text(client.get(change_url(asked)))
    assert 'name="decision"' not in form and 'name="note"' not in form
    client.post(change_url(asked), request_form(object_id=1, decision="remove", note="x"))
    asked.refresh_from_db()
    assert (asked.decision, asked.object_id) == ("anonymise", desk["story"].pk)


def test_a_decision_missing_its_wording_is_a_form_error_and_nothing_happens(desk, asked, client):
    client.force_login(desk["editor"])
    response = client.post(
        change_url(asked),
        request_form(object_id=desk["story"].pk, decision="anonymise", names=NAME),
    )
    assert response.status_code == 200
    assert "Give the wording that replaces the name." in page_text(response)
    asked.refresh_from_db()
    assert asked.status == "received"
    assert Story.objects.get(pk=desk["story"].pk).headline.startswith(NAME)


def test_nobody_deletes_a_request(desk, asked, client):
    superuser = User.objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(superuser)
    url = reverse("admin:records_takedownrequest_delete", args=[asked.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert TakedownRequest.objects.filter(pk=asked.pk).exists()


def test_the_audit_log_cannot_be_added_to_changed_or_deleted_in_the_admin_by_anyone(
    desk, asked, client
):
    entry = log("request logged", desk["reporter"], asked, "logged by hand")
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-only"))
    changelist = client.get(reverse("admin:records_auditentry_changelist"))
    assert changelist.status_code == 200 and "logged by hand" in page_text(changelist)
    assert client.get(reverse("admin:records_auditentry_add")).status_code == 403
    change = reverse("admin:records_auditentry_change", args=[entry.pk])
    assert 'name="_save"' not in page_text(client.get(change))
    assert client.post(change, {"action": "changed", "detail": "x"}).status_code == 403
    delete = reverse("admin:records_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:records_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.action, entry.detail) == ("request logged", "logged by hand")


def test_no_code_path_changes_or_deletes_an_audit_line(desk, asked):
    entry = log("request logged", desk["reporter"], asked, "the line")
    entry.detail = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        entry.save()
    with pytest.raises(ValidationError, match="append-only"):
        entry.delete()
    with pytest.raises(ValidationError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(ValidationError, match="append-only"):
        AuditEntry.objects.all().delete()
    # An account that goes leaves its name on the line.
    desk["reporter"].delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_name, entry.detail) == (None, "rita", "the line")
