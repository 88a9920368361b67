"""What search engines and social sites read of a page: schema.org JSON-LD
and the image of its social card.

Plain dicts built from what a page has in hand (its item with section and
bylines already fetched, the Site): no query and no file read per page. The
two images every page may name (the paper's logo and its default card) are
measured once per process. ``script`` turns the dicts into one ``<script>``
element whose text no headline can end early.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache, cached_property
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from PIL import Image as PILImage

from content import routes
from publisher import renditions

CONTEXT = "https://schema.org"
LOGO = "content/logo.png"
DEFAULT_CARD = "content/default-card.png"

# In a <script> element only "</script" (or "<!--") ends the text early: the
# characters that could start one are written as JSON escapes, which every
# JSON reader turns back into the same text (Django's json_script does the same).
_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


@dataclass(frozen=True)
class Image:
    """An image at an absolute URL, with its size in pixels when known."""

    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""

    def json_ld(self) -> dict[str, Any]:
        data: dict[str, Any] = {"@type": "ImageObject", "url": self.url}
        if self.width and self.height:
            data["width"], data["height"] = self.width, self.height
        return data


@dataclass(frozen=True)
class Brand:
    """The paper as every page of one build names it."""

    name: str
    url: str  # the home page
    logo: Image
    card: Image  # the social card of a page without a photo of its own
    language: str

    @property
    def id(self) -> str:
        return self.url + "#organization"

    # Computed once per build, then shared by every page (never changed).
    @cached_property
    def organization(self) -> dict[str, Any]:
        return {
            "@type": "NewsMediaOrganization",
            "@id": self.id,
            "name": self.name,
            "url": self.url,
            "logo": self.logo.json_ld(),
        }


def brand(site: Any) -> Brand:
    """The Site's Brand, made once per Site (a build, a publish)."""
    return site.memo(("structured", "brand"), lambda: _brand(site))


def _brand(site: Any) -> Brand:
    home = site.absolute("/")
    return Brand(
        name=site.name,
        url=home,
        logo=Image(site.absolute(static(LOGO)), *static_size(LOGO), alt=site.name),
        card=Image(site.absolute(static(DEFAULT_CARD)), *static_size(DEFAULT_CARD), alt=site.name),
        language=_language(settings.LANGUAGE_CODE),
    )


@cache
def static_size(path: str) -> tuple[int | None, int | None]:
    """The pixel size of one of the app's static images, read from its header
    once per process (an operator who swaps the logo restarts with the code)."""
    found = finders.find(path)
    if not found:
        return None, None
    with PILImage.open(found) as image:
        return image.size


def _language(code: str) -> str:
    # Django's "en-us" as BCP 47 writes it.
    lang, _, region = code.partition("-")
    return f"{lang}-{region.upper()}" if region else lang


def when(value: datetime | date, tz: tzinfo | None = None) -> str:
    """ISO 8601 in the paper's time zone (``tz``, else the current one), to
    the second, as the pages' ``|iso``."""
    if isinstance(value, datetime):
        return value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")
    return value.isoformat()


def modified(item: Any) -> datetime:
    """When readers were last told the item changed: a substantive update an
    editor marked as shown, else its publish time (a typo fix moves nothing)."""
    return item.modified_at


# -- Items ---------------------------------------------------------------------

# Each kind's list: the section of its items, between the home page and an item.
_LISTS = {
    "obituary": ("Obituaries", "/" + routes.OBITUARIES),
    "crime": ("Crime reports", "/" + routes.CRIMES),
}


@dataclass(frozen=True)
class Facts:
    """What an item's JSON-LD and its Open Graph tags both say."""

    published: str
    modified: str
    section: str  # its name
    section_url: str
    photo: Image | None  # with the size stored beside it: no file is opened
    authors: tuple[dict[str, str], ...]  # the bylines, as schema.org Persons


def facts(site: Any, item: Any) -> Facts:
    """The item's Facts, worked out once per item (kept on it, as pages
    render rows fresh from the database): a page's head asks three times."""
    try:
        return item._head_facts
    except AttributeError:
        pass
    tz = site.memo(("structured", "tz"), timezone.get_current_timezone)
    if item.kind == "story":
        name, path = item.section.name, item.section.get_absolute_url()
    else:
        name, path = _LISTS[item.kind]
    image = None
    if getattr(item, "photo", None):
        image = _photo_card(site, item)
    item._head_facts = Facts(
        published=when(item.publish_at, tz),
        modified=when(modified(item), tz),
        section=name,
        section_url=site.absolute(path),
        photo=image,
        authors=tuple(_person(site, byline.author) for byline in getattr(item, "byline_list", ())),
    )
    return item._head_facts


def _photo_card(site: Any, item: Any) -> Image | None:
    """The item's photo as social sites and search engines get it: its
    1200-pixel JPEG card; the original for a photo stored before renditions
    existed; None (the paper's card) when its renditions could not be made."""
    digest = getattr(item, "photo_digest", "")
    if not digest:
        url = site.absolute(item.photo.url)
        return Image(url, item.photo_width, item.photo_height, item.photo_alt)
    shown = renditions.shown(digest, item.photo_width, item.photo_height)
    if shown is None:
        return None
    return Image(site.absolute(shown.card), shown.card_width, shown.card_height, item.photo_alt)


def _person(site: Any, author: Any) -> dict[str, str]:
    person = {
        "@type": "Person",
        "name": author.name,
        "url": site.absolute(author.get_absolute_url()),
    }
    if author.title:
        person["jobTitle"] = author.title
    return person


def item_graph(site: Any, item: Any, url: str) -> list[dict[str, Any]]:
    """An item page's JSON-LD: the article of its kind and its breadcrumbs."""
    article = ARTICLES[item.kind](site, item, url)
    shown = getattr(item, "_comments", None)  # put there by its page (content.pages)
    if shown is not None:
        article.update(comments(site, shown, url))
    return [article, breadcrumbs(site, item, url)]


def comments(site: Any, shown: list[Any], url: str) -> dict[str, Any]:
    """The approved comments on the page, as schema.org ``Comment`` entries
    (a reply names the comment it answers)."""
    tz = site.memo(("structured", "tz"), timezone.get_current_timezone)
    entries, ids = [], {comment.pk for comment in shown}
    for comment in shown:
        entry: dict[str, Any] = {
            "@type": "Comment",
            "@id": f"{url}#comment-{comment.pk}",
            "url": f"{url}#comment-{comment.pk}",
            "author": {"@type": "Person", "name": comment.name},
            "dateCreated": when(comment.posted_at, tz),
            "text": comment.body,  # plain text as the reader wrote it
        }
        if comment.parent_id in ids:
            entry["parentItem"] = {"@id": f"{url}#comment-{comment.parent_id}"}
        entries.append(entry)
    out: dict[str, Any] = {"commentCount": len(shown)}
    if entries:
        out["comment"] = entries
    return out


def _article(site: Any, item: Any, url: str, kind: str) -> dict[str, Any]:
    paper, known = brand(site), facts(site, item)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": kind,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": item.title,
        "description": getattr(item, "dek", "") or item.summary,
        "datePublished": known.published,
        "dateModified": known.modified,
        "author": [paper.organization],
        "articleSection": known.section,
        "inLanguage": paper.language,
        "isAccessibleForFree": True,
        "publisher": paper.organization,
    }
    # The paper's card for an item without a photo, as its og:image says.
    data["image"] = [(known.photo or paper.card).json_ld()]
    return data


def story(site: Any, item: Any, url: str) -> dict[str, Any]:
    data = _article(site, item, url, "NewsArticle")
    people = facts(site, item).authors
    if people:  # a story without a byline is the paper's own
        data["author"] = list(people)
    return data


def obituary(site: Any, item: Any, url: str) -> dict[str, Any]:
    """An Article about the person who died: schema.org has no obituary type."""
    data = _article(site, item, url, "Article")
    person: dict[str, Any] = {"@type": "Person", "name": item.full_name}
    if item.birth_date:
        person["birthDate"] = when(item.birth_date)
    person["deathDate"] = when(item.death_date)
    if item.hometown:
        person["homeLocation"] = {"@type": "Place", "name": item.hometown}
    data["about"] = person
    return data


def crime(site: Any, item: Any, url: str) -> dict[str, Any]:
    """A report of what the police logged: schema.org's ReportageNewsArticle
    (first-hand facts), placed at the block, never closer."""
    data = _article(site, item, url, "ReportageNewsArticle")
    place = ", ".join(part for part in (item.address_block, item.neighborhood) if part)
    data["contentLocation"] = {"@type": "Place", "name": place}
    data["keywords"] = [item.get_incident_type_display()]
    return data


ARTICLES = {"story": story, "obituary": obituary, "crime": crime}


def breadcrumbs(site: Any, item: Any, url: str) -> dict[str, Any]:
    known = facts(site, item)
    trail = [(site.name, site.absolute("/")), (known.section, known.section_url), (item.title, url)]
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": link}
            for n, (name, link) in enumerate(trail, start=1)
        ],
    }


# -- Other pages -----------------------------------------------------------------


def front(site: Any) -> list[dict[str, Any]]:
    """The front page's JSON-LD: the site, and the paper that publishes it."""
    paper = brand(site)
    return [
        {
            "@context": CONTEXT,
            "@type": "WebSite",
            "name": paper.name,
            "url": paper.url,
            "inLanguage": paper.language,
            "publisher": {"@id": paper.id},
        },
        {"@context": CONTEXT, **paper.organization},
    ]


def profile(site: Any, author: Any, url: str) -> dict[str, Any]:
    """An author's page: a ProfilePage about the person, who works for the paper."""
    person: dict[str, Any] = {"@type": "Person", "name": author.name, "url": url}
    if author.title:
        person["jobTitle"] = author.title
    if author.bio:
        person["description"] = author.bio
    person["worksFor"] = {"@id": brand(site).id}
    return {"@context": CONTEXT, "@type": "ProfilePage", "url": url, "mainEntity": person}


# -- Output ----------------------------------------------------------------------


def script(data: Any) -> SafeString:
    """``data`` as a JSON-LD ``<script>`` element that no text inside can end."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 (escaped above)


def _meta(attribute: str, key: str, value: Any) -> str:
    return f'<meta {attribute}="{key}" content="{escape(str(value))}">\n'


def article_tags(site: Any, item: Any) -> SafeString:
    """Open Graph's article tags: the same dates and section as the JSON-LD."""
    known = facts(site, item)
    tags = [
        _meta("property", "article:published_time", known.published),
        _meta("property", "article:modified_time", known.modified),
        _meta("property", "article:section", known.section),
    ]
    for person in known.authors:
        tags.append(_meta("property", "article:author", person["url"]))
    return mark_safe("".join(tags))  # noqa: S308 (every value escaped by _meta)


def card_tags(image: Image) -> SafeString:
    """The Open Graph and Twitter tags that show ``image`` on a shared link."""
    tags = [_meta("property", "og:image", image.url)]
    if image.width and image.height:
        tags.append(_meta("property", "og:image:width", image.width))
        tags.append(_meta("property", "og:image:height", image.height))
    if image.alt:
        tags.append(_meta("property", "og:image:alt", image.alt))
    tags.append(_meta("name", "twitter:card", "summary_large_image"))
    if image.alt:
        tags.append(_meta("name", "twitter:image:alt", image.alt))
    return mark_safe("".join(tags))  # noqa: S308 (every value escaped by _meta)


def card(site: Any, item: Any = None) -> SafeString:
    """A page's card tags: the item's photo, else the paper's default card
    (the same tags on every such page, made once per build)."""
    image = None
    if item is not None and getattr(item, "photo", None):
        image = facts(site, item).photo if item.kind in ARTICLES else _photo_card(site, item)
    if image is not None:
        return card_tags(image)
    return site.memo(("structured", "default card"), lambda: card_tags(brand(site).card))
