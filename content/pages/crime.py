"""A crime report's page, with its place on the map."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from content.models import CrimeReport
from content.pages.items import ItemPage
from content.pages.neighborhoods import changed_neighborhoods, spot
from publisher.pages.base import Change, Context, Site
from publisher.pages.keyset import CHUNK
from publisher.pages.routes import Params


class CrimePage(ItemPage):
    name = "crime"
    template = "content/crime_detail.html"
    kind = "crime"
    commentable = True  # closed unless an editor opens them

    def search_words(self, item: Any) -> Iterable[str]:
        return (item.get_incident_type_display(), item.address_block, item.neighborhood)

    def item_context(self, site: Site, item: Any) -> Context:
        return {**super().item_context(site, item), **spot(site, item)}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        yield from super().affected(site, changes)
        # A neighborhood renamed or redrawn: its reports' pages name it and map it.
        slugs = changed_neighborhoods(changes)
        if slugs:
            qs = CrimeReport.objects.published(site.now).filter(located_in__slug__in=slugs)
            for item in qs.only("slug", "publish_at").iterator(chunk_size=CHUNK):
                yield self.params_for(item)


def crime_state(crime: CrimeReport) -> dict[str, Any]:
    """The neighborhood a report is in: its pages and counts list it."""
    return {"neighborhood": crime.located_in_id}
