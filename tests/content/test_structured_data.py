"""Every built page carries the schema.org JSON-LD of its kind, read back
with a real parser (extruct, over lxml's HTML parser)."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image

from content import structured
from content.models import Story
from content.pages import REGISTRY
from publisher import renditions
from tests.content.one_of_each import (
    HOSTILE,
    build_one_of_each,
    json_ld,
    of_type,
    page_html,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(settings):
    return build_one_of_each(settings)


def local_iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def test_a_story_is_a_news_article_with_every_field_search_engines_ask_for(newsroom):
    story, url = newsroom.story, newsroom.site_url + newsroom.story.get_absolute_url()
    article = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "NewsArticle")
    assert article["@context"] == "https://schema.org"
    assert article["headline"] == "Council adopts the budget"
    assert article["description"] == "The vote was 5-2."
    assert article["datePublished"] == local_iso(story.publish_at)
    assert article["dateModified"] == local_iso(story.publish_at)  # never marked as updated
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Ann Archer",
            "url": newsroom.site_url + "/authors/ann-archer/",
            "jobTitle": "Staff Writer",
        },
        {"@type": "Person", "name": "Bob Baker", "url": newsroom.site_url + "/authors/bob-baker/"},
    ]
    assert article["articleSection"] == "Local News"
    assert article["image"] == [
        {
            "@type": "ImageObject",
            "url": newsroom.site_url
            + renditions.sources(newsroom.story.photo_digest, 640, 360).card,
            "width": 640,
            "height": 360,
        }
    ]
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["isAccessibleForFree"] is True
    publisher = article["publisher"]
    assert publisher["@type"] == "NewsMediaOrganization"
    assert publisher["name"] == "The Millbrook Ledger"
    assert publisher["logo"]["url"].startswith(newsroom.site_url + "/static/content/logo.")


def test_the_logo_is_on_the_site_at_the_size_the_data_gives(newsroom):
    url = newsroom.site_url + newsroom.story.get_absolute_url()
    logo = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "NewsArticle")[
        "publisher"
    ]["logo"]
    path = newsroom.site / logo["url"].removeprefix(newsroom.site_url + "/")
    with Image.open(path) as image:
        assert (logo["width"], logo["height"]) == image.size
    with Image.open(finders.find(structured.LOGO)) as source:
        assert source.size == image.size


def test_a_story_without_photo_or_byline_has_the_papers_card_and_the_paper_as_author(newsroom):
    url = newsroom.site_url + newsroom.plain.get_absolute_url()
    article = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "NewsArticle")
    assert article["image"][0]["url"].startswith(
        newsroom.site_url + "/static/content/default-card."
    )
    assert (article["image"][0]["width"], article["image"][0]["height"]) == (1200, 630)
    assert article["author"][0]["@type"] == "NewsMediaOrganization"
    assert article["author"][0]["name"] == "The Millbrook Ledger"
    # No dek: the start of the body describes it.
    assert article["description"] == "Elm Street is closed between 4th and 5th."


def test_a_hostile_headline_cannot_close_the_script_element(newsroom):
    html = page_html(newsroom, newsroom.hostile.get_absolute_url())
    # The browser's view: one script element in the whole page, the JSON-LD.
    scripts = lxml.html.fromstring(html).xpath("//script")
    assert [script.get("type") for script in scripts] == ["application/ld+json"]
    article = of_type(json_ld(html, newsroom.site_url), "NewsArticle")
    assert article["headline"] == HOSTILE
    assert article["description"] == "A dek with </SCRIPT > in it"
    crumbs = of_type(json_ld(html, newsroom.site_url), "BreadcrumbList")
    assert crumbs["itemListElement"][-1]["name"] == HOSTILE


def test_item_pages_carry_breadcrumbs_from_the_front_page_through_their_section(newsroom):
    home = newsroom.site_url + "/"
    cases = [
        (newsroom.story, ("Local News", newsroom.site_url + "/news/local-news/")),
        (newsroom.obituary, ("Obituaries", newsroom.site_url + "/obituaries/")),
        (newsroom.crime, ("Crime reports", newsroom.site_url + "/crime/")),
    ]
    for item, (section, section_url) in cases:
        url = newsroom.site_url + item.get_absolute_url()
        crumbs = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "BreadcrumbList")
        assert [(c["position"], c["name"], c["item"]) for c in crumbs["itemListElement"]] == [
            (1, "The Millbrook Ledger", home),
            (2, section, section_url),
            (3, item.title, url),
        ], item


def test_an_obituary_is_an_article_about_the_person_who_died(newsroom):
    obituary = newsroom.obituary
    url = newsroom.site_url + obituary.get_absolute_url()
    article = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "Article")
    assert article["headline"] == "Ada Lovelace Person"
    assert article["articleSection"] == "Obituaries"
    assert article["about"] == {
        "@type": "Person",
        "name": "Ada Lovelace Person",
        "birthDate": "1931-04-02",
        "deathDate": "2026-10-01",
        "homeLocation": {"@type": "Place", "name": "Millbrook"},
    }
    assert article["image"][0]["width"] == 300 and article["image"][0]["height"] == 400
    assert article["datePublished"] == local_iso(obituary.publish_at)
    assert article["publisher"]["@type"] == "NewsMediaOrganization"
    assert article["mainEntityOfPage"]["@id"] == url


def test_an_obituary_without_a_birth_date_names_only_the_death(newsroom):
    html = page_html(newsroom, "/obituaries/")
    url = next(
        link for link in lxml.html.fromstring(html).xpath("//a/@href") if "/no-dates/" in link
    )
    about = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "Article")["about"]
    assert "birthDate" not in about
    assert about["deathDate"] == "2020-01-01"


def test_a_crime_report_is_a_reportage_article_placed_at_the_block(newsroom):
    crime = newsroom.crime
    url = newsroom.site_url + crime.get_absolute_url()
    article = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "ReportageNewsArticle")
    assert article["headline"] == "Bicycle stolen downtown"
    assert article["articleSection"] == "Crime reports"
    assert article["contentLocation"] == {"@type": "Place", "name": "400 block of Elm St, Downtown"}
    assert article["keywords"] == ["Theft"]
    assert article["isAccessibleForFree"] is True
    assert article["image"][0]["url"].startswith(
        newsroom.site_url + "/static/content/default-card."
    )


def test_the_front_page_names_the_website_and_the_paper(newsroom):
    objects = json_ld(page_html(newsroom, "/"), newsroom.site_url)
    website = of_type(objects, "WebSite")
    paper = of_type(objects, "NewsMediaOrganization")
    assert website["url"] == paper["url"] == newsroom.site_url + "/"
    assert website["name"] == paper["name"] == "The Millbrook Ledger"
    assert website["publisher"] == {"@id": paper["@id"]}
    assert paper["logo"]["width"] > 0 and paper["logo"]["height"] > 0


def test_an_author_page_is_a_profile_of_someone_who_works_for_the_paper(newsroom):
    url = newsroom.site_url + newsroom.author.get_absolute_url()
    profile = of_type(json_ld(page_html(newsroom, url), newsroom.site_url), "ProfilePage")
    assert profile["mainEntity"] == {
        "@type": "Person",
        "name": "Ann Archer",
        "url": url,
        "jobTitle": "Staff Writer",
        "description": "Covers City Hall.",
        "worksFor": {"@id": newsroom.site_url + "/#organization"},
    }


def test_date_modified_moves_only_with_an_update_shown_to_readers(newsroom):
    story = newsroom.story
    site = REGISTRY.site()
    url = newsroom.site_url + story.get_absolute_url()
    assert structured.story(site, story, url)["dateModified"] == local_iso(story.publish_at)
    # The time of a substantive update an editor marked "show as updated".
    story = Story.objects.get(pk=story.pk)
    story.shown_updated_at = story.publish_at + timedelta(hours=5)
    data = structured.story(site, story, url)
    assert data["dateModified"] == local_iso(story.shown_updated_at)
    assert data["datePublished"] == local_iso(story.publish_at)


def test_list_pages_carry_no_article_data(newsroom):
    for url in ["/news/", "/news/local-news/", "/obituaries/", "/crime/"]:
        assert json_ld(page_html(newsroom, url), newsroom.site_url) == [], url
