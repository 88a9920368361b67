"""Month archives: everything published in a month, every kind together,
paginated like every list (a busy month of a daily holds 700 items or more)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from heapq import merge
from itertools import groupby
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from publisher.pages.base import WHOLE, Change, Context, Page, Site, Unit, local_month, views_of
from publisher.pages.keyset import keyed, newest_first, stream
from publisher.pages.lists import LIST_PAGE_WEIGHT, Chunks
from publisher.pages.registry import Kind
from publisher.pages.routes import Params, formatter

ARCHIVE_MONTHS_PER_UNIT = 6
# A month's page holds this many list pages' items (100 at the default 20):
# headlines only, so more of them than a list's teasers.
ARCHIVE_PAGE_LISTS = 5
MONTHS_PER_PROBE = 240  # months probed per query (SQLite allows 2,000 result columns)
# An item public this long is on the site: its release ran (publish.release_due
# catches up any release missed within a day).
SETTLED = timedelta(days=1)


def _group_by_kind(entries: Iterable[tuple[Any, str, Any]]) -> dict[str, list]:
    groups: dict[str, list] = {}
    for _, kind, item in entries:
        groups.setdefault(kind, []).append(item)
    return groups


def month_start(year: int, month: int) -> datetime:
    return timezone.make_aware(datetime(year, month, 1))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_with_items(published: QuerySet) -> list[tuple[int, int]]:
    """The local (year, month)s in which ``published`` has a row, oldest first.

    Every save needs this list (the sitemap lists the month archives), so it
    must not cost a pass over the rows, nor a probe per month of the span (a
    story dated year 26 instead of 2026 made that 24,000 months). Each query
    probes the ``MONTHS_PER_PROBE`` months from a month known to have a row
    with indexed EXISTS, and asks the index for the first row after them, so
    the next query starts there: a gap of any length costs nothing, and the
    number of queries is at most the number of months with rows (a dense
    archive: its span over ``MONTHS_PER_PROBE``, as before).
    """
    published = published.order_by()
    first = published.values_list("publish_at", flat=True).order_by("publish_at").first()
    if first is None:
        return []
    # The probes are the queryset's own SQL (one definition of "published"),
    # narrowed to a month; compiling it once per month through the ORM would
    # cost more than the probes themselves.
    connection = connections[published.db]
    column = "{}.{}".format(
        *map(connection.ops.quote_name, (published.model._meta.db_table, "publish_at"))
    )

    def narrowed(fields: str, condition: str) -> tuple[str, tuple]:
        sql, params = published.values(fields).query.get_compiler(connection=connection).as_sql()
        return f"{sql}{' AND ' if ' WHERE ' in sql else ' WHERE '}{condition}", params

    sql, params = narrowed("pk", f"{column} >= %s AND {column} < %s")
    probe = f"EXISTS({sql})"
    sql, after_params = narrowed("publish_at", f"{column} >= %s")
    after = f"({sql} ORDER BY {column} LIMIT 1)"
    adapt = connection.ops.adapt_datetimefield_value
    found: list[tuple[int, int]] = []
    start: datetime | None = first
    while start is not None:
        local = timezone.localtime(start)
        batch = [(local.year, local.month)]
        while len(batch) < MONTHS_PER_PROBE:
            batch.append(next_month(*batch[-1]))
        args: list[Any] = []
        for ym in batch:
            args += [*params, adapt(month_start(*ym)), adapt(month_start(*next_month(*ym)))]
        args += [*after_params, adapt(month_start(*next_month(*batch[-1])))]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([probe] * len(batch) + [after]), args)
            *hits, following = cursor.fetchone()
        found += [ym for ym, hit in zip(batch, hits, strict=True) if hit]
        # (The database's constraint keeps publish times before 2101, so
        # the months probed never run past what a datetime can hold.)
        start = connection.ops.convert_datetimefield_value(following, None, connection)
    return found


def counts_by_month(
    published: QuerySet, months: list[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """How many rows of ``published`` each local (year, month) of ``months``
    holds: a COUNT over an index range per month, ``MONTHS_PER_PROBE`` of
    them per query (the rows are counted, never fetched)."""
    published = published.order_by()
    connection = connections[published.db]
    column = "{}.{}".format(
        *map(connection.ops.quote_name, (published.model._meta.db_table, "publish_at"))
    )
    sql, params = published.values("pk").query.get_compiler(connection=connection).as_sql()
    where = " AND " if " WHERE " in sql else " WHERE "
    # The queryset's own SQL (one definition of "published"), its parameters bound.
    count = f"(SELECT COUNT(*) FROM ({sql}{where}{column} >= %s AND {column} < %s) AS month)"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    found: dict[tuple[int, int], int] = {}
    for first in range(0, len(months), MONTHS_PER_PROBE):
        batch = months[first : first + MONTHS_PER_PROBE]
        args: list[Any] = []
        for ym in batch:
            args += [*params, adapt(month_start(*ym)), adapt(month_start(*next_month(*ym)))]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([count] * len(batch)), args)
            found.update(zip(batch, cursor.fetchone(), strict=True))
    return found


class ArchivePage(Page):
    """``/archive/<yyyy>/<mm>/``: the items of every item kind published that
    month, each kind under its ``plural`` in the context; a busy month goes
    on at ``/archive/<yyyy>/<mm>/page/<n>/``.

    A month's items are one list, newest first across the kinds (publish
    time, then the kinds' order, then id), paginated as every list is
    (``Chunks``: numbered from the oldest, the index shows the newest); each
    page shows its share of the items under their kinds. ``page`` in the
    parameters is 0 for the index."""

    name = "archive"
    route = "archive/<yyyy:year>/<mm:month>/"

    @property
    def paged_route(self) -> str:
        return self.route + "page/<int:page>/"

    def __init__(self) -> None:
        super().__init__()
        self._format_paged = formatter(self.paged_route)

    def url(self, params: Params) -> str:
        if params.get("page", 0):
            return self._format_paged(params)
        return self._format({k: v for k, v in params.items() if k != "page"})

    def routes(self) -> list[tuple[str, str, Any]]:
        def pages(numbered: bool) -> list[Params]:
            found = self.params(self.registry.site())
            if numbered:
                return [p for p in found if p["page"] > 0]
            return [{"year": p["year"], "month": p["month"]} for p in found if not p["page"]]

        return [
            (self.route, self.name, lambda: pages(False)),
            (self.paged_route, self.name + "_page", lambda: pages(True)),
        ]

    def view(self, request: HttpRequest, **params: Any) -> HttpResponse:
        if "page" in params and params["page"] < 1:
            raise Http404("numbered pages start at 1")
        params.setdefault("page", 0)
        return super().view(request, **params)

    def page_size(self, site: Site) -> int:
        return site.page_size * ARCHIVE_PAGE_LISTS

    # As PaginatedPage.cyclic_rows: whether the rows of ``items`` sit in
    # reference cycles once rendered.
    cyclic_rows = False

    @property
    def kinds(self) -> list[Kind]:
        return self.registry.item_kinds

    def items(self, site: Site, kind: Kind) -> QuerySet:
        """One kind's published items, newest first, as the archive lists them."""
        return newest_first(kind.model.objects.published(site.now))

    def months(self, site: Site) -> list[tuple[int, int]]:
        """Every (year, month) with something published, newest first."""

        def months() -> list[tuple[int, int]]:
            found: set[tuple[int, int]] = set()
            for kind in self.kinds:
                found.update(months_with_items(kind.model.objects.published(site.now)))
            return sorted(found, reverse=True)

        return site.memo(("archive months", self.name), months)

    def month_counts(self, site: Site) -> dict[tuple[int, int], int]:
        """Every month with something published: how many items it holds."""

        def counts() -> dict[tuple[int, int], int]:
            months = self.months(site)
            found = dict.fromkeys(months, 0)
            for kind in self.kinds:
                published = kind.model.objects.published(site.now)
                for ym, n in counts_by_month(published, months).items():
                    found[ym] += n
            return found

        return site.memo(("archive counts", self.name), counts)

    def month_count(self, site: Site, year: int, month: int) -> int:
        """How many items one month holds (a count per kind)."""
        return sum(
            counts_by_month(kind.model.objects.published(site.now), [(year, month)])[(year, month)]
            for kind in self.kinds
        )

    def _pages(self, chunks: Chunks) -> list[int]:
        return [0, *range(chunks.last_page, 0, -1)]  # newest first

    def params(self, site: Site) -> Iterator[Params]:
        size = self.page_size(site)
        counts = self.month_counts(site)
        for year, month in self.months(site):
            for page in self._pages(Chunks(counts[(year, month)], size)):
                yield {"year": year, "month": month, "page": page}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        # Every page of each month touched (a month is at most a few pages:
        # its links to its neighbours are on each), up to the most pages it
        # had before the changes (those past the last now render as 404:
        # removed).
        size = self.page_size(site)
        slack = sum(len(change.before) + 1 for change in changes)
        for year, month in self._affected_months(site, changes):
            count = self.month_count(site, year, month)
            top = max(Chunks(max(0, count + d), size).last_page for d in range(-slack, slack + 1))
            for page in range(top + 1):
                yield {"year": year, "month": month, "page": page}

    def paging_changed(self, site: Site, changes: list[Change]) -> bool:
        """Whether the changes may change the number of pages of a month."""
        size = self.page_size(site)
        slack = sum(len(change.before) + 1 for change in changes)
        for year, month in {local_month(view) for view in views_of(site, changes)}:
            count = self.month_count(site, year, month)
            tops = {Chunks(max(0, count + d), size).last_page for d in range(-slack, slack + 1)}
            if len(tops) > 1:
                return True
        return False

    def _affected_months(self, site: Site, changes: list[Change]) -> list[tuple[int, int]]:
        months = {local_month(view) for view in views_of(site, changes)}
        for year, month in self.shifting_months(site, changes):
            # Its neighbours link to it: a month that appears or empties changes them.
            start, end = month_start(year, month), month_start(*next_month(year, month))
            for kind in self.kinds:
                published = kind.model.objects.published(site.now).order_by()
                before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
                after = published.filter(publish_at__gte=end).order_by("publish_at").first()
                months.update(local_month(item) for item in (before, after) if item is not None)
        return sorted(months)

    def shifting_months(self, site: Site, changes: list[Change]) -> set[tuple[int, int]]:
        """The months the changes may add to the archive or empty: those in
        which nothing but the changed items is published. Any other month
        was listed before and still is, so its neighbours' links stand.

        Only items public for a day count as others: one whose embargo just
        ended may not be on the site yet (its own release is on the way).
        """

        def shifting() -> set[tuple[int, int]]:
            settled = site.now - SETTLED
            changed: dict[str, set[int]] = {}
            for change in changes:
                changed.setdefault(change.kind, set()).add(change.id or 0)
            found = set()
            for year, month in {local_month(v) for v in views_of(site, changes)}:
                start, end = month_start(year, month), month_start(*next_month(year, month))
                in_month = Q(publish_at__gte=start, publish_at__lt=min(end, settled))
                others = (
                    keyed(kind.model.objects.published(site.now), in_month).exclude(
                        pk__in=changed.get(kind.name, ())
                    )
                    for kind in self.kinds
                )
                if not any(qs.exists() for qs in others):
                    found.add((year, month))
            return found

        asked = tuple((change.kind, change.id, len(change.before)) for change in changes)
        return site.memo(("archive shifting", self.name, asked), shifting)

    def count(self, site: Site) -> int:
        size = self.page_size(site)
        return sum(Chunks(n, size).last_page + 1 for n in self.month_counts(site).values())

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        # Runs of consecutive months; each knows its outer neighbours for the
        # "older"/"newer" links. Months are fixed keys: no row moves between runs.
        months = self.months(site)
        per_unit = ARCHIVE_MONTHS_PER_UNIT if size < WHOLE else max(1, len(months))
        page_size = self.page_size(site)
        counts = self.month_counts(site)
        out = []
        for first in range(0, len(months), per_unit):
            run = tuple(months[first : first + per_unit])
            newer = months[first - 1] if first > 0 else None
            after = first + per_unit
            older = months[after] if after < len(months) else None
            pages = sum(Chunks(counts[ym], page_size).last_page + 1 for ym in run)
            out.append(Unit(self.name, (run, newer, older), pages * LIST_PAGE_WEIGHT * 4))
        return out

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        run, newer, older = unit.args
        if not run:
            return
        start = month_start(*run[-1])
        end = month_start(*next_month(*run[0]))

        def dated(kind: Kind) -> Iterator[tuple[tuple[int, int], str, Any]]:
            in_run = keyed(self.items(site, kind), Q(publish_at__gte=start, publish_at__lt=end))
            for item in stream(in_run, collect=self.cyclic_rows):
                year, month = local_month(item)
                # Negated so that heapq.merge walks months newest first.
                yield (-year, -month), kind.plural, item

        merged = merge(*(dated(kind) for kind in self.kinds), key=lambda entry: entry[0])
        # One month's items at a time (months come newest first, as in the
        # run): a run of every month held the whole archive in memory, and
        # each batch's collection (see keyset.stream) walked all of it.
        for (neg_year, neg_month), entries in groupby(merged, key=lambda entry: entry[0]):
            year, month = -neg_year, -neg_month
            index = run.index((year, month))
            newer_month = run[index - 1] if index > 0 else newer
            older_month = run[index + 1] if index + 1 < len(run) else older
            listed = self._in_order((plural, item) for _, plural, item in entries)
            chunks = Chunks(len(listed), self.page_size(site))
            for page in self._pages(chunks):
                yield (
                    {"year": year, "month": month, "page": page},
                    self._month_context(
                        year, month, listed, page, chunks, older_month, newer_month
                    ),
                )

    def _in_order(self, entries: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """A month's (kind plural, item)s as its pages list them: newest
        first, then in the kinds' order, then the highest id first."""
        order = {kind.plural: position for position, kind in enumerate(self.kinds)}
        return sorted(
            entries,
            key=lambda entry: (entry[1].publish_at, -order[entry[0]], entry[1].pk),
            reverse=True,
        )

    def _month_context(
        self,
        year: int,
        month: int,
        listed: list[tuple[str, Any]],
        page: int,
        chunks: Chunks,
        older: tuple | None,
        newer: tuple | None,
    ) -> Context:
        def link(ym: tuple | None) -> dict | None:
            if ym is None:
                return None
            return {
                "url": self.url({"year": ym[0], "month": ym[1]}),
                "date": datetime(ym[0], ym[1], 1),
            }

        def page_url(number: int | None) -> str | None:
            if number is None:
                return None
            return self.url({"year": year, "month": month, "page": number})

        offset, limit = chunks.span(page)
        groups = _group_by_kind(
            (None, plural, item) for plural, item in listed[offset : offset + limit]
        )
        last = chunks.last_page
        older_page = (last if page == 0 else page - 1) or None
        newer_page = None if page == 0 else (page + 1 if page < last else 0)
        return {
            "month": datetime(year, month, 1),
            **{kind.plural: groups.get(kind.plural, []) for kind in self.kinds},
            "older": link(older),
            "newer": link(newer),
            "page_number": page,
            "previous_url": page_url(newer_page),
            "next_url": page_url(older_page),
        }

    def context(self, site: Site, params: Params) -> Context:
        year, month, page = params["year"], params["month"], params.get("page", 0)
        if not 1 <= month <= 12 or year < 1900:
            raise Http404("no such month")
        start, end = month_start(year, month), month_start(*next_month(year, month))
        listed = self._in_order(
            (kind.plural, item)
            for kind in self.kinds
            for item in keyed(self.items(site, kind), Q(publish_at__gte=start, publish_at__lt=end))
        )
        if not listed:
            raise Http404("nothing published that month")
        chunks = Chunks(len(listed), self.page_size(site))
        if not 0 <= page <= chunks.last_page:
            raise Http404("no such page")
        older = newer = None
        for kind in self.kinds:
            published = kind.model.objects.published(site.now).order_by()
            before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
            after = published.filter(publish_at__gte=end).order_by("publish_at").first()
            if before is not None:
                older = max(older or (0, 0), local_month(before))
            if after is not None:
                newer = min(newer or (9999, 12), local_month(after))
        return self._month_context(year, month, listed, page, chunks, older, newer)


# -- Feeds, sitemap and the odd files ------------------------------------------
