"""The sitemap (the sitemaps.org protocol).

Up to 50,000 URLs, ``/sitemap.xml`` lists them all; past that it becomes a
sitemap index pointing at ``/sitemaps/<part>-<n>.xml`` files of PART_SIZE
URLs each. Items are listed oldest first, so a new one lands in the last
part and the others stay put.

Below the limit the same parts follow one another in ``/sitemap.xml``, each
after a comment naming its range (``<!-- stories 2001 to 3000 -->``).
Publishing formats again only the parts its changes touch (the part files,
or those parts of the one file, copying the rest from the live file), so a
save costs the same at 1,000 URLs and at 49,000. Entries are formatted here
from plain rows fetched a batch at a time: a part costs one indexed query
and some string formatting, and memory stays flat however big the site.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.template import loader
from django.utils import timezone
from django.utils.html import escape

from content.models import Author, CrimeReport, Obituary, Story

if TYPE_CHECKING:
    from publisher.pages import Site


# Rows fetched at a time: memory stays flat however big the site.
BATCH = 5000
# URLs per part file once the sitemap is an index: well under the protocol's
# 50,000, so publishing one story rewrites a small file.
PART_SIZE = 1_000

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
FOOTER = "</urlset>\n"

# Part name -> the item kind listed in it ("pages" lists the fronts).
ITEM_PARTS: dict[str, tuple[str, Any]] = {
    "stories": ("story", Story),
    "obituaries": ("obituary", Obituary),
    "crime": ("crime", CrimeReport),
}
PARTS = ["pages", *ITEM_PARTS]


def _page_paths(site: Site) -> list[str]:
    """The fronts: home, indexes, sections, authors and the month archives."""
    from publisher.pages import PAGES

    if "sitemap_page_paths" not in site.cache:
        paths = [PAGES[name].url({}) for name in ("home", "news", "obituaries", "crime")]
        paths += [section.get_absolute_url() for section in site.sections]
        paths += [
            PAGES["author"].url({"slug": slug})
            for slug in Author.objects.order_by("name", "id").values_list("slug", flat=True)
        ]
        paths += [PAGES["archive"].url(params) for params in PAGES["archive"].params(site)]
        site.cache["sitemap_page_paths"] = paths
    return site.cache["sitemap_page_paths"]


def _items(site: Site, part: str) -> Any:
    return ITEM_PARTS[part][1].objects.published(site.now)


def item_counts(site: Site) -> dict[str, int]:
    """URLs in each item part (cheap: one COUNT each)."""
    if "sitemap_item_counts" not in site.cache:
        found = {part: site.count(_items(site, part)) for part in ITEM_PARTS}
        site.cache["sitemap_item_counts"] = found
    return site.cache["sitemap_item_counts"]


def counts(site: Site) -> dict[str, int]:
    """URLs in each part."""
    return {"pages": len(_page_paths(site)), **item_counts(site)}


def _count(site: Site, part: str) -> int:
    """URLs in one part (the fronts are counted only for their own part)."""
    return item_counts(site)[part] if part in ITEM_PARTS else len(_page_paths(site))


def _entries(site: Site, part: str, first: int, last: int) -> Iterator[str]:
    """The <url> entries [first, last) of a part."""
    if part == "pages":
        for path in _page_paths(site)[first:last]:
            yield f"<url><loc>{escape(site.absolute(path))}</loc></url>\n"
        return
    from publisher.pages import DETAIL_PAGES, key_at, keyed, newer_than

    page = DETAIL_PAGES[ITEM_PARTS[part][0]]

    def url(row: Any) -> str:
        return site.absolute(page.url(page.params_for(row)))

    rows = (
        _items(site, part)
        .order_by("publish_at", "id")
        .values_list("id", "slug", "publish_at", "updated_at", named=True)
    )
    # Keyset batches (an index range each), not OFFSET: MariaDB would read a
    # far part's whole prefix, and the last batch would be a full scan.
    after = key_at(site, _items(site, part), first - 1) if first else None
    remaining = last - first
    zone = timezone.get_current_timezone()
    while remaining > 0:
        batch_rows = rows
        if after is not None:
            batch_rows = keyed(rows, newer_than(*after))
        batch = list(batch_rows[: min(BATCH, remaining)])
        for row in batch:
            lastmod = row.updated_at.astimezone(zone)
            yield f"<url><loc>{escape(url(row))}</loc><lastmod>{lastmod:%Y-%m-%d}</lastmod></url>\n"
        if not batch:
            return
        remaining -= len(batch)
        after = (batch[-1].publish_at, batch[-1].id)


def _urlset(entries: Iterator[str]) -> bytes:
    return "".join([HEADER, *entries, FOOTER]).encode()


def part_size(limit: int) -> int:
    return min(limit, PART_SIZE)


def _part_pages(count: int, size: int) -> int:
    """Part files of a part: an empty part still has its (empty) file."""
    return max(1, math.ceil(count / size))


def sitemap_parts(site: Site, limit: int) -> Iterator[dict[str, Any]]:
    """The part files, when the site is too big for one sitemap."""
    found = counts(site)
    if sum(found.values()) <= limit:
        return
    size = part_size(limit)
    for part in PARTS:
        for page in range(1, _part_pages(found[part], size) + 1):
            yield {"part": part, "page": page}


def has_part(site: Site, part: str, page: int, limit: int) -> bool:
    """Whether ``sitemap_parts`` lists this part, counting the fronts (months,
    authors) only when the items alone do not settle it."""
    if part not in PARTS or page < 1:
        return False
    items = item_counts(site)
    if sum(items.values()) <= limit and sum(counts(site).values()) <= limit:
        return False
    return page <= _part_pages(_count(site, part), part_size(limit))


# Below the limit, /sitemap.xml holds the same parts one after the other,
# each after a comment naming it, so a publish can copy the parts it did
# not change from the live file instead of formatting every URL again.
_MARK = "<!-- {part} {first} to {last} -->\n"
_MARKS = re.compile(rb"<!-- ([a-z]+) (\d+) to (\d+) -->\n")


def _mark(part: str, first: int, last: int) -> str:
    return _MARK.format(part=part, first=first + 1, last=last)


def _marked_parts(data: bytes) -> dict[str, memoryview]:
    """A flat sitemap's parts by their comment: {comment: entries}. Empty
    when the file is not one of ours (an index, another format). Found with
    ``bytes.find`` and kept as views of ``data``: at 49,000 URLs the file is
    6 MB, and nothing in it needs decoding or copying."""
    header, footer = HEADER.encode(), FOOTER.encode()
    if not (data.startswith(header) and data.endswith(footer)):
        return {}
    view, end = memoryview(data), len(data) - len(footer)
    found = {}
    at = len(header)
    while at < end:
        mark = _MARKS.match(data, at)
        if mark is None:
            return {}
        following = data.find(b"<!-- ", mark.end(), end)  # "<" is escaped in URLs
        following = end if following == -1 else following
        part, first, last = (group.decode() for group in mark.groups())
        found[_MARK.format(part=part, first=first, last=last)] = view[mark.end() : following]
        at = following
    return found


def _flat(site: Site, limit: int, found: dict[str, int], reuse: dict[str, memoryview]) -> bytes:
    """Every URL, part by part; a part whose comment is in ``reuse`` is
    copied from there, runs of the others are formatted in one query each."""
    size = part_size(limit)
    out: list[bytes | memoryview] = [HEADER.encode()]
    for part in PARTS:
        total = found[part]
        if not total:
            continue
        run: list[int] = []  # pages to format, consecutive
        for page in range(1, math.ceil(total / size) + 1):
            first = (page - 1) * size
            mark = _mark(part, first, min(total, first + size))
            if mark in reuse:
                out += [_format_run(site, part, run, size, total), mark.encode(), reuse[mark]]
                run = []
            else:
                run.append(page)
        out.append(_format_run(site, part, run, size, total))
    out.append(FOOTER.encode())
    return b"".join(out)


def _format_run(site: Site, part: str, pages: list[int], size: int, total: int) -> bytes:
    if not pages:
        return b""
    first = (pages[0] - 1) * size
    last = min(total, pages[-1] * size)
    out = [_mark(part, first, min(last, first + size))]
    for place, entry in enumerate(_entries(site, part, first, last), start=first):
        if place > first and place % size == 0:
            out.append(_mark(part, place, min(last, place + size)))
        out.append(entry)
    return "".join(out).encode()


def render_sitemap(
    site: Site,
    limit: int,
    previous: bytes = b"",
    changed: Iterable[tuple[str, int]] | None = None,
) -> bytes:
    """``/sitemap.xml``. Publishing passes the live file as ``previous`` and
    the parts its changes touched as ``changed`` ({(part, page)}): the other
    parts are copied."""
    found = counts(site)
    if sum(found.values()) <= limit:
        reuse = _marked_parts(previous) if changed is not None else {}
        if reuse:
            size = part_size(limit)
            for part, page in changed:
                first = (page - 1) * size
                reuse.pop(_mark(part, first, min(found[part], first + size)), None)
        return _flat(site, limit, found, reuse)
    from publisher.pages import PAGES

    entries = [
        {"location": site.absolute(PAGES["sitemap_part"].url(params))}
        for params in sitemap_parts(site, limit)
    ]
    return loader.render_to_string("sitemap_index.xml", {"sitemaps": entries}).encode()


def render_sitemap_part(site: Site, part: str, page: int, limit: int) -> bytes:
    size = part_size(limit)
    first = (page - 1) * size
    return _urlset(_entries(site, part, first, min(_count(site, part), first + size)))
