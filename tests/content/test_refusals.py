"""What the newsroom refuses: bodies too long, publish times from a typo'd
year, a byline that names an author twice. Each gets a message that says
why, on every way in, and nothing already saved is lost."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from content import text
from content.models import Byline, Status, Story
from content.text import MAX_BODY_CHARS
from publisher.build import build_site
from publisher.models import PublishJob
from tests.support import admin_url, file_for, make_author, make_story, page_text, story_form

pytestmark = pytest.mark.django_db

TOO_LONG = "A" * (MAX_BODY_CHARS + 1)


# --- the body ----------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_refused_with_its_length_and_the_limit(admin_client):
    response = admin_client.post(
        admin_url("story", "add"), story_form([make_author()], body=TOO_LONG)
    )

    assert response.status_code == 200
    assert (
        f"This text is {MAX_BODY_CHARS + 1:,} characters long; the limit is {MAX_BODY_CHARS:,}"
        in page_text(response)
    )
    assert not Story.objects.exists()


def test_a_body_of_brackets_up_to_the_limit_is_saved(admin_client):
    body = "[" * MAX_BODY_CHARS

    response = admin_client.post(admin_url("story", "add"), story_form([make_author()], body=body))

    assert response.status_code == 302
    assert Story.objects.get().body_html == f"<p>{body}</p>"


def test_a_script_saving_a_body_over_the_limit_is_refused_too():
    story = make_story()
    story.body = TOO_LONG

    with pytest.raises(ValidationError, match="the limit is"):
        story.save()

    assert Story.objects.get(pk=story.pk).body != TOO_LONG


# --- publish times -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day", ["0026-03-01", "1899-12-31", "2226-03-01", f"{timezone.now().year + 11}-01-01"]
)
def test_a_publish_time_outside_1900_to_ten_years_ahead_is_refused_in_the_admin(admin_client, day):
    response = admin_client.post(
        admin_url("story", "add"), story_form([make_author()], publish_at_0=day)
    )

    assert response.status_code == 200
    assert f"{day} is not a publish time this site accepts" in page_text(response)
    assert "Check that the year has all four digits." in page_text(response)
    assert not Story.objects.exists()


def test_a_publish_time_nine_years_ahead_is_an_embargo_like_any_other(admin_client):
    day = f"{timezone.now().year + 9}-01-01"

    response = admin_client.post(
        admin_url("story", "add"), story_form([make_author()], publish_at_0=day)
    )

    assert response.status_code == 302
    assert timezone.localtime(Story.objects.get().publish_at).year == timezone.now().year + 9


def test_a_script_saving_a_typod_year_is_refused():
    story = make_story()
    story.publish_at = datetime(26, 3, 1, 9, tzinfo=UTC)

    with pytest.raises(ValidationError, match="0026-03-01 is not a publish time"):
        story.save()

    with pytest.raises(ValidationError, match="is not a publish time"):
        make_story(publish_at=timezone.now() + timedelta(days=365 * 11))


@pytest.mark.parametrize("year", [1850, 2150])
def test_the_database_refuses_a_typod_year_that_skips_the_models_checks(year):
    story = make_story()

    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(publish_at=datetime(year, 1, 1, tzinfo=UTC))


# --- bylines -------------------------------------------------------------------------


def change_form(story: Story, authors: list, delete: tuple[int, ...] = ()) -> dict:
    """The change form's POST, with the byline rows set to ``authors``: the
    story's existing rows first (in order), then new ones."""
    bylines = list(story.bylines.all())
    data = story_form(
        [],
        section=story.section.pk,
        slug=story.slug,
        **{
            "bylines-TOTAL_FORMS": str(len(authors)),
            "bylines-INITIAL_FORMS": str(len(bylines)),
        },
    )
    for i, author in enumerate(authors):
        data |= {
            f"bylines-{i}-story": story.pk,
            f"bylines-{i}-author": author.pk,
            f"bylines-{i}-position": str(i),
        }
        if i < len(bylines):
            data[f"bylines-{i}-id"] = bylines[i].pk
        if i in delete:
            data[f"bylines-{i}-DELETE"] = "on"
    return data


def byline_of(story: Story) -> list[str]:
    return [b.author.name for b in Byline.objects.filter(story=story).select_related("author")]


def test_the_same_author_added_again_on_the_change_form_is_a_form_error(admin_client):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    story = make_story(authors=[ann, bob])

    response = admin_client.post(
        admin_url("story", "change", story.pk), change_form(story, [ann, bob, ann])
    )

    assert response.status_code == 200
    assert "Each author can appear only once in the byline." in page_text(response)
    assert byline_of(story) == ["Ann", "Bob"]


def test_two_authors_swapped_on_the_change_form_are_saved_in_their_new_order(admin_client):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    story = make_story(authors=[ann, bob])

    response = admin_client.post(
        admin_url("story", "change", story.pk), change_form(story, [bob, ann])
    )

    assert response.status_code == 302
    assert byline_of(story) == ["Bob", "Ann"]


def test_a_row_given_the_author_of_a_row_deleted_below_it_is_saved(admin_client):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    story = make_story(authors=[ann, bob])

    response = admin_client.post(
        admin_url("story", "change", story.pk), change_form(story, [bob, bob], delete=(1,))
    )

    assert response.status_code == 302
    assert byline_of(story) == ["Bob"]


# --- no rendering under the database's write lock -------------------------------------


class RenderSpy:
    """Stands in for the Markdown parser, noting whether the database
    connection was inside a transaction at each render."""

    def __init__(self, parser, during=None) -> None:
        self.parser, self.during, self.in_transaction = parser, during, []

    def render(self, source: str) -> str:
        self.in_transaction.append(connection.in_atomic_block)
        if self.during is not None:
            self.during(source)
        return self.parser.render(source)


@pytest.fixture
def render_spy(monkeypatch):
    spy = RenderSpy(text._parser)
    monkeypatch.setattr(text, "_parser", spy)
    return spy


@pytest.mark.django_db(transaction=True)
def test_the_admin_renders_a_body_outside_the_saving_transaction(admin_client, render_spy):
    author = make_author()

    admin_client.post(admin_url("story", "add"), story_form([author], body="*Added*"))
    story = Story.objects.get()
    admin_client.post(
        admin_url("story", "change", story.pk),
        change_form(story, [author]) | {"body": "*Changed*"},
    )

    assert render_spy.in_transaction == [False, False]
    assert Story.objects.get().body_html == "<p><em>Changed</em></p>"


@pytest.mark.django_db(transaction=True)
def test_publish_now_renders_bodies_outside_its_transaction(admin_client, render_spy):
    story = make_story(status=Status.DRAFT, body="*Draft*")
    render_spy.in_transaction.clear()

    admin_client.post(
        admin_url("story", "changelist"), {"action": "publish_now", "_selected_action": [story.pk]}
    )

    assert render_spy.in_transaction == [False]
    assert Story.objects.get().status == Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_another_editors_save_reaches_its_page_while_a_hostile_body_renders(
    admin_client, monkeypatch, settings
):
    other = make_story(headline="Before")
    hostile = story_form([make_author()], body="[" * 20_000)
    build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)
    live = Path(settings.PUBLISHER_BUILD_DIR) / "site"
    published_after: list[float] = []

    def second_editor_saves() -> None:
        started = time.monotonic()
        try:
            edited = Story.objects.get(pk=other.pk)
            edited.headline = "Second editor's headline"
            edited.save()  # commits, then publishes (in this thread, in tests)
            if "Second editor" in file_for(live, other.get_absolute_url()).read_text():
                published_after.append(time.monotonic() - started)
        finally:
            connections.close_all()

    def while_rendering(source: str) -> None:
        # The first editor's render is under way: the second editor saves now.
        if source.startswith("[[["):
            editor = threading.Thread(target=second_editor_saves)
            editor.start()
            editor.join(timeout=5)

    monkeypatch.setattr(text, "_parser", RenderSpy(text._parser, during=while_rendering))

    response = admin_client.post(admin_url("story", "add"), hostile)

    assert response.status_code == 302
    assert published_after and published_after[0] < 2.0, published_after
