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
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import mark_safe

from content import maps, routes
from content.feeds import FEED_ITEMS, CrimeFeed
from content.models import CrimeReport, Neighborhood
from publisher.pages.base import Change, Context, Page, Site, views_of
from publisher.pages.feeds import FeedPage
from publisher.pages.keyset import newest_first, stream
from publisher.pages.lists import Chunks, PaginatedPage
from publisher.pages.routes import Params

OUTSIDE = "Outside the city"
UNMAPPED = "Not on the map"
MONTHS = 12
# The most points a neighborhood's map shows (the newest): a page stays light
# in a month with thousands of reports.
MAP_POINTS = 500


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


@dataclass
class Year:
    """What the neighborhood pages show of the last year's reports, read in
    one walk newest first (keyset batches on the publish-time index, like
    every list): counts per window, the month-by-type tables, the maps'
    points, the downloads' rows and the feeds' items, per neighborhood id."""

    counts: dict[str, Counter]
    months: dict[int, dict[str, Counter]]
    dots: dict[int, list[maps.Dot]]
    mapped: Counter
    rows: dict[int, list[dict[str, Any]]]
    latest: dict[int, list[CrimeReport]]


def the_year(site: Site) -> Year:
    def compute() -> Year:
        w = windows(site)
        month_index = {ym: i for i, ym in enumerate(w.months)}
        year = Year({"last_30": Counter(), "last_year": Counter()}, {}, {}, Counter(), {}, {})
        walk = newest_first(live_crimes(site).filter(occurred_at__gte=w.last_year))
        for c in stream(walk, collect=False):
            hood = c.located_in_id
            where = hood if hood is not None else ("unmapped" if c.longitude is None else "outside")
            year.counts["last_year"][where] += 1
            recent = c.occurred_at >= w.last_30
            if recent:
                year.counts["last_30"][where] += 1
            if hood is None:
                continue
            local = timezone.localtime(c.occurred_at)
            index = month_index.get((local.year, local.month))
            if index is not None:
                year.months.setdefault(hood, {}).setdefault(c.incident_type, Counter())[
                    f"m{index}"
                ] += 1
            if recent:
                year.mapped[hood] += 1
                if year.mapped[hood] <= MAP_POINTS:
                    dot = maps.Dot(c.longitude, c.latitude, c.title, c.get_absolute_url())
                    year.dots.setdefault(hood, []).append(dot)
            latest = year.latest.setdefault(hood, [])
            if len(latest) < FEED_ITEMS:
                latest.append(c)
            year.rows.setdefault(hood, []).append(
                {
                    "occurred_at": local.isoformat(),
                    "incident_type": c.get_incident_type_display(),
                    "title": c.title,
                    "address_block": c.address_block,
                    "longitude": c.longitude,
                    "latitude": c.latitude,
                    "url": site.absolute(c.get_absolute_url()),
                }
            )
        return year

    return site.memo("the year of crime", compute)


def counts(site: Site) -> dict[str, Counter]:
    """Reports per neighborhood id ("outside" and "unmapped" too), per window."""
    return the_year(site).counts


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
        """The first page's map and counts (from ``the_year``): the map
        shows the newest ``MAP_POINTS``."""
        w = windows(site)
        year = the_year(site)
        dots, mapped = year.dots.get(hood.pk, []), year.mapped[hood.pk]
        table = year.months.get(hood.pk, {})
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
        # The latest of the last year's reports (a year without one: none).
        return the_year(self.site).latest.get(self.neighborhood.pk, [])


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
    return the_year(site).rows.get(hood.pk, [])


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
