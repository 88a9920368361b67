"""The newsroom admin, as an editor on deadline uses it."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from content.models import Author, Byline, CrimeReport, Obituary, Section, Status, Story
from tests.support import (
    admin_url,
    crime_form,
    obituary_form,
    page_text,
    story_form,
    unique_number,
)

pytestmark = pytest.mark.django_db

# --- helpers -----------------------------------------------------------------
# Makers with this module's own defaults (a new section for each story, all
# published an hour ago); the shared ones and the admin's forms are in
# tests.support, and share its counter so slugs never collide.


def make_section(**overrides: Any) -> Section:
    n = unique_number()
    fields = {"name": f"Section {n}", "slug": f"section-{n}", **overrides}
    return Section.objects.create(**fields)


def make_author(**overrides: Any) -> Author:
    n = unique_number()
    fields = {"name": f"Reporter {n}", "slug": f"reporter-{n}", **overrides}
    return Author.objects.create(**fields)


def make_story(*, authors: list[Author] | None = None, **overrides: Any) -> Story:
    n = unique_number()
    fields = {
        "headline": f"Story number {n}",
        "slug": f"story-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=1),
        "body": f"Paragraph {n}.",
        **overrides,
    }
    if "section" not in fields:
        fields["section"] = make_section()
    story = Story.objects.create(**fields)
    for position, author in enumerate(authors if authors is not None else [make_author()]):
        Byline.objects.create(story=story, author=author, position=position)
    return story


def make_obituary(**overrides: Any) -> Obituary:
    n = unique_number()
    fields = {
        "full_name": f"Person {n}",
        "slug": f"person-{n}",
        "death_date": timezone.localdate() - timedelta(days=2),
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=1),
        **overrides,
    }
    return Obituary.objects.create(**fields)


def make_crime(**overrides: Any) -> CrimeReport:
    n = unique_number()
    fields = {
        "title": f"Incident {n}",
        "slug": f"incident-{n}",
        "incident_type": CrimeReport.Incident.THEFT,
        "occurred_at": timezone.now() - timedelta(days=1),
        "address_block": "400 block of Elm St",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=1),
        **overrides,
    }
    return CrimeReport.objects.create(**fields)


MAKERS = {
    "section": make_section,
    "author": make_author,
    "story": make_story,
    "obituary": make_obituary,
    "crimereport": make_crime,
}
PUBLISHABLE_MAKERS = {"story": make_story, "obituary": make_obituary, "crimereport": make_crime}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- every page answers ----------------------------------------------------------


def test_the_admin_is_titled_with_the_papers_name(admin_client, settings):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert f"{settings.PUBLISHER_SITE_NAME} — newsroom" in page_text(response)


@pytest.mark.parametrize("model_name", MAKERS)
def test_every_changelist_answers_with_rows_in_it(admin_client, model_name):
    MAKERS[model_name]()
    MAKERS[model_name]()

    response = admin_client.get(admin_url(model_name, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


@pytest.mark.parametrize("model_name", PUBLISHABLE_MAKERS)
def test_the_date_drill_down_answers_at_every_level(admin_client, model_name):
    item = PUBLISHABLE_MAKERS[model_name]()
    when = timezone.localtime(item.publish_at)
    url = admin_url(model_name, "changelist")

    for params in (
        {"publish_at__year": when.year},
        {"publish_at__year": when.year, "publish_at__month": when.month},
        {
            "publish_at__year": when.year,
            "publish_at__month": when.month,
            "publish_at__day": when.day,
        },
    ):
        response = admin_client.get(url, params)
        assert response.status_code == 200, params
        assert list(response.context["cl"].result_list) == [item], params


@pytest.mark.parametrize("model_name", MAKERS)
def test_every_add_and_change_form_answers(admin_client, model_name):
    obj = MAKERS[model_name]()

    assert admin_client.get(admin_url(model_name, "add")).status_code == 200
    assert admin_client.get(admin_url(model_name, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model_name", PUBLISHABLE_MAKERS)
def test_the_changelist_makes_the_same_number_of_queries_for_3_rows_as_for_30(
    admin_client, model_name
):
    make = PUBLISHABLE_MAKERS[model_name]
    url = admin_url(model_name, "changelist")
    extra = {}
    if model_name == "story":
        # Shared section and authors, as in a real paper; each story has two.
        section, authors = make_section(), [make_author(), make_author()]
        extra = {"section": section, "authors": authors}
    for _ in range(3):
        make(**extra)
    admin_client.get(url)  # the session and user are loaded once per client anyway

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    for _ in range(27):
        make(**extra)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["cl"].result_count == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_story_list_shows_every_author_in_byline_order(admin_client):
    first, second = make_author(name="Ann Lee"), make_author(name="Bo Diaz")
    make_story(authors=[first, second])

    response = admin_client.get(admin_url("story", "changelist"))

    assert '<td class="field-byline">Ann Lee, Bo Diaz</td>' in page_text(response)


# --- the list: live?, filters, search -----------------------------------------------


def test_the_list_tells_drafts_scheduled_and_live_stories_apart(admin_client):
    now = timezone.now()
    make_story(headline="Draft piece", status=Status.DRAFT)
    make_story(headline="Embargoed piece", publish_at=now + timedelta(days=1))
    make_story(headline="Live piece", publish_at=now - timedelta(days=1))

    html = page_text(admin_client.get(admin_url("story", "changelist")))

    for headline, state in [
        ("Draft piece", "Draft"),
        ("Embargoed piece", "Scheduled"),
        ("Live piece", "Live"),
    ]:
        row = re.search(rf"<tr>(?:(?!</tr>).)*{headline}(?:(?!</tr>).)*</tr>", html, re.S)
        assert row, headline
        assert f'<td class="field-live_state">{state}</td>' in row.group(0), headline


@pytest.mark.parametrize(
    ("state", "expected"),
    [("draft", "Draft piece"), ("scheduled", "Embargoed piece"), ("live", "Live piece")],
)
def test_the_status_filter_finds_drafts_scheduled_and_live_stories(admin_client, state, expected):
    now = timezone.now()
    make_story(headline="Draft piece", status=Status.DRAFT)
    make_story(headline="Embargoed piece", publish_at=now + timedelta(days=1))
    make_story(headline="Live piece", publish_at=now - timedelta(days=1))

    response = admin_client.get(admin_url("story", "changelist"), {"state": state})

    assert [s.headline for s in response.context["cl"].result_list] == [expected]


def test_the_section_and_date_filters_narrow_the_story_list(admin_client):
    sports = make_section(name="Sports", slug="sports")
    wanted = make_story(section=sports)
    make_story(section=sports, publish_at=timezone.now() - timedelta(days=60))
    make_story()

    response = admin_client.get(
        admin_url("story", "changelist"),
        {
            "section__id__exact": sports.pk,
            # The "Past 7 days" link's own parameter: an aware local midnight.
            "publish_at__gte": str(
                timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
                - timedelta(days=7)
            ),
        },
    )

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.parametrize(
    ("model_name", "make_wanted", "term"),
    [
        ("story", lambda: make_story(headline="Flood closes bridge"), "bridge"),
        ("story", lambda: make_story(dek="Water rose overnight"), "overnight"),
        ("story", lambda: make_story(slug="river-crest"), "river-crest"),
        ("story", lambda: make_story(authors=[make_author(name="Zed Quill")]), "Quill"),
        ("obituary", lambda: make_obituary(full_name="Ada Miller"), "Miller"),
        ("crimereport", lambda: make_crime(case_number="24-00999"), "24-00999"),
        ("crimereport", lambda: make_crime(address_block="Oak St and 5th Ave"), "Oak St"),
        ("section", lambda: make_section(name="Obituaries"), "obit"),
        ("author", lambda: make_author(name="Jo March"), "march"),
    ],
)
def test_search_finds_the_item_by_what_an_editor_remembers(
    admin_client, model_name, make_wanted, term
):
    wanted = make_wanted()
    MAKERS[model_name]()

    response = admin_client.get(admin_url(model_name, "changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.parametrize(
    ("model_name", "field_name", "related"),
    [("story", "section", "section"), ("byline", "author", "author")],
)
def test_section_and_author_pickers_search_as_the_editor_types(
    admin_client, model_name, field_name, related
):
    wanted = MAKERS[related](name="Jo March" if related == "author" else "Opinion")
    MAKERS[related]()

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": wanted.name[:4],
            "app_label": "content",
            "model_name": model_name,
            "field_name": field_name,
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [wanted.name]


# --- adding and editing --------------------------------------------------------------


def test_adding_a_story_with_one_author_stores_it_with_sanitised_html(admin_client):
    author = make_author()
    data = story_form(
        [author], body="Smoke on *Main St*.\n\n<script>alert('x')</script>\n\n<b>Update</b>"
    )

    response = admin_client.post(admin_url("story", "add"), data)

    assert response.status_code == 302, response.context["errors"]
    story = Story.objects.get(slug="council-approves-budget")
    assert list(story.authors.all()) == [author]
    assert "<em>Main St</em>" in story.body_html
    assert "<b>Update</b>" in story.body_html
    assert "<script" not in story.body_html
    assert "alert" not in story.body_html


def test_the_add_form_fills_the_slug_from_the_headline(admin_client):
    html = page_text(admin_client.get(admin_url("story", "add")))

    assert escape('"dependency_ids": ["#id_headline"]') in html


def test_a_story_without_an_author_is_refused_with_a_clear_message(admin_client):
    response = admin_client.post(admin_url("story", "add"), story_form([]))

    assert response.status_code == 200
    assert "Add at least one author." in page_text(response)
    assert not Story.objects.exists()


def test_removing_the_last_author_of_a_story_is_refused(admin_client):
    story = make_story()
    byline = story.bylines.get()
    data = story_form(
        [],
        section=story.section.pk,
        slug=story.slug,
        **{
            "bylines-TOTAL_FORMS": "1",
            "bylines-INITIAL_FORMS": "1",
            "bylines-0-id": byline.pk,
            "bylines-0-story": story.pk,
            "bylines-0-author": byline.author.pk,
            "bylines-0-position": "0",
            "bylines-0-DELETE": "on",
        },
    )

    response = admin_client.post(admin_url("story", "change", story.pk), data)

    assert response.status_code == 200
    assert "Add at least one author." in page_text(response)
    assert story.bylines.filter(pk=byline.pk).exists()


def test_the_same_author_twice_on_a_byline_is_refused_with_a_clear_message(admin_client):
    author = make_author()

    response = admin_client.post(admin_url("story", "add"), story_form([author, author]))

    assert response.status_code == 200
    assert "Each author can appear only once in the byline." in page_text(response)
    assert not Story.objects.exists()


@pytest.mark.parametrize("slug", ["../../etc", "a/b", "a b", "..", "news/2024"])
def test_a_story_slug_that_could_leave_its_folder_is_refused(admin_client, slug):
    response = admin_client.post(admin_url("story", "add"), story_form([make_author()], slug=slug))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
    ]
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    ("model_name", "data", "model"),
    [
        ("section", {"name": "Evil", "position": "0", "description": ""}, Section),
        ("author", {"name": "Evil", "title": "", "bio": ""}, Author),
        ("obituary", obituary_form(), Obituary),
        ("crimereport", crime_form(), CrimeReport),
    ],
)
def test_a_hostile_slug_is_refused_on_every_form(admin_client, model_name, data, model):
    response = admin_client.post(admin_url(model_name, "add"), {**data, "slug": "../../etc"})

    assert response.status_code == 200
    assert "Enter a valid “slug”" in page_text(response)
    assert not model.objects.exists()


@pytest.mark.parametrize("slug", ["page", "2024"])
def test_a_section_slug_the_site_uses_itself_is_refused(admin_client, slug):
    response = admin_client.post(
        admin_url("section", "add"),
        {"name": "Pages", "slug": slug, "position": "0", "description": ""},
    )

    assert response.status_code == 200
    assert escape(f"“{slug}” is reserved for the site's own pages; choose another.") in (
        page_text(response)
    )
    assert not Section.objects.exists()


def test_a_photo_without_a_description_is_refused(admin_client):
    data = story_form([make_author()], photo=png_upload())

    response = admin_client.post(admin_url("story", "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo_alt"] == [
        "Describe the photo for readers who cannot see it."
    ]
    assert not Story.objects.exists()


def test_an_obituary_that_dies_before_birth_is_refused(admin_client):
    response = admin_client.post(
        admin_url("obituary", "add"),
        obituary_form(birth_date="2024-05-01", death_date="2024-04-28"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["birth_date"] == [
        "The date of birth must be before the date of death."
    ]
    assert not Obituary.objects.exists()


def test_an_obituary_without_an_age_gets_it_from_the_dates(admin_client):
    response = admin_client.post(admin_url("obituary", "add"), obituary_form())

    assert response.status_code == 302
    assert Obituary.objects.get().age == 93


def test_a_crime_report_with_a_house_number_is_refused(admin_client):
    response = admin_client.post(
        admin_url("crimereport", "add"), crime_form(address_block="123 Main St")
    )

    assert response.status_code == 200
    assert "never a house number" in page_text(response)
    assert "address_block" in response.context["adminform"].form.errors
    assert not CrimeReport.objects.exists()


def test_a_crime_report_at_a_block_address_is_saved(admin_client):
    response = admin_client.post(admin_url("crimereport", "add"), crime_form())

    assert response.status_code == 302
    assert CrimeReport.objects.get().address_block == "400 block of Elm St"


# --- preview -------------------------------------------------------------------------


@pytest.mark.parametrize(("model_name", "kind"), [("story", "story"), ("obituary", "obituary"), ("crimereport", "crime")])  # fmt: skip
def test_an_existing_item_links_to_its_preview(admin_client, model_name, kind):
    item = PUBLISHABLE_MAKERS[model_name](status=Status.DRAFT)

    html = page_text(admin_client.get(admin_url(model_name, "change", item.pk)))

    assert f'href="/preview/{kind}/{item.pk}/"' in html
    assert ">Preview</a>" in html


def test_a_new_item_has_no_preview_link_yet(admin_client):
    html = page_text(admin_client.get(admin_url("story", "add")))

    assert "/preview/" not in html


# --- deleting what stories still need ------------------------------------------------------


def test_deleting_a_section_with_stories_is_refused_on_its_delete_page(admin_client):
    section = make_section(name="Sports")
    make_story(section=section, headline="Tigers win")

    response = admin_client.post(admin_url("section", "delete", section.pk), {"post": "yes"})

    assert response.status_code == 200
    html = page_text(response)
    assert "Cannot delete section" in html
    assert "would require deleting the following protected related objects" in html
    assert "Tigers win" in html
    assert Section.objects.filter(pk=section.pk).exists()


def test_deleting_a_section_with_stories_is_refused_from_the_list(admin_client):
    section = make_section(name="Sports")
    make_story(section=section, headline="Tigers win")

    response = admin_client.post(
        admin_url("section", "changelist"),
        {"action": "delete_selected", "_selected_action": [section.pk], "post": "yes"},
    )

    assert response.status_code == 200
    html = page_text(response)
    assert "Cannot delete section" in html
    assert "would require deleting the following protected related objects" in html
    assert "Tigers win" in html
    assert Section.objects.filter(pk=section.pk).exists()


def test_deleting_an_author_with_stories_is_refused_on_its_delete_page(admin_client):
    author = make_author(name="Jo March")
    make_story(authors=[author], headline="Tigers win")

    response = admin_client.post(admin_url("author", "delete", author.pk), {"post": "yes"})

    assert response.status_code == 200
    html = page_text(response)
    assert "Cannot delete author" in html
    assert "Tigers win" in html
    assert Author.objects.filter(pk=author.pk).exists()


def test_deleting_an_author_with_stories_is_refused_from_the_list(admin_client):
    author = make_author(name="Jo March")
    make_story(authors=[author], headline="Tigers win")

    response = admin_client.post(
        admin_url("author", "changelist"),
        {"action": "delete_selected", "_selected_action": [author.pk], "post": "yes"},
    )

    assert response.status_code == 200
    html = page_text(response)
    assert "Cannot delete author" in html
    assert "Tigers win" in html
    assert Author.objects.filter(pk=author.pk).exists()


def test_a_section_without_stories_can_be_deleted(admin_client):
    section = make_section()

    response = admin_client.post(admin_url("section", "delete", section.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Section.objects.exists()


# --- publish / unpublish actions -------------------------------------------------------------


def run_action(admin_client, model_name: str, action: str, items: list) -> Any:
    return admin_client.post(
        admin_url(model_name, "changelist"),
        {"action": action, "_selected_action": [i.pk for i in items]},
        follow=True,
    )


def test_publish_now_puts_drafts_and_embargoed_stories_live_and_leaves_live_ones_alone(
    admin_client,
):
    now = timezone.now()
    draft = make_story(status=Status.DRAFT, body="<script>x()</script>Hello")
    embargoed = make_story(publish_at=now + timedelta(days=1))
    live = make_story(publish_at=now - timedelta(days=3))
    # A body_html from an older sanitiser: publishing re-renders it.
    Story.objects.filter(pk=draft.pk).update(body_html="<script>x()</script>stale")

    response = run_action(admin_client, "story", "publish_now", [draft, embargoed, live])

    after = timezone.now()
    assert "2 stories published." in messages_of(response)
    assert "1 story already live, left unchanged." in messages_of(response)
    for story in (draft, embargoed):
        story.refresh_from_db()
        assert story.status == Status.PUBLISHED
        assert now <= story.publish_at <= after
        assert story.is_published
    assert "stale" not in draft.body_html
    assert "<script" not in draft.body_html
    assert "Hello" in draft.body_html
    assert Story.objects.get(pk=live.pk).publish_at == live.publish_at


@pytest.mark.parametrize("model_name", ["obituary", "crimereport"])
def test_publish_now_puts_obituaries_and_crime_reports_live(admin_client, model_name):
    item = PUBLISHABLE_MAKERS[model_name](status=Status.DRAFT)

    response = run_action(admin_client, model_name, "publish_now", [item])

    item.refresh_from_db()
    assert item.is_published
    assert any(m.startswith("1 ") and "published" in m for m in messages_of(response))


@pytest.mark.parametrize("model_name", PUBLISHABLE_MAKERS)
def test_unpublish_sends_items_back_to_draft(admin_client, model_name):
    make = PUBLISHABLE_MAKERS[model_name]
    live, scheduled = make(), make(publish_at=timezone.now() + timedelta(days=1))
    draft = make(status=Status.DRAFT)
    before = draft.updated_at

    response = run_action(admin_client, model_name, "unpublish", [live, scheduled, draft])

    assert response.status_code == 200
    assert any(m.startswith("2 ") and "unpublished" in m for m in messages_of(response))
    model = type(live)
    assert set(model.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert model.objects.get(pk=draft.pk).updated_at == before


def test_the_publish_time_of_a_story_can_be_set_in_the_form(admin_client):
    data = story_form([make_author()], status=Status.PUBLISHED)

    admin_client.post(admin_url("story", "add"), data)

    story = Story.objects.get()
    assert timezone.localtime(story.publish_at).date() == date(2024, 5, 1)
    assert story.is_published
