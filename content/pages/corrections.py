"""/corrections/: every public correction, and which changes move one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from content import routes
from content.models import Correction
from publisher.changes import ABSENT
from publisher.pages.base import Change, Context, Site
from publisher.pages.keyset import newest_first
from publisher.pages.lists import PaginatedPage
from publisher.pages.routes import Params


def public_corrections(site: Site) -> QuerySet[Correction]:
    """The corrections readers see, newest first, with their stories' headlines."""
    return (
        newest_first(Correction.objects.public(site.now))
        .select_related("story")
        .defer("story__body", "story__body_html")
    )


def correction_changes(site: Site, changes: list[Change]) -> list[Change]:
    """The changed stories' corrections, as changes of their own: one is
    public while it is published and its story is (``story_state`` lists a
    story's published corrections). Any change of its story changes its
    entry (the headline, the address)."""
    out = []
    for change in changes:
        if change.kind != "story":
            continue
        states = [*change.before, change.current]
        listed = [_listed_corrections(state) for state in states]
        for pk in sorted({pk for found in listed for pk in found}):
            seen = [
                {"status": "published", "publish_at": found[pk], "slug": str(pk)}
                if pk in found and change.visible(site, state)
                else ABSENT
                for state, found in zip(states, listed, strict=True)
            ]
            current = None if change.current is None else seen[-1]
            out.append(Change("correction", pk, seen[:-1], current))
    return out


def _listed_corrections(state: dict | None) -> dict[int, str]:
    if not state:
        return {}
    return {int(pk): at for pk, _, at in (c.partition("@") for c in state.get("corrections", ()))}


class CorrectionsPage(PaginatedPage):
    """/corrections/: every public correction, newest first, each linking to
    its story."""

    name = "corrections"
    route = routes.CORRECTIONS
    template = "content/corrections.html"
    kinds = ("correction",)

    def lists(self, site: Site) -> Iterator[tuple[Params, int]]:
        yield {}, site.count(Correction.objects.public(site.now))

    def list_params(self, site: Site) -> Iterator[Params]:
        yield {}

    def items(self, site: Site, params: Params) -> QuerySet:
        return public_corrections(site)

    def list_context(self, site: Site, params: Params) -> Context:
        return {"title": "Corrections", "feed_url": self.registry.page("feed_corrections").url({})}

    def affected(self, site: Site, changes: list[Change]) -> Iterable[Params]:
        return super().affected(site, correction_changes(site, changes))
