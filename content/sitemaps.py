"""The sitemap, through django.contrib.sitemaps.

Up to 50,000 URLs, ``/sitemap.xml`` lists them all; past that it becomes a
sitemap index pointing at ``/sitemaps/<part>-<n>.xml`` files of at most
50,000 URLs each, as the protocol requires.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.template import loader
from django.utils import timezone
from django.utils.html import escape

from content.models import Author, CrimeReport, Obituary, Story

if TYPE_CHECKING:
    from publisher.pages import Site


# URLs fetched and rendered at a time: memory stays flat however big the site.
BATCH = 5000
# URLs per part file once the sitemap is an index: well under the protocol's
# 50,000, so publishing one story rewrites a small file.
PART_SIZE = 2_000

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
FOOTER = "</urlset>\n"


class NewsroomSitemap(Sitemap):
    limit = BATCH  # Django's pagination of items, in batches; files may hold many

    def __init__(self, site: Site) -> None:
        self.site = site

    def count(self) -> int:
        return self.paginator.count


class ItemSitemap(NewsroomSitemap):
    model: Any

    def items(self) -> Any:
        # Oldest first: a new item lands in the last part, the others stay put.
        return (
            self.model.objects.published(self.site.now)
            .only("slug", "publish_at", "updated_at")
            .order_by("publish_at", "id")
        )

    def lastmod(self, item: Any) -> Any:
        return item.updated_at


class StorySitemap(ItemSitemap):
    model = Story


class ObituarySitemap(ItemSitemap):
    model = Obituary


class CrimeSitemap(ItemSitemap):
    model = CrimeReport


class PageSitemap(NewsroomSitemap):
    """The fronts: home, indexes, sections, authors and the month archives."""

    def items(self) -> list[str]:
        from publisher.pages import PAGES

        paths = [PAGES[name].url({}) for name in ("home", "news", "obituaries", "crime")]
        paths += [section.get_absolute_url() for section in self.site.sections]
        paths += [
            PAGES["author"].url({"slug": slug})
            for slug in Author.objects.order_by("name", "id").values_list("slug", flat=True)
        ]
        paths += [PAGES["archive"].url(params) for params in PAGES["archive"].params(self.site)]
        return paths

    def location(self, item: str) -> str:
        return item


PARTS: dict[str, type[NewsroomSitemap]] = {
    "pages": PageSitemap,
    "stories": StorySitemap,
    "obituaries": ObituarySitemap,
    "crime": CrimeSitemap,
}


def _domain(site: Site) -> SimpleNamespace:
    return SimpleNamespace(domain=site.host, name=site.name)


def _counts(site: Site, limit: int) -> dict[str, tuple[NewsroomSitemap, int]]:
    if "sitemap_counts" not in site.cache:
        parts = {name: cls(site) for name, cls in PARTS.items()}
        site.cache["sitemap_counts"] = {name: (sm, sm.count()) for name, sm in parts.items()}
    return site.cache["sitemap_counts"]


def part_size(limit: int) -> int:
    return min(limit, PART_SIZE)


def sitemap_parts(site: Site, limit: int) -> Iterator[dict[str, Any]]:
    """The part files, when the site is too big for one sitemap."""
    counts = _counts(site, limit)
    if sum(count for _, count in counts.values()) <= limit:
        return
    size = part_size(limit)
    for name, (_, count) in counts.items():
        for page in range(1, max(1, math.ceil(count / size)) + 1):
            yield {"part": name, "page": page}


def _urlset(site: Site, ranges: list[tuple[NewsroomSitemap, int, int]]) -> bytes:
    """A <urlset> of items [first, last) of each sitemap, rendered a batch at a time."""
    out = [HEADER]
    for sitemap, first, last in ranges:
        for number in range(first // BATCH + 1, math.ceil(last / BATCH) + 1):
            urls = sitemap.get_urls(page=number, site=_domain(site), protocol=site.scheme)
            offset = (number - 1) * BATCH
            # Formatted directly: publishing re-renders a sitemap each time.
            out.extend(map(_entry, urls[max(0, first - offset) : last - offset]))
    out.append(FOOTER)
    return "".join(out).encode()


def _entry(url: dict) -> str:
    lastmod = url["lastmod"]
    stamp = f"<lastmod>{timezone.localtime(lastmod):%Y-%m-%d}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(url['location'])}</loc>{stamp}</url>\n"


def render_sitemap(site: Site, limit: int) -> bytes:
    counts = _counts(site, limit)
    if sum(count for _, count in counts.values()) <= limit:
        return _urlset(site, [(sitemap, 0, count) for sitemap, count in counts.values()])
    from publisher.pages import PAGES

    entries = [
        {"location": site.absolute(PAGES["sitemap_part"].url(params))}
        for params in sitemap_parts(site, limit)
    ]
    return loader.render_to_string("sitemap_index.xml", {"sitemaps": entries}).encode()


def render_sitemap_part(site: Site, part: str, page: int, limit: int) -> bytes:
    sitemap, count = _counts(site, limit)[part]
    size = part_size(limit)
    first = (page - 1) * size
    return _urlset(site, [(sitemap, first, min(count, first + size))])
