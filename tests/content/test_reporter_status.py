"""A Reporter's save is always a draft, whatever the browser sends.

Two layers keep it so: the status is read-only on a Reporter's form, and the
save sets Draft for anyone without the publish permission. Over HTTP each
layer hides the other (a read-only field ignores the posted status; the save
overrides it anyway), so each is tested here with the other out of the way.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin

from content.admin import PublishableAdmin
from content.models import CrimeReport, Obituary, Status, Story
from tests.support import (
    admin_url,
    crime_form,
    make_author,
    make_crime,
    make_obituary,
    make_story,
    member_of,
    obituary_form,
    story_form,
)

pytestmark = pytest.mark.django_db

KINDS = {
    "story": (Story, make_story, lambda: story_form([make_author()])),
    "obituary": (Obituary, make_obituary, obituary_form),
    "crimereport": (CrimeReport, make_crime, crime_form),
}


def form_as_posted(model_name: str, **overrides: Any) -> dict[str, Any]:
    return {**KINDS[model_name][2](), **overrides}


@pytest.fixture
def reporter(client):
    client.force_login(member_of("Reporters", "rita"))
    return client


@pytest.mark.parametrize("model_name", KINDS)
def test_a_reporters_add_form_shows_the_status_but_offers_no_way_to_change_it(reporter, model_name):
    page = reporter.get(admin_url(model_name, "add"))
    assert page.status_code == 200
    assert "status" not in page.context["adminform"].form.fields
    html = page.content.decode()
    assert 'name="status"' not in html
    assert '<div class="readonly">Draft</div>' in html


@pytest.mark.parametrize("model_name", KINDS)
def test_a_reporters_change_form_of_a_draft_offers_no_way_to_publish_it(reporter, model_name):
    draft = KINDS[model_name][1](status=Status.DRAFT)
    page = reporter.get(admin_url(model_name, "change", draft.pk))
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    assert "status" not in page.context["adminform"].form.fields
    assert 'name="status"' not in page.content.decode()


@pytest.fixture
def status_field_left_editable(monkeypatch):
    """The form as an editor gets it (status editable), so only the save
    stands between a Reporter's POST and the site."""
    monkeypatch.setattr(
        PublishableAdmin, "get_readonly_fields", admin.ModelAdmin.get_readonly_fields
    )


@pytest.mark.parametrize("model_name", KINDS)
def test_a_reporters_new_item_posted_as_published_is_saved_as_a_draft(
    reporter, status_field_left_editable, model_name
):
    assert "status" in reporter.get(admin_url(model_name, "add")).context["adminform"].form.fields
    data = form_as_posted(model_name, status=Status.PUBLISHED)
    response = reporter.post(admin_url(model_name, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    model = KINDS[model_name][0]
    assert model.objects.get(slug=data["slug"]).status == Status.DRAFT


@pytest.mark.parametrize("model_name", KINDS)
def test_a_reporters_draft_posted_back_as_published_stays_a_draft(
    reporter, status_field_left_editable, model_name
):
    model, make, _ = KINDS[model_name]
    data = form_as_posted(model_name, status=Status.PUBLISHED)
    draft = make(status=Status.DRAFT, slug=data["slug"])
    if model_name == "story":
        data.update(
            {
                "section": draft.section_id,
                "bylines-0-id": draft.bylines.get().pk,
                "bylines-0-story": draft.pk,
                "bylines-0-author": draft.bylines.get().author_id,
                "bylines-INITIAL_FORMS": "1",
            }
        )
    response = reporter.post(admin_url(model_name, "change", draft.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_an_editors_form_still_publishes(client):
    """The guard is for Reporters only (else the tests above prove nothing)."""
    client.force_login(member_of("Editors", "ed"))
    data = form_as_posted("story", status=Status.PUBLISHED)
    assert client.post(admin_url("story", "add"), data).status_code == 302
    assert Story.objects.get(slug=data["slug"]).status == Status.PUBLISHED
