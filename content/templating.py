"""The Jinja2 environment of the reader templates (``content/jinja2/``).

Every page readers get renders through Django's own Jinja2 backend (the
``"jinja2"`` entry of ``TEMPLATES``); the admin stays on Django's templates.
Jinja2 renders the same pages in about half the time. What the templates
call beyond Jinja2's own filters is here, one name each:

- filters: ``date`` (Django's format characters: ``{{ when|date("F j, Y") }}``),
  ``iso`` (a ``datetime`` attribute), ``pluralize``;
- globals: ``static("content/site.css")``, ``url("preview_media", name)``,
  and the page head's structured data and social card
  (``item_json_ld(site, item, canonical_url)``, ``front_json_ld(site)``,
  ``author_json_ld(site, author, canonical_url)``,
  ``article_tags(site, item)``, ``social_card(site, item)``).

Dates are turned into the site's time zone first, as Django's template
engine does for its ``date`` filter, so both engines print the same text.
The time zone, the language and the static files' addresses are asked once
per ``Site`` (a build, a publish, a request): asking Django's thread-local
state for them took a tenth of a story page's time.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.templatetags.static import static as static_url
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language
from jinja2 import ChainableUndefined, Environment, pass_context
from jinja2.runtime import Context

from content import structured
from content.templatetags import dates
from publisher import renditions


def _locale(context: Context) -> tuple[tzinfo, str | None]:
    """The time zone and language of the page's Site (asked once per Site)."""
    site = context.get("site")
    if site is None:
        return get_current_timezone(), get_language()
    return site.memo(("templating", "locale"), lambda: (get_current_timezone(), get_language()))


def _local(value: Any, tz: tzinfo) -> Any:
    # As Django's templates do for filters that expect local time.
    if isinstance(value, datetime) and value.tzinfo is not None and settings.USE_TZ:
        return value.astimezone(tz)
    return value


@pass_context
def date(context: Context, value: Any, format_string: str | None = None) -> str:
    """Django's ``date`` filter: ``{{ story.publish_at|date("F j, Y") }}``."""
    tz, language = _locale(context)
    return dates.format_date(_local(value, tz), format_string, language)


@pass_context
def iso(context: Context, value: Any) -> str:
    """A time for machines, to the second: ``<time datetime="{{ t|iso }}">``."""
    return dates.iso(_local(value, _locale(context)[0]))


@pass_context
def static(context: Context, path: str) -> str:
    """Django's ``{% static %}``: ``{{ static("content/site.css") }}``."""
    site = context.get("site")
    if site is None:
        return static_url(path)
    return site.memo(("templating", "static", path), lambda: static_url(path))


def pluralize(value: Any, suffix: str = "s") -> str:
    """``suffix`` unless ``value`` (a number, or a list's length) is 1."""
    count = value if isinstance(value, int) else len(value)
    return "" if count == 1 else suffix


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Django's ``{% url %}``: ``{{ url("preview_media", photo.name) }}``."""
    return reverse(name, args=args, kwargs=kwargs)


def item_json_ld(site: Any, item: Any, canonical_url: str) -> SafeString:
    return structured.script(structured.item_graph(site, item, canonical_url))


def front_json_ld(site: Any) -> SafeString:
    return structured.script(structured.front(site))


def author_json_ld(site: Any, author: Any, canonical_url: str) -> SafeString:
    return structured.script(structured.profile(site, author, canonical_url))


def article_tags(site: Any, item: Any) -> SafeString:
    return structured.article_tags(site, item)


def social_card(site: Any, item: Any = None) -> SafeString:
    return structured.card(site, item)


# What width a photo takes in the layout (site.css): the story column is
# 40rem at most, inside 1rem of padding each side; the front page's lead is
# two thirds of a 72rem page from 52rem up. A browser picks the smallest
# rendition that covers this many CSS pixels at its density.
PHOTO_SIZES = "(min-width: 42rem) 40rem, calc(100vw - 2rem)"
FRONT_LEAD_SIZES = "(min-width: 72rem) 46rem, (min-width: 52rem) 64vw, calc(100vw - 2rem)"


def environment(**options: Any) -> Environment:
    """The environment ``TEMPLATES`` names (``OPTIONS["environment"]``)."""
    # A missing name, or an attribute of one (``section.description`` on a
    # list without a section), is empty and false, as in Django's templates;
    # with DEBUG on too (Django's backend would print "{{ name }}" then,
    # and the dev server must give the same bytes as the build).
    options["undefined"] = ChainableUndefined
    # Every value is escaped (a plain-text template says {% autoescape false %}).
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters.update(date=date, iso=iso, pluralize=pluralize)
    env.globals.update(
        static=static,
        url=url,
        item_json_ld=item_json_ld,
        front_json_ld=front_json_ld,
        author_json_ld=author_json_ld,
        article_tags=article_tags,
        social_card=social_card,
        photo_sources=renditions.shown,
        PHOTO_SIZES=PHOTO_SIZES,
        FRONT_LEAD_SIZES=FRONT_LEAD_SIZES,
    )
    return env
