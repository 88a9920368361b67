"""Crime by neighborhood: the page types (declared in ``content.pages``'s
registry like every other).

- ``/crime/neighborhoods/``: every neighborhood with its counts for the last
  30 days and the last year, an SVG map shaded by count and the same
  numbers as a table;
- ``/crime/neighborhoods/<slug>/``: its map with the last 30 days' reports as
  points, counts by incident type and month, its reports newest first
  (paginated; the map and the counts are on the first page only, so a new
  report rewrites that page and the one it lands on, not the whole list);
- ``/feeds/crime/<slug>.xml``, ``<slug>.geojson`` and ``<slug>.csv``.

Counts go by the local day the incident occurred: they change once a day
with time alone (the nightly full build rewrites them) and with every
change of a report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import mark_safe

from content import maps, routes
from content.feeds import FEED_ITEMS, CrimeFeed
from content.models import CrimeReport, Neighborhood
from publisher.pages.base import Change, Context, Page, Site, views_of
from publisher.pages.feeds import FeedPage
from publisher.pages.keyset import newest_first
from publisher.pages.lists import Chunks, PaginatedPage
from publisher.pages.routes import Params

OUTSIDE = "Outside the city"
UNMAPPED = "Not on the map"
MONTHS = 12
# The most points a neighborhood's map shows (the newest): a page stays light
# in a month with thousands of reports.
MAP_POINTS = 500


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Windows:
    """The local days counts cover, fixed for one build by ``site.now``."""

    last_30: datetime
    last_year: datetime
    months: list[tuple[int, int]]


def windows(site: Site) -> Windows:
    def compute() -> Windows:
        today = timezone.localdate(site.now)
        zone = timezone.get_current_timezone()

        def start(day: Any) -> datetime:
            return timezone.make_aware(datetime.combine(day, time.min), zone)

        months = []
        year, month = today.year, today.month
        for _ in range(MONTHS):
            months.append((year, month))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return Windows(
            start(today - timedelta(days=29)), start(today - timedelta(days=364)), months
        )

    return site.memo("crime windows", compute)


def neighborhoods(site: Site) -> list[Neighborhood]:
    """Every neighborhood, by name, read once per Site."""
    return site.memo("neighborhoods", lambda: list(Neighborhood.objects.order_by("name", "id")))


def by_id(site: Site) -> dict[int, Neighborhood]:
    return site.memo("neighborhoods by id", lambda: {h.pk: h for h in neighborhoods(site)})


def by_slug(site: Site, slug: str) -> Neighborhood:
    for hood in neighborhoods(site):
        if hood.slug == slug:
            return hood
    raise Http404("no such neighborhood")


def live_crimes(site: Site) -> QuerySet[CrimeReport]:
    return CrimeReport.objects.published(site.now)


def counts(site: Site) -> dict[str, dict[Any, int]]:
    """Reports per neighborhood id ("outside" and "unmapped" too), per window."""

    def compute() -> dict[str, dict[Any, int]]:
        w = windows(site)
        out: dict[str, dict[Any, int]] = {}
        for name, since in (("last_30", w.last_30), ("last_year", w.last_year)):
            recent = live_crimes(site).filter(occurred_at__gte=since).order_by()
            found: dict[Any, int] = dict(
                recent.filter(longitude__isnull=False)
                .values_list("located_in_id")
                .annotate(n=Count("id"))
            )
            found["outside"] = found.pop(None, 0)
            found["unmapped"] = recent.filter(longitude__isnull=True).count()
            out[name] = found
        return out

    return site.memo("crime counts", compute)


def neighborhoods_of(site: Site, changes: list[Change]) -> set[int]:
    """The neighborhoods (ids) the changed reports were or are in."""
    return {
        view.get("neighborhood")
        for view in views_of(site, changes, "crime")
        if view.get("neighborhood") is not None
    }


def changed_neighborhoods(changes: list[Change]) -> set[str]:
    """Slugs of neighborhoods added, edited (boundary, name) or removed."""
    return {
        state["slug"]
        for change in changes
        if change.kind == "neighborhood"
        for state in [*change.before, change.current]
        if state and "slug" in state
    }


class NeighborhoodIndexPage(Page):
    name = "neighborhoods"
    route = routes.NEIGHBORHOODS
    template = "content/neighborhoods.html"

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        touched = views_of(site, changes, "crime") or changed_neighborhoods(changes)
        return [{}] if touched else []

    def context(self, site: Site, params: Params) -> Context:
        found = counts(site)
        rows = [
            {
                "name": hood.name,
                "url": hood.get_absolute_url(),
                "last_30": found["last_30"].get(hood.pk, 0),
                "last_year": found["last_year"].get(hood.pk, 0),
            }
            for hood in neighborhoods(site)
        ]
        areas = [
            maps.Area(hood.name, row["url"], hood.polygon, row["last_30"])
            for hood, row in zip(neighborhoods(site), rows, strict=True)
        ]
        title = "Crime reports by neighborhood, last 30 days"
        return {
            "title": "Crime by neighborhood",
            "rows": rows,
            "outside": {k: found[k]["outside"] for k in found},
            "unmapped": {k: found[k]["unmapped"] for k in found},
            "map": mark_safe(maps.choropleth(areas, title)),  # noqa: S308 (escaped in maps)
            "shades": maps.SHADES,
        }


def recent_dots(site: Site) -> dict[int, tuple[list[maps.Dot], int]]:
    """Each neighborhood's newest ``MAP_POINTS`` mapped reports of the last
    30 days as points, and how many it has in all (one query)."""

    def compute() -> dict[int, tuple[list[maps.Dot], int]]:
        recent = (
            live_crimes(site)
            .filter(located_in__isnull=False, occurred_at__gte=windows(site).last_30)
            .order_by("located_in_id", "-publish_at", "-id")
            .only("slug", "publish_at", "title", "located_in_id", "longitude", "latitude")
        )
        out: dict[int, tuple[list[maps.Dot], int]] = {}
        for c in recent.iterator(chunk_size=2000):
            dots, n = out.get(c.located_in_id, ([], 0))
            if n < MAP_POINTS:
                dots.append(maps.Dot(c.longitude, c.latitude, c.title, c.get_absolute_url()))
            out[c.located_in_id] = (dots, n + 1)
        return out

    return site.memo("recent dots", compute)


def month_table(site: Site) -> dict[int, dict[str, dict[str, int]]]:
    """Reports by neighborhood, incident type and month (``m0`` the current
    one), added up in the database (one query)."""

    def compute() -> dict[int, dict[str, dict[str, int]]]:
        zone = timezone.get_current_timezone()
        months = windows(site).months
        starts = [timezone.make_aware(datetime(y, m, 1), zone) for y, m in months]
        ends = [timezone.make_aware(datetime(*_next(y, m), 1), zone) for y, m in months]
        by_month = {
            f"m{i}": Count("id", filter=Q(occurred_at__gte=starts[i], occurred_at__lt=ends[i]))
            for i in range(len(starts))
        }
        rows = (
            live_crimes(site)
            .filter(located_in__isnull=False, occurred_at__gte=min(starts))
            .order_by()
            .values("located_in_id", "incident_type")
            .annotate(**by_month)
        )
        out: dict[int, dict[str, dict[str, int]]] = {}
        for row in rows:
            out.setdefault(row["located_in_id"], {})[row["incident_type"]] = row
        return out

    return site.memo("month table", compute)


class NeighborhoodPage(PaginatedPage):
    """A neighborhood's reports, newest first; the first page has the map."""

    name = "neighborhood"
    route = routes.NEIGHBORHOOD
    template = "content/neighborhood.html"
    kinds = ("crime",)

    def list_of(self, site: Site, view: Any) -> Params | None:
        hood = by_id(site).get(view.get("neighborhood"))
        return None if hood is None else {"slug": hood.slug}

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        found = site.memo(
            "crimes per neighborhood",
            lambda: dict(
                live_crimes(site)
                .filter(located_in__isnull=False)
                .values_list("located_in_id")
                .annotate(n=Count("id"))
                .order_by()
            ),
        )
        for hood in neighborhoods(site):
            yield {"slug": hood.slug}, found.get(hood.pk, 0)

    def list_params(self, site: Site) -> Iterator[Params]:
        for hood in neighborhoods(site):
            yield {"slug": hood.slug}

    def items(self, site: Site, params: Params) -> QuerySet:
        hood = by_slug(site, params["slug"])
        return newest_first(live_crimes(site).filter(located_in=hood)).defer("body", "body_html")

    def list_context(self, site: Site, params: Params) -> Context:
        hood = by_slug(site, params["slug"])
        return {
            "title": f"Crime in {hood.name}",
            "neighborhood": hood,
            "feed_url": self.registry.page("feed_neighborhood").url({"slug": hood.slug}),
            "geojson_url": self.registry.page("neighborhood_geojson").url({"slug": hood.slug}),
            "csv_url": self.registry.page("neighborhood_csv").url({"slug": hood.slug}),
        }

    def _page_context(
        self, site: Site, params: Params, items: list[Any], page: int, chunks: Chunks
    ) -> Context:
        context = super()._page_context(site, params, items, page, chunks)
        if page == 0:
            context.update(self.overview(site, by_slug(site, params["slug"])))
        return context

    def overview(self, site: Site, hood: Neighborhood) -> Context:
        """The first page's map and counts, from two queries for every
        neighborhood at once (``recent_dots``, ``month_table``): the map
        shows the newest ``MAP_POINTS``, the counts are added up in the
        database."""
        w = windows(site)
        dots, mapped = recent_dots(site).get(hood.pk, ([], 0))
        table = month_table(site).get(hood.pk, {})
        types = [(value, label) for value, label in CrimeReport.Incident.choices if value in table]
        months = []
        for i, (year, month) in enumerate(w.months):
            row = [table[value][f"m{i}"] for value, _ in types]
            months.append({"month": datetime(year, month, 1), "counts": row, "total": sum(row)})
        title = f"{hood.name}: {mapped:,} mapped report{'' if mapped == 1 else 's'}, last 30 days"
        return {
            "map": mark_safe(maps.dots_map(hood.polygon, dots, title)),  # noqa: S308
            "map_count": mapped,
            "map_shown": len(dots),
            "types": types,
            "months": months,
        }

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        yield from super().affected(site, changes)
        # The first page's map and counts: every neighborhood a report was or is in.
        for pk in sorted(neighborhoods_of(site, changes)):
            hood = by_id(site).get(pk)
            if hood is not None:
                yield {"slug": hood.slug, "page": 0}
        # A new name or boundary: all of its pages (a removed one: 404, gone).
        changed = changed_neighborhoods(changes)
        if changed:
            totals = {params["slug"]: n for params, n in self.lists(site)}
            for slug in sorted(changed):
                yield {"slug": slug, "page": 0}
                last = Chunks(totals.get(slug, 0), site.page_size).last_page
                for page in range(last, 0, -1):
                    yield {"slug": slug, "page": page}


class NeighborhoodFeed(CrimeFeed):
    def __init__(self, site: Site, neighborhood: Neighborhood) -> None:
        super().__init__(site)
        self.neighborhood = neighborhood

    def title(self) -> str:
        return f"{self.site.name}: Crime in {self.neighborhood.name}"

    def description(self) -> str:
        return f"The latest crime reports in {self.neighborhood.name} from {self.site.name}."

    def link(self) -> str:
        return self.neighborhood.get_absolute_url()

    def items(self) -> Any:
        return latest_by_neighborhood(self.site).get(self.neighborhood.pk, [])


def latest_by_neighborhood(site: Site) -> dict[int, list[CrimeReport]]:
    """Each neighborhood's latest ``FEED_ITEMS`` reports, newest first: one
    query for all of them (a window function, as the authors' pages do)."""

    def compute() -> dict[int, list[CrimeReport]]:
        latest = (
            live_crimes(site)
            .filter(located_in__isnull=False)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("located_in_id")],
                    order_by=[F("publish_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=FEED_ITEMS)
            .order_by("located_in_id", "-publish_at", "-id")
        )
        out: dict[int, list[CrimeReport]] = {}
        for crime in latest:
            out.setdefault(crime.located_in_id, []).append(crime)
        return out

    return site.memo("latest by neighborhood", compute)


class _PerNeighborhood(Page):
    """A page per neighborhood that changes with its reports and its name."""

    def params(self, site: Site) -> Iterator[Params]:
        for hood in neighborhoods(site):
            yield {"slug": hood.slug}

    def count(self, site: Site) -> int:
        return len(neighborhoods(site))

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        slugs = {
            by_id(site)[pk].slug for pk in neighborhoods_of(site, changes) if pk in by_id(site)
        }
        return [{"slug": slug} for slug in sorted(slugs | changed_neighborhoods(changes))]

    def context(self, site: Site, params: Params) -> Context:
        return {"neighborhood": by_slug(site, params["slug"])}


class NeighborhoodFeedPage(_PerNeighborhood, FeedPage):
    name = "feed_neighborhood"
    route = routes.FEED_NEIGHBORHOOD
    feed_class = NeighborhoodFeed


# What a download holds of a report: block-level, like the pages.
FIELDS = ("occurred_at", "incident_type", "title", "address_block", "longitude", "latitude", "url")


def download_rows(site: Site, hood: Neighborhood) -> list[dict[str, Any]]:
    """The last year's mapped reports of a neighborhood, newest first."""
    return downloads(site).get(hood.pk, [])


def downloads(site: Site) -> dict[int, list[dict[str, Any]]]:
    """Every neighborhood's download rows (one query for all)."""

    def compute() -> dict[int, list[dict[str, Any]]]:
        qs = (
            live_crimes(site)
            .filter(located_in__isnull=False, occurred_at__gte=windows(site).last_year)
            .order_by("located_in_id", "-publish_at", "-id")
            .only(
                "slug",
                "publish_at",
                "title",
                "incident_type",
                "occurred_at",
                "address_block",
                "longitude",
                "latitude",
                "located_in_id",
            )
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for c in qs.iterator(chunk_size=2000):
            out.setdefault(c.located_in_id, []).append(
                {
                    "occurred_at": timezone.localtime(c.occurred_at).isoformat(),
                    "incident_type": c.get_incident_type_display(),
                    "title": c.title,
                    "address_block": c.address_block,
                    "longitude": c.longitude,
                    "latitude": c.latitude,
                    "url": site.absolute(c.get_absolute_url()),
                }
            )
        return out

    return site.memo("neighborhood downloads", compute)


class NeighborhoodGeoJSONPage(_PerNeighborhood):
    name = "neighborhood_geojson"
    route = routes.NEIGHBORHOOD_GEOJSON
    content_type = "application/geo+json; charset=utf-8"

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        hood = context["neighborhood"]
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                "properties": {k: row[k] for k in FIELDS if k not in ("longitude", "latitude")},
            }
            for row in download_rows(site, hood)
        ]
        data = {"type": "FeatureCollection", "name": hood.name, "features": features}
        return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    def warm(self) -> None:
        pass


class NeighborhoodCSVPage(_PerNeighborhood):
    name = "neighborhood_csv"
    route = routes.NEIGHBORHOOD_CSV
    content_type = "text/csv; charset=utf-8"

    def render(self, site: Site, params: Params, context: Context) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(download_rows(site, context["neighborhood"]))
        return out.getvalue().encode()

    def warm(self) -> None:
        pass


def spot(site: Site, item: CrimeReport) -> Context:
    """What a crime report's page shows of where it is."""
    hood = by_id(site).get(item.located_in_id) if item.located_in_id else None
    if item.longitude is None:
        return {"neighborhood": None, "where": UNMAPPED, "spot_map": ""}
    if hood is None:
        return {"neighborhood": None, "where": OUTSIDE, "spot_map": ""}
    title = f"{item.address_block}, in {hood.name}"
    svg = maps.spot_map(hood.polygon, item.longitude, item.latitude, title)
    return {"neighborhood": hood, "where": hood.name, "spot_map": mark_safe(svg)}  # noqa: S308
