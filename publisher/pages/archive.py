"""Month archives: everything published in a month, every kind together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from heapq import merge
from itertools import groupby
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from publisher.pages.base import WHOLE, Change, Context, Page, Site, Unit, local_month, views_of
from publisher.pages.keyset import keyed, newest_first, stream
from publisher.pages.lists import LIST_PAGE_WEIGHT
from publisher.pages.registry import Kind
from publisher.pages.routes import Params

ARCHIVE_MONTHS_PER_UNIT = 6
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


class ArchivePage(Page):
    """``/archive/<yyyy>/<mm>/``: the items of every item kind published that
    month, each kind under its ``plural`` in the context."""

    name = "archive"
    route = "archive/<yyyy:year>/<mm:month>/"
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

    def params(self, site: Site) -> Iterator[Params]:
        for year, month in self.months(site):
            yield {"year": year, "month": month}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        months = {local_month(view) for view in views_of(site, changes)}
        for year, month in self.shifting_months(site, changes):
            # Its neighbours link to it: a month that appears or empties changes them.
            start, end = month_start(year, month), month_start(*next_month(year, month))
            for kind in self.kinds:
                published = kind.model.objects.published(site.now).order_by()
                before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
                after = published.filter(publish_at__gte=end).order_by("publish_at").first()
                months.update(local_month(item) for item in (before, after) if item is not None)
        return [{"year": year, "month": month} for year, month in sorted(months)]

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
        return len(self.months(site))

    def units(self, site: Site, size: int = WHOLE) -> list[Unit]:
        # Runs of consecutive months; each knows its outer neighbours for the
        # "older"/"newer" links. Months are fixed keys: no row moves between runs.
        months = self.months(site)
        per_unit = ARCHIVE_MONTHS_PER_UNIT if size < WHOLE else max(1, len(months))
        out = []
        for first in range(0, len(months), per_unit):
            run = tuple(months[first : first + per_unit])
            newer = months[first - 1] if first > 0 else None
            after = first + per_unit
            older = months[after] if after < len(months) else None
            out.append(Unit(self.name, (run, newer, older), len(run) * LIST_PAGE_WEIGHT * 4))
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
            groups = _group_by_kind(entries)
            yield (
                {"year": year, "month": month},
                self._month_context(year, month, groups, older_month, newer_month),
            )

    def _month_context(
        self,
        year: int,
        month: int,
        groups: dict[str, list],
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

        return {
            "month": datetime(year, month, 1),
            **{kind.plural: groups.get(kind.plural, []) for kind in self.kinds},
            "older": link(older),
            "newer": link(newer),
        }

    def context(self, site: Site, params: Params) -> Context:
        year, month = params["year"], params["month"]
        if not 1 <= month <= 12 or year < 1900:
            raise Http404("no such month")
        start, end = month_start(year, month), month_start(*next_month(year, month))
        groups = {
            kind.plural: list(
                keyed(self.items(site, kind), Q(publish_at__gte=start, publish_at__lt=end))
            )
            for kind in self.kinds
        }
        if not any(groups.values()):
            raise Http404("nothing published that month")
        older = newer = None
        for kind in self.kinds:
            published = kind.model.objects.published(site.now).order_by()
            before = keyed(published, Q(publish_at__lt=start)).order_by("-publish_at").first()
            after = published.filter(publish_at__gte=end).order_by("publish_at").first()
            if before is not None:
                older = max(older or (0, 0), local_month(before))
            if after is not None:
                newer = min(newer or (9999, 12), local_month(after))
        return self._month_context(year, month, groups, older, newer)


# -- Feeds, sitemap and the odd files ------------------------------------------
