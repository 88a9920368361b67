"""One newsroom day in a real browser, each step checked on the lighttpd-served site.

An editor logs in, writes a story as a draft (with a photo), previews it,
publishes it, fixes a typo in its headline, schedules an obituary that cron
releases later; a reporter finds they cannot publish; the editor unpublishes
the story. After every step, a reader's browser looks at the site: the story
page, its section front, the front page and the feed. Screenshots of the front
page and a story at phone and desktop widths go to ``test-artifacts/e2e/``.
Readers search too: an obituary by surname, the story's new word once it is
published (and no longer once it is unpublished), never a draft's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import BrowserContext, Page

from content.models import Author, Obituary, Section, Status, Story
from publisher.models import PublishJob
from tests.e2e.conftest import Newsroom, member_of, needs_chromium, wait_until

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

# How long the browser waits for a save to reach every page a reader sees: a
# bound for a shared CI machine running both databases' suites at once (2 s
# was missed there once); the Save -> live budget itself is bench/publish.py's.
PUBLISH_WITHIN = 10.0
HEADLINE_TYPO = "Millbrook council votes to repave Mian Street"
HEADLINE = "Millbrook council votes to repave Main Street"
REPORTER_HEADLINE = "Reporter files a story about the fall festival"
OBITUARY_NAME = "Harriet Quillfeather"
SCREEN_SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
# A word no seeded item uses: the story's body has it, and only the story's.
NEW_WORD = "Tarmacadam"
DRAFT_WORD = "Zwiebackfest"  # in the reporter's draft, never published
SEARCHABLE_WITHIN = 10.0  # seconds from Save to a reader's search finding it (budget: 60)


# Django's own admin widgets give these fields no label: both halves of a
# date-and-time field (its <label> has no "for") and the cells of a tabular
# inline (only a column heading). Every other field must have one.
def test_an_editors_day_from_draft_to_unpublished_is_what_readers_see(
    newsroom_site: Newsroom,
    reader: Page,
    new_context: Callable[[], BrowserContext],
    tmp_path: Path,
):
    site = newsroom_site
    editor_password, reporter_password = "editor-pw-e2e-7Qk", "reporter-pw-e2e-3Zm"
    member_of("Editors", "edna", editor_password)
    member_of("Reporters", "rex", reporter_password)
    section = Section.objects.get(slug="government")
    author = Author.objects.order_by("name").first()
    photo = make_jpeg(tmp_path / "main-street.jpg")

    search_an_obituary_by_surname(reader, site)
    editor = log_in(new_context(), site, "edna", editor_password)
    story = write_a_draft_story(editor, reader, site, section, author, photo)
    assert search(reader, site, NEW_WORD) == []  # a draft's words are never found
    check_the_preview(editor, new_context(), site, story)
    publish_the_story(editor, reader, site, story)
    find_the_story_by_its_new_word(reader, site, story)
    fix_the_typo_in_the_headline(editor, reader, site, story)
    take_screenshots(reader, site, story)
    schedule_an_obituary_for_ten_minutes_ahead(editor, reader, site)
    reporter = log_in(new_context(), site, "rex", reporter_password)
    check_a_reporter_cannot_publish(reporter, site, story, section, author)
    assert search(reader, site, DRAFT_WORD) == []
    unpublish_the_story(editor, reader, site, story)
    assert wait_until(lambda: search(reader, site, NEW_WORD) == [], SEARCHABLE_WITHIN)


# -- the steps ------------------------------------------------------------------


def log_in(context: BrowserContext, site: Newsroom, username: str, password: str) -> Page:
    page = context.new_page()
    response = page.goto(site.at("/admin/login/"))
    assert response is not None and response.status == 200
    # The admin's own CSS comes from the release, through lighttpd, like the site's.
    stylesheets = page.eval_on_selector_all(
        "link[rel=stylesheet]", "links => links.map(l => l.href)"
    )
    assert any("/static/admin/css/" in href for href in stylesheets), stylesheets
    for href in stylesheets:
        css = page.request.get(href)
        assert (css.status, css.headers["server"]) == (200, "lighttpd"), href
    assert unlabelled_fields(page) == []
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(site.at("/admin/"))
    assert page.get_by_role("button", name="Log out").is_visible()
    return page


def write_a_draft_story(
    editor: Page, reader: Page, site: Newsroom, section: Section, author: Author, photo: Path
) -> Story:
    editor.goto(site.at("/admin/content/story/add/"))
    assert unlabelled_fields(editor) == []
    # Typed, as an editor does: the slug fills itself in from the headline.
    editor.locator("#id_headline").press_sequentially(HEADLINE_TYPO)
    editor.locator("#id_dek").fill("The work starts in the spring and takes two months.")
    choose_in_autocomplete(editor, "#id_section", section.name)
    editor.locator("#id_body").fill(
        "The city council voted 5-2 on Tuesday to repave the street.\n\n"
        f"**Detours** will be posted a week ahead. Crews will lay {NEW_WORD.lower()} in May."
    )
    editor.locator("#id_photo").set_input_files(photo)
    editor.locator("#id_photo_alt").fill("A cracked asphalt street lined with brick storefronts")
    editor.locator("#id_photo_caption").fill("Main Street, looking north.")
    editor.locator("#id_photo_credit").fill("Staff photo")
    choose_in_autocomplete(editor, "#id_bylines-0-author", author.name)
    editor.locator("#id_status").select_option(label="Draft")
    save(editor)
    assert "was added successfully" in editor.locator(".messagelist").inner_text()

    story = Story.objects.get(headline=HEADLINE_TYPO)
    assert story.status == Status.DRAFT
    assert story.slug == "millbrook-council-votes-to-repave-mian-street"
    assert story.photo.name.startswith("photos/")
    assert story.bylines.get().author == author
    assert look(reader, site, story.get_absolute_url()).status == 404
    assert HEADLINE_TYPO not in look(reader, site, "/").text
    return story


def check_the_preview(editor: Page, stranger: BrowserContext, site: Newsroom, story: Story) -> None:
    editor.goto(site.at(f"/admin/content/story/{story.pk}/change/"))
    link = editor.get_by_role("link", name="Preview")
    with editor.context.expect_page() as opened:
        link.click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == HEADLINE_TYPO
    assert preview.locator(".preview-banner").is_visible()
    assert "readers cannot see it yet" in preview.locator(".preview-banner").inner_text()
    preview_url = preview.url
    preview.close()

    # Someone without a login who has the address gets the login form.
    page = stranger.new_page()
    response = page.goto(preview_url)
    assert response is not None and response.status == 200
    assert "/admin/login/" in page.url
    assert HEADLINE_TYPO not in page.content()
    assert page.get_by_label("Username").is_visible()


def publish_the_story(editor: Page, reader: Page, site: Newsroom, story: Story) -> None:
    run_action(editor, site, "story", story.pk, "Publish now")
    assert "1 story published." in editor.locator(".messagelist").inner_text()
    story.refresh_from_db()
    assert story.status == Status.PUBLISHED
    pages = reader_pages(story)
    assert wait_until(
        lambda: all(HEADLINE_TYPO in look(reader, site, url).text for url in pages),
        PUBLISH_WITHIN,
    ), {url: HEADLINE_TYPO in look(reader, site, url).text for url in pages}
    page = look(reader, site, story.get_absolute_url())
    assert page.status == 200
    assert reader.locator("h1").inner_text() == HEADLINE_TYPO

    # The photo is served by lighttpd from the media directory, not by Django.
    image = reader.locator("article.story figure img")
    assert image.get_attribute("alt") == "A cracked asphalt street lined with brick storefronts"
    src = image.get_attribute("src")
    assert src is not None and src.startswith("/media/renditions/")
    response = reader.request.get(site.at(src))
    assert response.status == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["server"] == "lighttpd"
    # The browser shows it (decode() waits for the lazily loaded image).
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 640


def fix_the_typo_in_the_headline(editor: Page, reader: Page, site: Newsroom, story: Story) -> None:
    url = story.get_absolute_url()
    editor.goto(site.at(f"/admin/content/story/{story.pk}/change/"))
    publishing = editor.locator(".field-publishing")
    assert "Last published" in publishing.inner_text()
    assert publishing.get_by_role("link", name=url).get_attribute("href") == site.at(url)
    editor.locator("#id_headline").fill(HEADLINE)
    save(editor)
    assert "was changed successfully" in editor.locator(".messagelist").inner_text()
    story.refresh_from_db()
    assert story.headline == HEADLINE and story.get_absolute_url() == url  # same address

    def corrected_everywhere() -> bool:
        texts = [look(reader, site, page).text for page in reader_pages(story)]
        return all(HEADLINE in text and HEADLINE_TYPO not in text for text in texts)

    assert wait_until(corrected_everywhere, PUBLISH_WITHIN), {
        page: (
            HEADLINE in look(reader, site, page).text,
            HEADLINE_TYPO in look(reader, site, page).text,
        )
        for page in reader_pages(story)
    }
    for page in ["/", url, story.section.get_absolute_url()]:
        look(reader, site, page)
        assert_accessible_basics(reader)


def take_screenshots(reader: Page, site: Newsroom, story: Story) -> None:
    shots = []
    for size, (width, height) in SCREEN_SIZES.items():
        reader.set_viewport_size({"width": width, "height": height})
        for name, url in [("front-page", "/"), ("story", story.get_absolute_url())]:
            look(reader, site, url)
            path = site.artifacts / f"{name}-{size}-{width}x{height}.png"
            reader.screenshot(path=path, full_page=True)
            shots.append((path, width))
    reader.set_viewport_size({"width": 1280, "height": 900})
    for path, width in shots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        with Image.open(path) as image:
            # As wide as the screen: nothing makes a phone scroll sideways.
            assert image.width == width, path


def schedule_an_obituary_for_ten_minutes_ahead(editor: Page, reader: Page, site: Newsroom) -> None:
    release = timezone.localtime() + timedelta(minutes=10)
    editor.goto(site.at("/admin/content/obituary/add/"))
    assert unlabelled_fields(editor) == []
    editor.locator("#id_full_name").press_sequentially(OBITUARY_NAME)
    editor.locator("#id_death_date").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    editor.locator("#id_hometown").fill("Millbrook")
    editor.locator("#id_body").fill("Harriet taught piano to three generations of Millbrook.")
    editor.locator("#id_status").select_option(label="Published")
    editor.locator("#id_publish_at_0").fill(release.strftime("%Y-%m-%d"))
    editor.locator("#id_publish_at_1").fill(release.strftime("%H:%M:%S"))
    save(editor)
    assert "was added successfully" in editor.locator(".messagelist").inner_text()
    obituary = Obituary.objects.get(full_name=OBITUARY_NAME)
    assert obituary.status == Status.PUBLISHED and obituary.publish_at > timezone.now()
    assert editor.get_by_role("row", name=OBITUARY_NAME).get_by_text("Scheduled").is_visible()

    # Once the publish that the save started has run, nothing shows it.
    saved = PublishJob.objects.filter(
        kind="obituary", object_id=obituary.pk, due_at__lte=timezone.now()
    )
    assert wait_until(lambda: saved.filter(status=PublishJob.Status.LIVE).exists(), PUBLISH_WITHIN)
    assert look(reader, site, obituary.get_absolute_url()).status == 404
    assert OBITUARY_NAME not in look(reader, site, "/obituaries/").text
    assert OBITUARY_NAME not in look(reader, site, "/").text

    # Eleven minutes later, by the clock: the release time has passed when
    # cron runs the scheduled releases.
    eleven_minutes = timedelta(minutes=11)
    Obituary.objects.filter(pk=obituary.pk).update(publish_at=F("publish_at") - eleven_minutes)
    moved = PublishJob.objects.filter(
        kind="obituary",
        object_id=obituary.pk,
        status=PublishJob.Status.QUEUED,
        due_at__gt=timezone.now(),
    ).update(due_at=F("due_at") - eleven_minutes)
    assert moved == 1  # the scheduled release
    cron = site.manage("publish")
    assert cron.returncode == 0, cron.stderr
    assert cron.stdout.startswith("publish: "), cron.stdout

    # lighttpd may serve a replaced file for up to a second (its stat cache).
    obituary.refresh_from_db()
    url = obituary.get_absolute_url()
    assert wait_until(
        lambda: (
            look(reader, site, url).status == 200
            and OBITUARY_NAME in look(reader, site, "/obituaries/").text
        ),
        PUBLISH_WITHIN,
    ), (look(reader, site, url).status, OBITUARY_NAME in look(reader, site, "/obituaries/").text)
    page = look(reader, site, url)
    assert page.status == 200 and OBITUARY_NAME in page.text
    assert_accessible_basics(reader)


def check_a_reporter_cannot_publish(
    reporter: Page, site: Newsroom, story: Story, section: Section, author: Author
) -> None:
    reporter.goto(site.at("/admin/content/story/"))
    assert reporter.get_by_role("row", name=HEADLINE).is_visible()
    # The editor's list offers both (publish_the_story used one).
    actions = reporter.locator("select[name=action] option").all_inner_texts()
    assert "Publish now" not in actions and not any("Unpublish" in a for a in actions)

    reporter.goto(site.at("/admin/content/story/add/"))
    assert reporter.locator("#id_status").count() == 0
    assert reporter.locator(".field-status .readonly").inner_text() == "Draft"
    reporter.locator("#id_headline").press_sequentially(REPORTER_HEADLINE)
    choose_in_autocomplete(reporter, "#id_section", section.name)
    reporter.locator("#id_body").fill(f"Booths open at nine on Saturday for the {DRAFT_WORD}.")
    choose_in_autocomplete(reporter, "#id_bylines-0-author", author.name)
    save(reporter)
    assert "was added successfully" in reporter.locator(".messagelist").inner_text()
    assert Story.objects.get(headline=REPORTER_HEADLINE).status == Status.DRAFT

    reporter.goto(site.at(f"/admin/content/story/{story.pk}/change/"))
    assert reporter.locator("#id_headline").count() == 0  # read-only
    assert reporter.locator("input[name=_save], input[name=_continue]").count() == 0


def unpublish_the_story(editor: Page, reader: Page, site: Newsroom, story: Story) -> None:
    url = story.get_absolute_url()
    lists = [p for p in reader_pages(story) if p != url]
    run_action(editor, site, "story", story.pk, "Unpublish (back to draft)")
    assert "1 story unpublished" in editor.locator(".messagelist").inner_text()

    def gone() -> bool:
        if look(reader, site, url).status != 404:
            return False
        return all(HEADLINE not in look(reader, site, page).text for page in lists)

    assert wait_until(gone, PUBLISH_WITHIN), {
        page: look(reader, site, page).status
        if page == url
        else HEADLINE in look(reader, site, page).text
        for page in reader_pages(story)
    }
    page = look(reader, site, url)
    assert page.status == 404 and "Page not found" in page.text  # the site's own 404 page
    assert_accessible_basics(reader)


def search_an_obituary_by_surname(reader: Page, site: Newsroom) -> None:
    obituary = Obituary.objects.published().order_by("-publish_at").first()
    assert obituary is not None
    surname = obituary.full_name.split()[-1]
    # Every page's masthead leads to the search.
    look(reader, site, "/")
    reader.get_by_role("link", name="Search", exact=True).first.click()
    reader.wait_for_url(site.at("/search/"))
    assert unlabelled_fields(reader) == []
    reader.get_by_label("Search stories, obituaries and crime reports").fill(surname)
    reader.get_by_role("button", name="Search").click()
    results = wait_for_results(reader)
    assert reader.url == site.at(f"/search/?q={surname}")  # a link others can open
    found = {r["url"]: r for r in results}
    assert obituary.get_absolute_url() in found, (surname, results)
    hit = found[obituary.get_absolute_url()]
    assert (hit["title"], hit["kind"]) == (obituary.full_name, "Obituary")
    assert (
        hit["date"]
        == f"{timezone.localtime(obituary.publish_at):%B} {timezone.localtime(obituary.publish_at).day}, {timezone.localtime(obituary.publish_at).year}"
    )
    assert surname.lower() in marked_words(hit)
    # Announced to screen readers: a polite live region says how many.
    status = reader.locator("[data-status]")
    assert status.get_attribute("aria-live") == "polite"
    assert "result" in status.inner_text() and surname in status.inner_text()
    assert_accessible_basics(reader)

    # Narrowed by kind: only obituaries; the link with the filter runs it on load.
    reader.get_by_label("Kind").select_option(value="Obituary")
    narrowed = wait_for_results(reader)
    assert narrowed and all(r["kind"] == "Obituary" for r in narrowed)
    assert "kind=Obituary" in reader.url
    assert search(reader, site, surname, kind="Obituary") == narrowed
    # A pasted paragraph: only its first words are searched for, and it says so.
    search(reader, site, f"{surname} " + " ".join(f"word{n}" for n in range(20)))
    assert "Only its first 10 words were searched for." in status.inner_text()
    for size, (width, height) in SCREEN_SIZES.items():
        reader.set_viewport_size({"width": width, "height": height})
        path = site.artifacts / f"search-{size}-{width}x{height}.png"
        reader.screenshot(path=path, full_page=True)
        with Image.open(path) as image:
            assert image.width == width, path
    reader.set_viewport_size({"width": 1280, "height": 900})


def find_the_story_by_its_new_word(reader: Page, site: Newsroom, story: Story) -> None:
    def found() -> list[dict]:
        return [r for r in search(reader, site, NEW_WORD) if r["url"] == story.get_absolute_url()]

    assert wait_until(found, SEARCHABLE_WITHIN), search(reader, site, NEW_WORD)
    (hit,) = found()
    assert (hit["title"], hit["kind"]) == (HEADLINE_TYPO, "Story")
    assert NEW_WORD.lower() in marked_words(hit)


# -- what a reader sees ------------------------------------------------------------


def search(reader: Page, site: Newsroom, words: str, **filters: str) -> list[dict]:
    """The results a reader gets from /search/?q=words (the search runs on load)."""
    query = urlencode({"q": words, **filters})
    reader.goto(site.at(f"/search/?{query}"))
    return wait_for_results(reader)


def marked_words(result: dict) -> list[str]:
    """The words a result's excerpt marks (a word is marked with its punctuation)."""
    return [word.lower().strip(".,;:!?\"'()") for word in result["marked"]]


def wait_for_results(reader: Page) -> list[dict]:
    reader.wait_for_function(
        "() => /results? for|No results/.test(document.querySelector('[data-status]').textContent)",
        timeout=15_000,
    )
    return reader.eval_on_selector_all(
        ".search-result",
        """els => els.map(el => ({
            url: el.querySelector("h2 a").getAttribute("href"),
            title: el.querySelector("h2 a").textContent,
            kind: el.querySelector(".kicker").textContent,
            date: el.querySelector("time")?.textContent,
            marked: [...el.querySelectorAll("mark")].map(m => m.textContent),
        }))""",
    )


@dataclass(frozen=True)
class Seen:
    status: int
    text: str


def look(reader: Page, site: Newsroom, path: str) -> Seen:
    """What a reader gets at ``path``: the status and the text they see (a
    feed, as a feed reader fetches it)."""
    if path.endswith(".xml"):
        response = reader.request.get(site.at(path))
        return Seen(response.status, response.text())
    response = reader.goto(site.at(path))
    assert response is not None
    return Seen(response.status, reader.locator("body").inner_text())


def reader_pages(story: Story) -> list[str]:
    """Where readers see a story: its page, its section front, the front page, the feed."""
    return [story.get_absolute_url(), story.section.get_absolute_url(), "/", "/feeds/news.xml"]


def assert_accessible_basics(page: Page) -> None:
    facts = page.evaluate(
        """() => ({
            lang: document.documentElement.getAttribute("lang"),
            h1: document.querySelectorAll("h1").length,
            withoutAlt: [...document.images]
                .filter(img => !(img.getAttribute("alt") || "").trim())
                .map(img => img.getAttribute("src")),
        })"""
    )
    assert facts == {"lang": "en", "h1": 1, "withoutAlt": []}, page.url


def unlabelled_fields(page: Page) -> list[str]:
    """Visible form fields that no label names (a <label for>, a wrapping
    label, aria-label or aria-labelledby): a screen reader reads them as "edit text"."""
    names = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
            .filter(el => !["hidden", "submit", "button", "image", "reset"].includes(el.type))
            .filter(el => !(el.type === "checkbox" && el.name.endsWith("-DELETE")))
            .filter(el => el.checkVisibility())
            .filter(el => !el.labels.length && !el.getAttribute("aria-label")
                          && !el.getAttribute("aria-labelledby"))
            .map(el => el.name || el.id)
            .sort()"""
    )
    return names


# -- the admin, as an editor uses it ---------------------------------------------------


def save(page: Page) -> None:
    with page.expect_navigation():
        page.locator("input[name=_save]").last.click()


def choose_in_autocomplete(page: Page, select: str, text: str) -> None:
    """Pick ``text`` in an admin autocomplete (select2): open it, type, choose."""
    page.locator(f"{select} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()
    assert page.locator(select).evaluate("el => el.selectedOptions[0].text") == text


def run_action(page: Page, site: Newsroom, model: str, pk: int, action: str) -> None:
    page.goto(site.at(f"/admin/content/{model}/"))
    page.locator(f"input.action-select[value='{pk}']").check()
    page.locator("select[name=action]").select_option(label=action)
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()


def make_jpeg(path: Path) -> Path:
    image = Image.new("RGB", (640, 400), (90, 90, 96))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 250, 640, 400], fill=(40, 40, 44))
    draw.line([320, 250, 320, 400], fill=(230, 200, 60), width=6)
    image.save(path, "JPEG", quality=80)
    return path
