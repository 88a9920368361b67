"""Redirects: the old address of a page that moved (new slug, date or
section) keeps answering, pointing at the new one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.http import Http404

from publisher.files import write_atomic
from publisher.models import Gone, Redirect
from publisher.pages.base import Change, Context, Page, Site, Unit
from publisher.pages.routes import Params
from publisher.redirects_file import REDIRECTS_FILE


@dataclass(frozen=True)
class Moves:
    """What ``RedirectPage.apply`` did: the old addresses it touched, and
    whether the redirects changed at all (the servers' rules follow)."""

    touched: frozenset[str] = frozenset()
    changed: bool = False


class RedirectPage(Page):
    """The old address of a page that moved (new slug, date or section): a
    small page pointing at the new one. lighttpd and S3 also answer these
    addresses with a real 301, from ``build/redirects.json``."""

    name = "redirect"
    route = ""

    def url(self, params: Params) -> str:
        return params["path"]

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        return []  # arbitrary old addresses: not routed, and not for django-distill

    def params(self, site: Site) -> Iterator[Params]:
        for path in Redirect.objects.order_by("old_path").values_list("old_path", flat=True):
            yield {"path": path}

    def count(self, site: Site) -> int:
        return Redirect.objects.count()

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        for old, new in Redirect.objects.order_by("old_path").values_list("old_path", "new_path"):
            yield {"path": old}, {"target": new}

    def context(self, site: Site, params: Params) -> Context:
        target = (
            Redirect.objects.filter(old_path=params["path"])
            .values_list("new_path", flat=True)
            .first()
        )
        if target is None:
            raise Http404("no redirect here")
        return {"target": target}

    def apply(self, site: Site, changes: list[Change]) -> Moves:
        """Record the moves these changes make in the Redirect table; return
        the old addresses touched (``pages_moved`` renders them)."""
        touched: set[str] = set()
        retaken = 0
        for change in changes:
            if change.kind not in self.registry.kinds or not self.registry.kinds[change.kind].item:
                continue
            page = self.registry.detail(change.kind)
            now = change.now(site)
            new_url = page.url(page.params_for(now)) if now else None
            old_urls = {page.url(page.params_for(view)) for view in change.views(site)}
            old_urls.discard(new_url)
            # An address retired for the name it held never redirects (``retire_addresses``).
            retired = set(
                Gone.objects.filter(path__in=old_urls, named=True).values_list("path", flat=True)
            )
            for old in old_urls:
                # Anything that pointed at the old address follows the move.
                for chained in Redirect.objects.filter(new_path=old):
                    touched.add(chained.old_path)
                    if new_url:
                        chained.new_path = new_url
                        chained.save(update_fields=["new_path"])
                    else:
                        chained.delete()
                if new_url and old not in retired:
                    Redirect.objects.update_or_create(old_path=old, defaults={"new_path": new_url})
                    touched.add(old)
            if new_url:
                # A live page at an old address replaces its redirect.
                retaken += Redirect.objects.filter(old_path=new_url).delete()[0]
        return Moves(frozenset(touched), bool(touched or retaken))

    def pages_moved(self, site: Site, changes: list[Change], moves: Moves) -> Iterable[Params]:
        """The redirect pages at the addresses ``apply`` touched, but for
        those a changed item lives at now."""
        live = set()
        for change in changes:
            now = change.now(site)
            if now is not None:
                page = self.registry.detail(change.kind)
                live.add(page.url(page.params_for(now)))
        return [{"path": path} for path in sorted(moves.touched - live)]


def write_redirects_file(build_dir: Path) -> None:
    """``build/redirects.json``: {old path: new path}, for lighttpd and S3."""
    moves = dict(Redirect.objects.order_by("old_path").values_list("old_path", "new_path"))
    data = json.dumps(moves, indent=1, sort_keys=True).encode() + b"\n"
    write_atomic(build_dir / REDIRECTS_FILE, data)
