"""The sitemap (the sitemaps.org protocol).

Up to 50,000 URLs, ``/sitemap.xml`` lists them all; past that it becomes a
sitemap index pointing at ``/sitemaps/<part>-<n>.xml`` files of PART_SIZE
URLs each. The parts are "pages" (the fronts the registry names) and one per
item kind (``Kind.sitemap_part``). Items are listed oldest first, so a new
one lands in the last part and the others stay put.

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
from typing import Any

from django.http import Http404
from django.template import loader
from django.utils import timezone
from django.utils.html import escape

from publisher.pages.archive import ArchivePage
from publisher.pages.base import Change, Context, Page, Site, views_of
from publisher.pages.keyset import keyed, newer_than
from publisher.pages.news_sitemap import NewsSitemapPage
from publisher.pages.places import key_at, rank
from publisher.pages.registry import Kind, Registry
from publisher.pages.routes import Params
from publisher.paths import file_path

SITEMAP_LIMIT = 50_000
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


def _urlset(entries: Iterator[str]) -> bytes:
    return "".join([HEADER, *entries, FOOTER]).encode()


def part_size(limit: int) -> int:
    return min(limit, PART_SIZE)


def _part_pages(count: int, size: int) -> int:
    """Part files of a part: an empty part still has its (empty) file."""
    return max(1, math.ceil(count / size))


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


class Sitemap:
    """A site's sitemap: its parts, their entries, the files."""

    def __init__(self, registry: Registry, limit: int | None = None) -> None:
        self.registry = registry
        self.limit = SITEMAP_LIMIT if limit is None else limit
        # Part name -> the item kind listed in it ("pages" lists the fronts).
        self.item_parts: dict[str, Kind] = {
            kind.sitemap_part: kind for kind in registry.item_kinds if kind.sitemap_part
        }
        self.parts = ["pages", *self.item_parts]

    def page_paths(self, site: Site) -> list[str]:
        """The fronts the registry names (home, indexes, sections, authors,
        the month archives), in its order."""

        def paths() -> list[str]:
            out = []
            for name in self.registry.fronts:
                page = self.registry.page(name)
                out += [page.url(params) for params in page.front_params(site)]
            return out

        return site.memo("sitemap fronts", paths)

    def items(self, site: Site, part: str) -> Any:
        return self.item_parts[part].model.objects.published(site.now)

    def item_counts(self, site: Site) -> dict[str, int]:
        """URLs in each item part (cheap: one COUNT each)."""
        return {part: site.count(self.items(site, part)) for part in self.item_parts}

    def counts(self, site: Site) -> dict[str, int]:
        """URLs in each part."""
        return {"pages": len(self.page_paths(site)), **self.item_counts(site)}

    def count(self, site: Site, part: str) -> int:
        """URLs in one part (the fronts are counted only for their own part)."""
        if part in self.item_parts:
            return self.item_counts(site)[part]
        return len(self.page_paths(site))

    def entries(self, site: Site, part: str, first: int, last: int) -> Iterator[str]:
        """The <url> entries [first, last) of a part."""
        if part == "pages":
            for path in self.page_paths(site)[first:last]:
                yield f"<url><loc>{escape(site.absolute(path))}</loc></url>\n"
            return
        page = self.registry.detail(self.item_parts[part].name)

        def url(row: Any) -> str:
            return site.absolute(page.url(page.params_for(row)))

        rows = (
            self.items(site, part)
            .order_by("publish_at", "id")
            .values_list("id", "slug", "publish_at", "updated_at", named=True)
        )
        # Keyset batches (an index range each), not OFFSET: MariaDB would read a
        # far part's whole prefix, and the last batch would be a full scan.
        after = key_at(site, self.items(site, part), first - 1) if first else None
        remaining = last - first
        zone = timezone.get_current_timezone()
        while remaining > 0:
            batch_rows = rows
            if after is not None:
                batch_rows = keyed(rows, newer_than(*after))
            batch = list(batch_rows[: min(BATCH, remaining)])
            for row in batch:
                lastmod = row.updated_at.astimezone(zone)
                yield (
                    f"<url><loc>{escape(url(row))}</loc>"
                    f"<lastmod>{lastmod:%Y-%m-%d}</lastmod></url>\n"
                )
            if not batch:
                return
            remaining -= len(batch)
            after = (batch[-1].publish_at, batch[-1].id)

    def part_files(self, site: Site) -> Iterator[Params]:
        """The part files, when the site is too big for one sitemap."""
        found = self.counts(site)
        if sum(found.values()) <= self.limit:
            return
        size = part_size(self.limit)
        for part in self.parts:
            for page in range(1, _part_pages(found[part], size) + 1):
                yield {"part": part, "page": page}

    def has_part(self, site: Site, part: str, page: int) -> bool:
        """Whether ``part_files`` lists this part, counting the fronts (months,
        authors) only when the items alone do not settle it."""
        if part not in self.parts or page < 1:
            return False
        items = self.item_counts(site)
        if sum(items.values()) <= self.limit and sum(self.counts(site).values()) <= self.limit:
            return False
        return page <= _part_pages(self.count(site, part), part_size(self.limit))

    def _flat(self, site: Site, found: dict[str, int], reuse: dict[str, memoryview]) -> bytes:
        """Every URL, part by part; a part whose comment is in ``reuse`` is
        copied from there, runs of the others are formatted in one query each."""
        size = part_size(self.limit)
        out: list[bytes | memoryview] = [HEADER.encode()]
        for part in self.parts:
            total = found[part]
            if not total:
                continue
            run: list[int] = []  # pages to format, consecutive
            for page in range(1, math.ceil(total / size) + 1):
                first = (page - 1) * size
                mark = _mark(part, first, min(total, first + size))
                if mark in reuse:
                    out += [self._format_run(site, part, run, size, total), mark.encode()]
                    out.append(reuse[mark])
                    run = []
                else:
                    run.append(page)
            out.append(self._format_run(site, part, run, size, total))
        out.append(FOOTER.encode())
        return b"".join(out)

    def _format_run(self, site: Site, part: str, pages: list[int], size: int, total: int) -> bytes:
        if not pages:
            return b""
        first = (pages[0] - 1) * size
        last = min(total, pages[-1] * size)
        out = [_mark(part, first, min(last, first + size))]
        for place, entry in enumerate(self.entries(site, part, first, last), start=first):
            if place > first and place % size == 0:
                out.append(_mark(part, place, min(last, place + size)))
            out.append(entry)
        return "".join(out).encode()

    def render(
        self,
        site: Site,
        previous: bytes = b"",
        changed: Iterable[tuple[str, int]] | None = None,
        part_url: Any = None,
    ) -> bytes:
        """``/sitemap.xml``. Publishing passes the live file as ``previous`` and
        the parts its changes touched as ``changed`` ({(part, page)}): the other
        parts are copied. ``part_url`` gives a part file's address."""
        found = self.counts(site)
        if sum(found.values()) <= self.limit:
            reuse = _marked_parts(previous) if changed is not None else {}
            if reuse:
                size = part_size(self.limit)
                for part, page in changed or ():
                    first = (page - 1) * size
                    reuse.pop(_mark(part, first, min(found[part], first + size)), None)
            return self._flat(site, found, reuse)
        entries = [
            {"location": site.absolute(part_url(params))} for params in self.part_files(site)
        ]
        news = self.registry.find(NewsSitemapPage)
        if news is not None:  # a file of its own, whatever the size of the site
            entries.append({"location": site.absolute(news.url({}))})
        return loader.render_to_string("sitemap_index.xml", {"sitemaps": entries}).encode()

    def render_part(self, site: Site, part: str, page: int) -> bytes:
        size = part_size(self.limit)
        first = (page - 1) * size
        return _urlset(self.entries(site, part, first, min(self.count(site, part), first + size)))

    # -- what a publish touches ------------------------------------------------

    def form(self, site: Site, changes: list[Change]) -> str:
        """ "index" or "flat" when the sitemap is that before and after these
        changes; "crossing" when they may take it across the 50,000 URL line.
        The fronts (months, authors) are counted only near the line."""
        # Each change adds or removes its item, and may empty a month for every
        # state it had and fill one: the most the total can move.
        slack = sum(len(change.before) + 2 for change in changes)
        if sum(self.item_counts(site).values()) - slack > self.limit:
            return "index"
        total = sum(self.counts(site).values())
        if total + slack <= self.limit:
            return "flat"
        return "index" if total - slack > self.limit else "crossing"

    def fronts_changed(self, site: Site, changes: list[Change]) -> bool:
        """Whether the fronts part may list other pages after these changes:
        a followed kind that is not an item (an author) came or went, or a
        month archive appeared, emptied or gained or lost a page."""
        if any(
            not self.registry.kinds[c.kind].item for c in changes if c.kind in self.registry.kinds
        ):
            return True
        archive = self.registry.find(ArchivePage)
        return bool(
            archive
            and (archive.shifting_months(site, changes) or archive.paging_changed(site, changes))
        )

    def touched_parts(
        self, site: Site, changes: list[Change], crossing: bool
    ) -> list[tuple[str, int]]:
        """The sitemap parts (part, page) whose URLs or dates these changes may
        alter, whether the parts are files of their own or sections of one."""
        size = part_size(self.limit)
        out = []
        # The "pages" part lists the fronts (no dates).
        if crossing or self.fronts_changed(site, changes):
            last = math.ceil(self.counts(site)["pages"] / size) + 1
            out += [("pages", n) for n in range(1, last + 1)]
        for part, kind in self.item_parts.items():
            kind_changes = [c for c in changes if c.kind == kind.name and c.views(site)]
            if crossing:
                last = math.ceil(self.item_counts(site)[part] / size) + len(changes) + 1
                out += [(part, n) for n in range(1, last + 1)]
                continue
            if not kind_changes:
                continue
            qs = kind.model.objects.published(site.now)
            kind_views = [view for c in kind_changes for view in c.views(site)]
            if all(c.kept_its_place(site) for c in kind_changes):
                # Edited in place: only the parts listing them (a new lastmod).
                pages = {rank(site, qs, v) // size + 1 for v in kind_views}
                out += [(part, n) for n in sorted(pages)]
                continue
            # Items are listed oldest first: parts before the lowest one touched stay.
            lowest = max(0, min(rank(site, qs, v) for v in kind_views) - len(changes))
            last = math.ceil(self.item_counts(site)[part] / size) + len(changes) + 1
            out += [(part, n) for n in range(lowest // size + 1, last + 1)]
        return out

    def followed(self, site: Site, changes: list[Change]) -> bool:
        """Whether the changes can alter the sitemap at all."""
        others = any(
            not self.registry.kinds[c.kind].item for c in changes if c.kind in self.registry.kinds
        )
        return bool(views_of(site, changes)) or others


class _SitemapFile(Page):
    content_type = "application/xml; charset=utf-8"

    @property
    def sitemap(self) -> Sitemap:
        return Sitemap(self.registry)


class SitemapPage(_SitemapFile):
    """``/sitemap.xml``: the URLs themselves, or an index once past 50,000."""

    name = "sitemap"
    route = "sitemap.xml"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        sitemap = self.sitemap
        if not sitemap.followed(site, changes):
            return []
        form = sitemap.form(site, changes)
        if form in ("flat", "crossing"):
            # It lists every item, with its last change (flat: the parts
            # touched are formatted again, the others copied; see
            # publish_context).
            return [{}]
        # An index names the parts: it changes when one appears or goes.
        if sitemap.fronts_changed(site, changes):
            return [{}]
        size = part_size(sitemap.limit)
        for part, kind in sitemap.item_parts.items():
            moved = sum(1 for c in changes if c.kind == kind.name and not c.kept_its_place(site))
            count = sitemap.item_counts(site)[part]
            if math.ceil(max(0, count - moved) / size) != math.ceil((count + moved) / size):
                return [{}]
        return []

    def publish_context(self, site: Site, params: Params, changes: list[Change]) -> Context:
        sitemap = self.sitemap
        if site.previous is None or sitemap.form(site, changes) != "flat":
            return {}
        try:
            previous = (site.previous / file_path(self.url(params))).read_bytes()
        except OSError:
            return {}  # nothing to copy from: format it all
        touched = sitemap.touched_parts(site, changes, crossing=False)
        return {"previous": previous, "touched": touched}

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        part_page = self.registry.find(SitemapPartPage)
        return self.sitemap.render(
            site,
            previous=context.get("previous", b""),
            changed=context.get("touched"),
            part_url=part_page.url if part_page else None,
        )


class SitemapPartPage(_SitemapFile):
    """``/sitemaps/<part>-<n>.xml``: one part, once the sitemap is an index."""

    name = "sitemap_part"
    route = "sitemaps/<slug:part>-<int:page>.xml"

    def params(self, site: Site) -> Iterator[Params]:
        yield from self.sitemap.part_files(site)

    def context(self, site: Site, params: Params) -> Context:
        if not self.sitemap.has_part(site, params["part"], params["page"]):
            raise Http404("no such sitemap")
        return {}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        sitemap = self.sitemap
        if not sitemap.followed(site, changes):
            return []
        form = sitemap.form(site, changes)
        if form == "flat":
            return []
        # Crossing the 50,000 line makes (or unmakes) every part.
        touched = sitemap.touched_parts(site, changes, crossing=form == "crossing")
        return [{"part": part, "page": page} for part, page in touched]

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        return self.sitemap.render_part(site, params["part"], params["page"])
